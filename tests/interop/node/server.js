// SPDX-License-Identifier: Apache-2.0
//
// server.js -- a node-coap (npm "coap") server for zcoap's interop tests.
//
//   node server.js PORT        (PORT 0 = any free port)
//
// Listens on 127.0.0.1 and prints "PORT <n>" as its first line of output once
// it is ready. Resources:
//   /obs              observable; a notification every 100 ms, payload "<n>"
//                     (a counter); CON or NON as the registration was
//   /observers        GET: number of registered observers of /obs
//                     (/observers?NAME for the others)
//   /big              10 000-byte deterministic body; node-coap's own Block2
//   /obs-big          observable; each notification a 3000-byte body
//                     (block-wise notification, RFC 7959 §2.6), a new one
//                     about every 300 ms
//   /obs-supersede    as /obs-big, but every other body is replaced by a newer
//                     notification while the client fetches it
//   /obs-etag         as /obs-big, but every other body changes (new ETag)
//                     while the client fetches it; the notification follows
// ZCOAP_NODE_LOG=1 logs every datagram in and out on stderr.
// SIGTERM / SIGINT close the server and exit 0.

'use strict';

const coap = require('coap');
const packetCodec = require('coap-packet');
// node-coap's plain response class, without the automatic Block2 layer that
// its server wraps around it (see sendBlock()).
const OutgoingMessage = require('coap/dist/lib/outgoing_message').default;

const LOG = process.env.ZCOAP_NODE_LOG !== undefined && process.env.ZCOAP_NODE_LOG !== '' &&
	process.env.ZCOAP_NODE_LOG !== '0';

const OBS_PERIOD_MS = 100;
const OBS_BIG_PERIOD_MS = 300;
// A new /obs-big body waits until every observer has fetched the last block
// of the previous one (or this long, for clients that gave up). Changing the
// body in the middle of a fetch is legal (the ETag tells the client), but it
// would make the test depend on the machine's speed.
const OBS_BIG_FETCH_GRACE_MS = 3000;
const BIG_SIZE = 10000;
const OBS_BIG_SIZE = 3000;

function log(...args)
{
	if (LOG) {
		process.stderr.write(`[${new Date().toISOString()}] ${args.join(' ')}\n`);
	}
}

// The /big body; test_interop_node.c computes the same bytes.
function bigBody()
{
	const b = Buffer.alloc(BIG_SIZE);

	for (let i = 0; i < BIG_SIZE; i++) {
		b[i] = 0x21 + ((i * 7 + Math.floor(i / 251)) % 94);
	}
	return b;
}

// The /obs-big body of version @seq: "SEQ %08u\n" then bytes that depend on
// both the position and @seq, so a body stitched from two versions is caught
// (test_interop_node.c computes the same bytes).
function obsBigBody(seq)
{
	const b = Buffer.alloc(OBS_BIG_SIZE);
	const head = `SEQ ${String(seq).padStart(8, '0')}\n`;

	b.write(head, 0, 'latin1');
	for (let i = head.length; i < OBS_BIG_SIZE; i++) {
		b[i] = 0x61 + ((i * 7 + seq * 13) % 26);
	}
	return b;
}

function optionValue(msg, name)
{
	for (const o of msg.options) {
		if (o.name === name) {
			return o.value;
		}
	}
	return undefined;
}

// Block2 value -> {num, szx, size} (RFC 7959 §2.2), undefined when absent,
// null when malformed.
function parseBlock(buf)
{
	if (buf === undefined) {
		return undefined;
	}
	if (!(buf instanceof Buffer) || buf.length > 3) {
		return null;
	}
	let v = 0;
	for (const byte of buf) {
		v = v * 256 + byte;
	}
	const szx = v & 7;
	if (szx === 7) {
		return null;
	}
	return {num: Math.floor(v / 16), szx, size: 16 << szx};
}

function blockValue(num, more, szx)
{
	const v = num * 16 + (more ? 8 : 0) + szx;

	if (v < 0x100) {
		return v === 0 ? Buffer.alloc(0) : Buffer.of(v);
	}
	if (v < 0x10000) {
		return Buffer.of(v >> 8, v & 0xff);
	}
	return Buffer.of(v >> 16, (v >> 8) & 0xff, v & 0xff);
}

