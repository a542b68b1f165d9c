/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * mbedtls_resume.c -- DTLS session resumption (RFC 5246 §7.3 abbreviated
 * handshake, by session ID or by an RFC 5077 ticket, whichever the server
 * gave): the process-wide cache that zcoap_dtls_config.session_cache
 * enables, the format of the bytes zcoap_dtls_session_save() returns, the
 * offer before a handshake and how we tell afterwards that the server
 * resumed.
 *
 * Secrets: a cached session holds its master secret in Mbed TLS's
 * mbedtls_ssl_session; mbedtls_ssl_session_free() zeroises it when an entry
 * is replaced, expires, is purged or its session ends with a fatal alert.
 * Temporary serialisations are zeroised before they are freed; the copy of
 * the offered master secret in the slot is cleared when the handshake ends.
 *
 * Locks: cache_lock is a leaf (taken with or without a session lock).
 */

#include <errno.h>
#include <string.h>

#include <mbedtls/net_sockets.h>
#include <mbedtls/platform.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/ssl_ciphersuites.h>

#include "port/port.h"
#include "transport/dtls/mbedtls_internal.h"

/*
 * Saved-session format: magic "ZCS1", CRC-32 of everything after it (big
 * endian; catches storage damage, which would otherwise offer a wrong
 * master secret), flags, host name length, host name, Mbed TLS's bytes.
 */
static const uint8_t blob_magic[4] = {'Z', 'C', 'S', '1'};
#define BLOB_CRC       4u    /* offset of the CRC */
#define BLOB_FLAGS     8u    /* offset of the flags */
#define BLOB_HOST_LEN  9u    /* offset of the host name length */
#define BLOB_HEAD_SIZE 10u   /* the host name starts here */
#define BLOB_VERIFIED  0x01u /* the server's identity was checked in full (verifies()) */
#define BLOB_PSK       0x02u /* ... by a pre-shared key (not by its certificate) */

struct cache_entry {
	bool used;
	bool refused; /* the server failed our last resumption: offer nothing until expiry */
	uint32_t gen;
	int64_t stored_ms; /* when its full handshake completed */
	uint8_t addr[sizeof(struct sockaddr_storage)];
	socklen_t addrlen;
	char host[256];
	zcoap_sec_tag_t tags[ZCOAP_DTLS_MAX_SEC_TAGS];
	size_t ntags;
	bool verify;
	mbedtls_ssl_session session;
};

static struct cache_entry cache[ZCOAP_DTLS_SESSION_CACHE_SIZE];
static uint32_t cache_gen;
static struct zc_port_static_mutex cache_lock = ZC_PORT_STATIC_MUTEX_INIT;

/* CRC-32 (IEEE 802.3, reflected, as zlib's), bitwise: a few hundred bytes per save or load. */
static uint32_t crc32(const uint8_t *p, size_t len)
{
	uint32_t c = 0xFFFFFFFFu;

	while (len-- > 0) {
		c ^= *p++;
		for (int k = 0; k < 8; k++) {
			c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
		}
	}
	return ~c;
}

/*
 * Whether a connection checks the server's identity in full; a session made
 * without that check is never offered to one that makes it.
 */
static bool verifies(const struct zcoap_dtls_config *cfg)
{
	return cfg->peer_verify == ZCOAP_TLS_PEER_VERIFY_REQUIRED && !cfg->skip_hostname_check;
}

/* The address bytes as given are the key: a difference only costs a full handshake. */
static bool key_matches(const struct cache_entry *e, const struct dtls_state *st)
{
	const struct dtls_resume_key *k = &st->resume_key;

	return e->used && e->addrlen == k->addrlen &&
	       memcmp(e->addr, k->addr, (size_t)k->addrlen) == 0 &&
	       strcmp(e->host, st->host) == 0 && e->ntags == k->ntags &&
	       memcmp(e->tags, k->tags, k->ntags * sizeof(k->tags[0])) == 0 &&
	       e->verify == k->verify;
}