function clientKey(rsinfo)
{
	return `${rsinfo.address}:${rsinfo.port}`;
}

// Observers per resource, keyed by "address:port/token" (RFC 7641 §4.1: one
// entry per client endpoint and token).
const observers = {obs: new Map()};
// Message ID of each notification sent -> [resource, key], so that an RST
// can be matched to its observer (see onDatagram()).
const notificationMids = new Map();

function observerKey(req)
{
	return `${clientKey(req.rsinfo)}/${req._packet.token.toString('hex')}`;
}

function dropObserver(resource, key, why)
{
	const o = observers[resource].get(key);

	if (o !== undefined) {
		observers[resource].delete(key);
		log(`drop observer ${resource} ${key}: ${why}`);
		if (!o.res.writableEnded) {
			o.res.end();
		}
	}
}

function addObserver(resource, req, res, extra)
{
	const key = observerKey(req);

	// A registration with the token of an existing one replaces it (§4.1).
	dropObserver(resource, key, 're-registration');
	const o = Object.assign(
		{key, res, client: clientKey(req.rsinfo), con: req._packet.confirmable}, extra);

	observers[resource].set(key, o);
	log(`add observer ${resource} ${key} (${req._packet.confirmable ? 'CON' : 'NON'})`);
	// node-coap ends the stream itself on an RST to a CON notification or a
	// CON notification that is never acknowledged.
	res.on('finish', () => {
		if (observers[resource].get(key) === o) {
			dropObserver(resource, key, 'stream ended');
		}
	});
	res.on('error', (err) => dropObserver(resource, key, `error ${err.message}`));
	return o;
}

// Send a notification. node-coap 1.5.0 sends the notifications of a NON
// registration after the first as type ACK with a new message ID (it sets
// `ack = !request.confirmable` after each one), which a client must ignore
// (RFC 7252 §4.2: an ACK echoes the ID of a CON it acknowledges); RFC 7641
// §4.5 wants notifications to be CON or NON, so the type is set here before
// each write.
function notify(o, data)
{
	if (!o.con) {
		o.res._packet.ack = false;
		o.res._packet.confirmable = false;
	}
	o.res.write(data);
}

// Send one block of @body as a normal (non-Observe) response. node-coap's
// response class would cut the payload into blocks itself with its own ETag,
// so its base class sends our block as it is.
function sendBlock(res, body, block, etag)
{
	const start = block.num * block.size;

	if (start >= body.length && !(start === 0 && body.length === 0)) {
		res.code = '4.02';
		OutgoingMessage.prototype.end.call(res);
		return;
	}
	const more = start + block.size < body.length;

	res.code = '2.05';
	res.setOption('Content-Format', 'application/octet-stream');
	res.setOption('ETag', etag);
	res.setOption('Block2', blockValue(block.num, more, block.szx));
	res.setOption('Size2', body.length);
	OutgoingMessage.prototype.end.call(res, body.subarray(start, start + block.size));
}

// --- /obs ----------------------------------------------------------------

let obsCounter = 0;

function handleObs(req, res)
{
	const observe = req.headers.Observe;

	if (observe === 0) {
		addObserver('obs', req, res, {});
		res.setOption('Content-Format', 'text/plain');
		res.write(String(obsCounter));
		return;
	}
	if (observe === 1) {
		// Deregistration (RFC 7641 §3.6): a GET with Observe = 1 and the
		// registration's token. node-coap leaves it to the application.
		dropObserver('obs', observerKey(req), 'deregistration');
	}
	res.setOption('Content-Format', 'text/plain');
	res.end(String(obsCounter));
}

function notifyObs()
{
	obsCounter++;
	for (const o of observers.obs.values()) {
		notify(o, String(obsCounter));
	}
}

// --- /obs-big, /obs-supersede, /obs-etag ----------------------------------

// An observable resource whose representation (obsBigBody(seq)) needs
// several blocks. Notifications carry its first block; clients fetch the
// rest with GETs without Observe (RFC 7959 §2.6).
//   'stable'    a new version about every 300 ms, but only once every
//               observer has fetched the last block of the previous one;
//   'supersede' as 'stable' for even versions; an odd version is replaced,
//               and the new one notified, right after its block 1 is served:
//               the client gets a newer notification in the middle of a body;
//   'etag'      as 'stable' for even versions; an odd version is replaced
//               silently right after its block 1 is served (the client's next
//               block has another ETag, RFC 7959 §2.4), and the new version
//               is notified at the next tick.
class BigResource {
	constructor(name, mode)
	{
		this.name = name;
		this.mode = mode;
		this.seq = 1;
		this.body = obsBigBody(this.seq);
		this.changedAt = Date.now();
		this.notified = true;
		// Clients ("address:port") that got the first block of the current
		// body and have not fetched its last block yet.
		this.pending = new Set();
		observers[name] = new Map();
	}

	etag()
	{
		const e = Buffer.alloc(4);

		e.writeUInt32BE(this.seq >>> 0);
		return e;
	}

	notifyOne(o)
	{
		const size = 16 << o.szx;
		const more = size < this.body.length;

		o.res.setOption('Content-Format', 'application/octet-stream');
		o.res.setOption('ETag', this.etag());
		o.res.setOption('Block2', blockValue(0, more, o.szx));
		o.res.setOption('Size2', this.body.length);
		if (more) {
			this.pending.add(o.client);
		}
		notify(o, this.body.subarray(0, size));
	}

	change()
	{
		this.pending.clear();
		this.seq++;
		this.body = obsBigBody(this.seq);
		this.changedAt = Date.now();
		this.notified = false;
	}

	notifyAll()
	{
		this.notified = true;
		for (const o of observers[this.name].values()) {
			this.notifyOne(o);
		}
	}

	tick()
	{
		if (!this.notified) {
			this.notifyAll();
			return;
		}
		if (this.pending.size > 0 && Date.now() - this.changedAt < OBS_BIG_FETCH_GRACE_MS) {
			return;
		}
		this.change();
		this.notifyAll();
	}

	handle(req, res)
	{
		const observe = req.headers.Observe;
		const block = parseBlock(optionValue(req, 'Block2'));

		if (block === null) {
			res.code = '4.02';
			OutgoingMessage.prototype.end.call(res);
			return;
		}
		if (observe === 0 && (block === undefined || block.num === 0)) {
			// The registration may ask for a smaller block size (RFC 7959
			// §2.4); later notifications use it too.
			const o = addObserver(this.name, req, res,
					      {szx: block === undefined ? 6 : Math.min(block.szx, 6)});

			this.notifyOne(o);
			return;
		}
		if (observe === 1) {
			dropObserver(this.name, observerKey(req), 'deregistration');
		}
		// A continuation GET (RFC 7959 §2.6: no Observe) or a plain GET.
		const b = block === undefined ? {num: 0, szx: 6, size: 1024} : block;

		if (b.size > 1024) {
			b.szx = 6;
			b.size = 1024;
		}
		if ((b.num + 1) * b.size >= this.body.length) {
			this.pending.delete(clientKey(req.rsinfo));
		}
		sendBlock(res, this.body, b, this.etag());
		if (this.mode !== 'stable' && b.num === 1 && this.seq % 2 === 1 && this.notified) {
			this.change();
			if (this.mode === 'supersede') {
				// Right behind the block's response, before the client can
				// ask for the next block: it sees the newer notification first.
				this.notifyAll();
			}
		}
	}
}

const bigResources = {
	'obs-big': new BigResource('obs-big', 'stable'),
	'obs-supersede': new BigResource('obs-supersede', 'supersede'),
	'obs-etag': new BigResource('obs-etag', 'etag'),
};

// --- server ----------------------------------------------------------------

const big = bigBody();

const server = coap.createServer((req, res) => {
	const path = req.url.split('?')[0].replace(/^\/+/, '');
	const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '';

	// node-coap 1.5.0 passes an RST that it cannot match (one answering a
	// NON message) to the application as if it were a request; answering it
	// would send the client a response with an empty token.
	if (req._packet.reset || req._packet.ack) {
		return;
	}
	log(`request ${req.method} ${req.url} from ${clientKey(req.rsinfo)} Observe=${
		req.headers.Observe}`);
	if (req.method !== 'GET') {
		res.code = '4.05';
		res.end();
		return;
	}
	switch (path) {
	case 'obs':
		handleObs(req, res);
		break;
	case 'obs-big':
	case 'obs-supersede':
	case 'obs-etag':
		bigResources[path].handle(req, res);
		break;
	case 'observers':
		res.setOption('Content-Format', 'text/plain');
		res.end(String((observers[query] ?? observers.obs).size));
		break;
	case 'big':
		// node-coap answers with Block2 itself (early negotiation included).
		res.setOption('Content-Format', 'application/octet-stream');
		res.end(big);
		break;
	default:
		res.code = '4.04';
		res.end();
	}
});