static void entry_free(struct cache_entry *e)
{
	if (e->used) {
		mbedtls_ssl_session_free(&e->session); /* zeroises the master secret */
	}
	mbedtls_platform_zeroize(e, sizeof(*e));
}

static bool expired(const struct cache_entry *e, int64_t now)
{
	return now - e->stored_ms > (int64_t)ZCOAP_DTLS_SESSION_MAX_AGE_S * 1000;
}

static const unsigned char *session_master(const mbedtls_ssl_session *sn)
{
	return sn->MBED_FIELD(master);
}

/* Offer @p sn to the handshake of @p st. */
static bool offer(struct dtls_state *st, const mbedtls_ssl_session *sn)
{
	if (mbedtls_ssl_set_session(&st->ssl, sn) != 0) {
		return false;
	}
	memcpy(st->offer_master, session_master(sn), sizeof(st->offer_master));
	return true;
}

/* The saved bytes of cfg->session, when they fit this connection. */
static bool offer_saved(struct dtls_state *st, const struct zcoap_dtls_config *cfg)
{
	const uint8_t *b = cfg->session;
	size_t host_len = cfg->hostname != NULL ? strlen(cfg->hostname) : 0;
	mbedtls_ssl_session sn;
	bool ok;

	if (cfg->session_len < BLOB_HEAD_SIZE || memcmp(b, blob_magic, sizeof(blob_magic)) != 0 ||
	    crc32(b + BLOB_FLAGS, cfg->session_len - BLOB_FLAGS) !=
		((uint32_t)b[BLOB_CRC] << 24 | (uint32_t)b[BLOB_CRC + 1] << 16 |
		 (uint32_t)b[BLOB_CRC + 2] << 8 | (uint32_t)b[BLOB_CRC + 3])) {
		return false; /* not ours, or damaged */
	}
	if (b[BLOB_HOST_LEN] != host_len || cfg->session_len < BLOB_HEAD_SIZE + host_len ||
	    (host_len > 0 && memcmp(b + BLOB_HEAD_SIZE, cfg->hostname, host_len) != 0)) {
		return false; /* made for another server name */
	}
	if (verifies(cfg) && (b[BLOB_FLAGS] & BLOB_VERIFIED) == 0) {
		return false; /* resuming would skip the verification asked for */
	}
	if ((b[BLOB_FLAGS] & BLOB_PSK) != 0 && !st->have_psk) {
		/* A PSK proved the server: not enough for a connection that trusts certificates
		 * only. */
		return false;
	}
	mbedtls_ssl_session_init(&sn);
	ok = mbedtls_ssl_session_load(&sn, b + BLOB_HEAD_SIZE + host_len,
				      cfg->session_len - BLOB_HEAD_SIZE - host_len) == 0 &&
	     offer(st, &sn);
	mbedtls_ssl_session_free(&sn);
	return ok;
}

void zc_dtls_resume_offer(struct dtls_state *st, const struct zcoap_dtls_config *cfg,
			  const struct sockaddr *peer, socklen_t peerlen)
{
	struct dtls_resume_key *k = &st->resume_key;

	st->verified = verifies(cfg);
	if (cfg->hostname != NULL) {
		/* zc_dtls_check_config() bounds it to 255 characters. */
		memcpy(st->host, cfg->hostname, strlen(cfg->hostname) + 1);
	}
	k->cache = cfg->session_cache == ZCOAP_TLS_SESSION_CACHE_ENABLED && peer != NULL &&
		   peerlen <= sizeof(k->addr);
	if (k->cache) {
		k->verify = verifies(cfg);
		k->addrlen = peerlen;
		memcpy(k->addr, peer, (size_t)peerlen);
		k->ntags = cfg->sec_tag_count;
		memcpy(k->tags, cfg->sec_tags, cfg->sec_tag_count * sizeof(cfg->sec_tags[0]));
	}
	if (cfg->session != NULL && cfg->session_len > 0 && offer_saved(st, cfg)) {
		st->offered = true;
		return;
	}
	if (!k->cache) {
		return;
	}
	zc_port_static_mutex_lock(&cache_lock);
	for (size_t i = 0; i < ZCOAP_DTLS_SESSION_CACHE_SIZE; i++) {
		if (key_matches(&cache[i], st)) {
			if (expired(&cache[i], zc_port_now_ms())) {
				entry_free(&cache[i]);
			} else if (!cache[i].refused) {
				st->offered = offer(st, &cache[i].session);
				st->cache_slot = (int)i + 1;
				st->cache_gen = cache[i].gen;
			}
			break;
		}
	}
	zc_port_static_mutex_unlock(&cache_lock);
}

/* Store the session of @p st under the key; the oldest entry makes room. */
static void cache_store(struct dtls_state *st)
{
	const struct dtls_resume_key *k = &st->resume_key;
	struct cache_entry *e = NULL;
	int64_t now = zc_port_now_ms();
	int64_t stored = now;

	zc_port_static_mutex_lock(&cache_lock);
	for (size_t i = 0; i < ZCOAP_DTLS_SESSION_CACHE_SIZE && e == NULL; i++) {
		if (key_matches(&cache[i], st)) {
			e = &cache[i];
			/* A resumed session keeps the age of its full handshake. */
			if (st->resumed) {
				stored = e->stored_ms;
			}
		}
	}
	for (size_t i = 0; i < ZCOAP_DTLS_SESSION_CACHE_SIZE && e == NULL; i++) {
		if (!cache[i].used) {
			e = &cache[i];
		}
	}
	if (e == NULL) {
		e = &cache[0];
		for (size_t i = 1; i < ZCOAP_DTLS_SESSION_CACHE_SIZE; i++) {
			if (cache[i].stored_ms < e->stored_ms) {
				e = &cache[i];
			}
		}
	}
	entry_free(e);
	mbedtls_ssl_session_init(&e->session);
	/*
	 * After a failed resumption the key is kept without a session, so the
	 * next connections do not pay for another failed attempt.
	 */
	if (st->resume_failed || mbedtls_ssl_get_session(&st->ssl, &e->session) == 0) {
		e->used = true;
		e->refused = st->resume_failed;
		if (st->resume_failed) {
			mbedtls_ssl_session_free(&e->session);
		}
		e->gen = ++cache_gen;
		e->stored_ms = stored;
		memcpy(e->addr, k->addr, (size_t)k->addrlen);
		e->addrlen = k->addrlen;
		memcpy(e->host, st->host, sizeof(e->host));
		memcpy(e->tags, k->tags, k->ntags * sizeof(k->tags[0]));
		e->ntags = k->ntags;
		e->verify = k->verify;
		st->cache_slot = (int)(e - cache) + 1;
		st->cache_gen = e->gen;
	} else {
		mbedtls_ssl_session_free(&e->session);
		mbedtls_platform_zeroize(e, sizeof(*e));
	}
	zc_port_static_mutex_unlock(&cache_lock);
}

void zc_dtls_resume_done(struct dtls_state *st)
{
	const mbedtls_ssl_session *now = st->ssl.MBED_FIELD(session);

	/*
	 * An abbreviated handshake keeps the master secret of the session it
	 * resumes; a full one derives a fresh one (RFC 5246 §8.1). This works
	 * for session IDs and tickets alike, whatever ID the ServerHello echoed.
	 */
	if (st->offered && now != NULL) {
		const unsigned char *m = session_master(now);
		unsigned char diff = 0;

		for (size_t i = 0; i < sizeof(st->offer_master); i++) {
			diff |= (unsigned char)(m[i] ^ st->offer_master[i]);
		}
		st->resumed = diff == 0;
	}
	mbedtls_platform_zeroize(st->offer_master, sizeof(st->offer_master));
	if (st->resume_key.cache) {
		cache_store(st);
	}
}

bool zc_dtls_resume_offer_session(struct dtls_state *st, const mbedtls_ssl_session *sn)
{
	return offer(st, sn);
}