function describe(buf)
{
	try {
		const p = packetCodec.parse(buf);
		const type = p.reset ? 'RST' : p.ack ? 'ACK' : p.confirmable ? 'CON' : 'NON';
		const opts = p.options.map((o) => `${o.name}=${o.value.toString('hex')}`).join(' ');

		return `${type} ${p.code} mid=${p.messageId} tok=${p.token.toString('hex')} ${opts} ` +
		       `len=${p.payload.length}`;
	} catch (err) {
		return `unparsable (${buf.length} bytes)`;
	}
}

// node-coap ignores an RST that answers a NON notification (it looks the
// message up under a key that includes the token, which an RST does not
// carry), yet RFC 7641 §3.6/§4.2 say such an RST removes the observer. So
// the message ID of every NON notification is remembered, and an RST to it is
// handled here.
function onDatagram(msg, rsinfo)
{
	log(`<- ${clientKey(rsinfo)} ${describe(msg)}`);
	if (msg.length === 4 && (msg[0] & 0x30) === 0x30) {
		const mid = msg.readUInt16BE(2);
		const id = `${clientKey(rsinfo)}#${mid}`;
		const target = notificationMids.get(id);

		if (target !== undefined) {
			notificationMids.delete(id);
			dropObserver(target[0], target[1], `RST to notification mid ${mid}`);
		}
	}
}

function tapSocket(sock)
{
	const send = sock.send.bind(sock);

	sock.prependListener('message', onDatagram);
	sock.send = (buf, ...rest) => {
		// Forms used by node-coap: (buf, offset, length, port, address, cb)
		// and (buf, port, address, cb).
		const port = typeof rest[2] === 'number' ? rest[2] : rest[0];
		const address = typeof rest[2] === 'number' ? rest[3] : rest[1];

		log(`-> ${address}:${port} ${describe(buf)}`);
		try {
			const p = packetCodec.parse(buf);

			// CON notifications are node-coap's own business (it ends the
			// stream on their RST); only NON ones need the help.
			if (!p.confirmable && !p.ack && !p.reset &&
			    p.options.some((o) => o.name === 'Observe')) {
				const key = `${address}:${port}/${p.token.toString('hex')}`;

				for (const resource of Object.keys(observers)) {
					if (observers[resource].has(key)) {
						notificationMids.set(`${address}:${port}#${p.messageId}`,
								     [resource, key]);
					}
				}
				// Keep the map bounded: only recent notifications get RSTs.
				while (notificationMids.size > 4096) {
					notificationMids.delete(notificationMids.keys().next().value);
				}
			}
		} catch (err) {
			// Not ours to judge: send it anyway.
		}
		return send(buf, ...rest);
	};
}

const port = Number.parseInt(process.argv[2] ?? '0', 10);

if (!Number.isInteger(port) || port < 0 || port > 65535) {
	process.stderr.write('usage: node server.js PORT\n');
	process.exit(2);
}

const timers = [];

server.listen(port, '127.0.0.1', (err) => {
	if (err) {
		process.stderr.write(`listen: ${err.message}\n`);
		process.exit(1);
	}
	tapSocket(server._sock);
	timers.push(setInterval(notifyObs, OBS_PERIOD_MS));
	timers.push(setInterval(() => {
		for (const r of Object.values(bigResources)) {
			r.tick();
		}
	}, OBS_BIG_PERIOD_MS));
	process.stdout.write(`PORT ${server._sock.address().port}\n`);
});

function stop()
{
	for (const t of timers) {
		clearInterval(t);
	}
	for (const resource of Object.keys(observers)) {
		for (const key of [...observers[resource].keys()]) {
			dropObserver(resource, key, 'shutdown');
		}
	}
	server.close(() => process.exit(0));
}

process.on('SIGTERM', stop);
process.on('SIGINT', stop);