bool zc_dtls_resume_fallback(struct dtls_state *st, int ret)
{
	switch (ret) {
	case MBEDTLS_ERR_NET_SEND_FAILED:
	case MBEDTLS_ERR_NET_RECV_FAILED:
	case MBEDTLS_ERR_SSL_ALLOC_FAILED:
	case MBEDTLS_ERR_SSL_TIMEOUT:
		return false; /* not about the session: a full handshake would fare no better */
	default:
		break;
	}
	if (!st->offered || st->resume_failed || mbedtls_ssl_session_reset(&st->ssl) != 0) {
		return false;
	}
	/* The reset dropped the offered session: the next ClientHello offers none. */
	st->resume_failed = true;
	mbedtls_platform_zeroize(st->offer_master, sizeof(st->offer_master));
	return true;
}

void zc_dtls_resume_forget(struct dtls_state *st)
{
	size_t i;

	if (st->cache_slot <= 0) {
		return;
	}
	i = (size_t)(st->cache_slot - 1);
	zc_port_static_mutex_lock(&cache_lock);
	if (i < ZCOAP_DTLS_SESSION_CACHE_SIZE && cache[i].used && cache[i].gen == st->cache_gen) {
		entry_free(&cache[i]);
	}
	zc_port_static_mutex_unlock(&cache_lock);
	st->cache_slot = 0;
}

int zc_dtls_resume_save(struct dtls_state *st, void *buf, size_t *len)
{
	size_t host_len = strlen(st->host);
	size_t head = BLOB_HEAD_SIZE + host_len;
	mbedtls_ssl_session sn;
	size_t need = 0;
	uint8_t *out = buf;
	int ret;

	mbedtls_ssl_session_init(&sn);
	ret = mbedtls_ssl_get_session(&st->ssl, &sn);
	if (ret != 0) {
		mbedtls_ssl_session_free(&sn);
		return ret == MBEDTLS_ERR_SSL_ALLOC_FAILED ? -ENOMEM : -ENOTCONN;
	}
	ret = mbedtls_ssl_session_save(&sn, NULL, 0, &need);
	if (ret != 0 && ret != MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL) {
		mbedtls_ssl_session_free(&sn);
		return -ENOTCONN;
	}
	if (buf == NULL || *len < head + need) {
		mbedtls_ssl_session_free(&sn);
		*len = head + need;
		return -EFBIG;
	}
	memcpy(out, blob_magic, sizeof(blob_magic));
	out[BLOB_FLAGS] = (uint8_t)((st->verified ? BLOB_VERIFIED : 0u) |
				    (zc_dtls_suite_is_psk(st->suite) ? BLOB_PSK : 0u));
	out[BLOB_HOST_LEN] = (uint8_t)host_len;
	memcpy(out + BLOB_HEAD_SIZE, st->host, host_len);
	ret = mbedtls_ssl_session_save(&sn, out + head, *len - head, &need);
	mbedtls_ssl_session_free(&sn);
	if (ret != 0) {
		mbedtls_platform_zeroize(out, *len);
		return -ENOTCONN;
	}
	*len = head + need;
	{
		uint32_t c = crc32(out + BLOB_FLAGS, *len - BLOB_FLAGS);

		out[BLOB_CRC] = (uint8_t)(c >> 24);
		out[BLOB_CRC + 1] = (uint8_t)(c >> 16);
		out[BLOB_CRC + 2] = (uint8_t)(c >> 8);
		out[BLOB_CRC + 3] = (uint8_t)c;
	}
	return 0;
}

void zcoap_dtls_session_clear(void *buf, size_t len)
{
	if (buf != NULL) {
		mbedtls_platform_zeroize(buf, len);
	}
}

int zcoap_dtls_session_cache_purge(void)
{
	zc_port_static_mutex_lock(&cache_lock);
	for (size_t i = 0; i < ZCOAP_DTLS_SESSION_CACHE_SIZE; i++) {
		entry_free(&cache[i]);
	}
	zc_port_static_mutex_unlock(&cache_lock);
	return 0;
}
