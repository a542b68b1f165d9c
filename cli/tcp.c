/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * tcp.c -- coap+tcp:// and coaps+tcp:// for the zcoap tool (RFC 8323), with
 * the public API of coap_client_tcp.h only.
 *
 * The request is the one build.c makes for coap:// (its options copied into
 * the TCP request's form), the addresses are transport.c's, the credentials
 * of coaps+tcp:// are dtls.c's (the same security-tag store) and the output
 * is output.c's. What differs from UDP lives here: the connection (the TLS
 * handshake runs inside coap_client_tcp_connect()), the response callback,
 * the wait (on the self-pipe of request.c, which SIGINT/SIGTERM also wake),
 * -K as a Ping/Pong signal (RFC 8323 §5.4) and the outcome.
 *
 * Not over TCP: -N (no message types), -a/-p (rejected by
 * cli_tcp_check()), --session (TLS sessions are not saved), and the -v
 * message dumps (the TCP client has no trace hook: -v shows the connection
 * and the signalling events only).
 */

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "coap_client_tcp.h"
#include "zcoap_option.h"

/* How long to wait for the answer to a deregistration before giving up on it. */
#define TCP_DEREGISTER_WAIT_MS 2000u
/* How long to wait for the server's CSM before the first request goes out anyway. */
#define TCP_CSM_WAIT_MS 1000u

/* What the callbacks share with the main thread (under lock). */
struct tcp_run {
	pthread_mutex_t lock;
	const struct cli_config *cfg;
	struct cli_output *out;
	int wake_wr;
	uint64_t t_start;
	uint64_t t_first;     /* the first complete answer */
	bool in_response;     /* blocks of a response are being written */
	bool stopping;        /* we asked to stop: answers are not shown */
	bool done;            /* the final callback came */
	bool pong;            /* -K: answered */
	bool csm;             /* the server's CSM arrived */
	bool resp_observe;    /* the current response carries Observe */
	uint32_t observe_val; /* ... with this value */
	size_t body_bytes;
	int err;     /* negative errno of the final callback, or 0 */
	int out_err; /* failed write of the output, or 0 */
	bool have_code;
	uint8_t code;
	unsigned long notifications;
};

static struct coap_client_tcp tcp_client;

enum cli_exit cli_tcp_check(const struct cli_config *cfg, char *err, size_t errlen)
{
	if (cfg->local_addr != NULL || cfg->local_port != 0) {
		snprintf(err, errlen, "-a/-p are not supported with coap+tcp:// or coaps+tcp://");
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

static void tcp_wake(struct tcp_run *r)
{
	if (write(r->wake_wr, "t", 1) < 0) {
		/* the pipe is full: the main thread wakes anyway */
	}
}

static bool has_option(const struct coap_packet *pkt, uint16_t code, uint32_t *val)
{
	struct coap_option opt;

	if (pkt == NULL || coap_find_options(pkt, code, &opt, 1) != 1) {
		return false;
	}
	if (val != NULL) {
		*val = (uint32_t)coap_option_value_to_int(&opt);
	}
	return true;
}

/* A complete response or notification: what it means for the run. */
static void tcp_complete(struct tcp_run *r, uint8_t code, bool observed)
{
	if (r->t_first == 0) {
		r->t_first = cli_now_ms();
	}
	if (r->stopping) {
		return; /* the answer to our deregistration ends the request (callback with error)
			 */
	}
	r->code = code;
	r->have_code = true;
	if (r->cfg->observe && observed && (code >> 5) == 2) {
		r->notifications++;
	}
}

static void on_tcp_response(const struct coap_client_tcp_response_data *data, void *user_data)
{
	struct tcp_run *r = user_data;
	const struct coap_packet *pkt = data->packet;
	bool shown;
	uint32_t size2 = 0;
	int ret;

	pthread_mutex_lock(&r->lock);
	if (r->done) {
		goto unlock;
	}
	if (data->result_code < 0) {
		/* A cancelled observation (ours: -s, --observe-count, Ctrl-C) is a success. */
		if (!(data->result_code == -ECANCELED && r->stopping)) {
			r->err = data->result_code;
		}
		r->done = true;
		goto wake;
	}
	/* Answers to the blocks of an upload (2.31 Continue) move the progress bar only. */
	if (!data->last_block && data->result_code == COAP_RESPONSE_CODE_CONTINUE) {
		cli_output_progress(r->out, true, data->offset, 0);
		goto unlock;
	}
	shown = !r->stopping;
	if (!r->in_response) {
		r->in_response = true;
		r->body_bytes = 0;
		r->resp_observe = has_option(pkt, COAP_OPTION_OBSERVE, &r->observe_val);
		if (r->cfg->verbose > 0) {
			uint8_t code = (uint8_t)data->result_code;

			/* no message dumps over TCP: -v names each response */
			fprintf(stderr, "zcoap: < %u.%02u %s\n", code >> 5, code & 0x1fU,
				cli_code_reason(code));
		}
		if (shown) {
			cli_output_begin(r->out, (uint8_t)data->result_code, pkt);
		}
	}
	if (shown && data->payload != NULL && data->payload_len > 0) {
		ret = cli_output_body(r->out, r->body_bytes, data->payload, data->payload_len);
		if (ret < 0) {
			r->out_err = ret;
			goto wake;
		}
		r->body_bytes += data->payload_len;
		if (!data->last_block || data->offset > 0) {
			(void)has_option(pkt, COAP_OPTION_SIZE2, &size2);
			cli_output_progress(r->out, false, r->body_bytes, size2);
		}
	}
	if (!data->last_block) {
		goto unlock;
	}
	r->in_response = false;
	if (shown) {
		ret = cli_output_end(r->out, pkt, cli_now_ms() - r->t_start, 0, r->resp_observe,
				     r->observe_val);
		if (ret < 0) {
			r->out_err = ret;
		}
	}
	tcp_complete(r, (uint8_t)data->result_code, r->resp_observe);
	/*
	 * The request ends here unless it is an observation still running:
	 * a 2.xx notification with Observe (RFC 8323 §7, RFC 7641 §3.2).
	 */
	if (!r->cfg->observe || !r->resp_observe || (data->result_code >> 5) != 2) {
		r->done = true;
	}
wake:
	tcp_wake(r);
unlock:
	pthread_mutex_unlock(&r->lock);
}

static void on_tcp_event(struct coap_client_tcp *client, enum coap_client_tcp_event event,
			 const union coap_client_tcp_event_data *data, void *user_data)
{
	struct tcp_run *r = user_data;

	(void)client;
	pthread_mutex_lock(&r->lock);
	switch (event) {
	case COAP_CLIENT_TCP_EVENT_CSM_UPDATED:
		if (r->cfg->verbose > 0) {
			fprintf(stderr, "zcoap: the server's CSM arrived\n");
		}
		r->csm = true;
		tcp_wake(r);
		break;
	case COAP_CLIENT_TCP_EVENT_PONG_RECEIVED:
		if (r->cfg->ping && !r->done) {
			r->pong = true;
			r->done = true;
			tcp_wake(r);
		}
		break;
	case COAP_CLIENT_TCP_EVENT_RELEASE:
		if (r->cfg->verbose > 0) {
			fprintf(stderr, "zcoap: the server released the connection (7.04)%s%s\n",
				data != NULL && data->release.alt_addr != NULL
				    ? "; alternative address "
				    : "",
				data != NULL && data->release.alt_addr != NULL
				    ? data->release.alt_addr
				    : "");
		}
		break;
	case COAP_CLIENT_TCP_EVENT_ABORT:
		if (r->cfg->verbose > 0) {
			fprintf(stderr, "zcoap: the server aborted the connection (7.05)\n");
		}
		break;
	}
	pthread_mutex_unlock(&r->lock);
}

/* Copy the UDP-shaped request of build.c into the TCP client's form. */
static enum cli_exit tcp_request(const struct cli_request *in, struct coap_client_tcp_request *req,
				 struct tcp_run *r)
{
	memset(req, 0, sizeof(*req));
	req->method = in->req.method;
	snprintf(req->path, sizeof(req->path), "%s", in->path);
	req->fmt = in->req.fmt;
	req->payload = in->payload;
	req->len = in->payload_len;
	req->cb = on_tcp_response;
	req->user_data = r;
	if (in->req.num_options > MAX_TCP_EXTRA_OPTIONS) {
		fprintf(stderr, "zcoap: too many options for a TCP request (at most %d)\n",
			MAX_TCP_EXTRA_OPTIONS);
		return CLI_EXIT_USAGE;
	}
	for (size_t i = 0; i < in->req.num_options; i++) {
		const struct coap_client_option *o = &in->req.options[i];

		if (o->len > sizeof(req->options[i].value)) {
			fprintf(stderr,
				"zcoap: option %u has %u bytes; a TCP request option holds at most "
				"%zu\n",
				o->code, (unsigned int)o->len, sizeof(req->options[i].value));
			return CLI_EXIT_USAGE;
		}
		req->options[i].code = o->code;
		req->options[i].len = (uint8_t)o->len;
		memcpy(req->options[i].value, o->value, o->len);
	}
	req->num_options = in->req.num_options;
	return CLI_EXIT_OK;
}

/* Read what woke us; true when a signal (SIGINT/SIGTERM: request.c writes 's') came. */
static bool drain_wake(int fd)
{
	char buf[64];
	bool sig = false;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (memchr(buf, 's', (size_t)n) != NULL) {
			sig = true;
		}
		if (n < (ssize_t)sizeof(buf)) {
			break;
		}
	}
	return sig;
}

/* Ask the server to stop notifying: cancelling deregisters with Observe = 1. */
static void tcp_stop(struct tcp_run *r, uint64_t *dereg_until)
{
	pthread_mutex_lock(&r->lock);
	r->stopping = true;
	pthread_mutex_unlock(&r->lock);
	*dereg_until = cli_now_ms() + TCP_DEREGISTER_WAIT_MS;
	coap_client_tcp_cancel_requests(&tcp_client);
}

/* Wait for the outcome; sets *timed_out and *interrupted. */
static void tcp_wait(struct tcp_run *r, int wake_rd, bool *timed_out, bool *interrupted)
{
	const struct cli_config *cfg = r->cfg;
	uint64_t give_up_at = r->t_start + (uint64_t)(cfg->give_up_s * 1000.0);
	uint64_t dereg_until = 0;

	for (;;) {
		uint64_t now = cli_now_ms();
		uint64_t next = UINT64_MAX;
		bool done;
		bool stopping;
		unsigned long notes;
		uint64_t t_first;
		struct pollfd pfd;
		int timeout = -1;

		pthread_mutex_lock(&r->lock);
		done = r->done || r->out_err != 0;
		stopping = r->stopping;
		notes = r->notifications;
		t_first = r->t_first;
		pthread_mutex_unlock(&r->lock);
		if (done) {
			return;
		}
		if (stopping) {
			if (now >= dereg_until) {
				return;
			}
			next = dereg_until;
		} else {
			bool stop = false;

			if (notes == 0 || cfg->give_up_given) {
				if (now >= give_up_at) {
					*timed_out = true;
					if (notes == 0) {
						return;
					}
					stop = true;
				}
				next = give_up_at;
			}
			if (notes > 0 && cfg->observe_count > 0 && notes >= cfg->observe_count) {
				stop = true;
			}
			if (notes > 0 && cfg->observe_s > 0.0) {
				uint64_t obs_end = t_first + (uint64_t)(cfg->observe_s * 1000.0);

				stop = stop || now >= obs_end;
				next = obs_end < next ? obs_end : next;
			}
			if (stop) {
				tcp_stop(r, &dereg_until);
				continue;
			}
		}
		if (next != UINT64_MAX) {
			uint64_t wait = next > now ? next - now : 0;

			timeout = wait > INT_MAX ? INT_MAX : (int)wait;
		}
		pfd.fd = wake_rd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, timeout) > 0 && drain_wake(wake_rd)) {
			*interrupted = true;
			/* Ctrl-C ends a running observation politely. */
			if (notes > 0 && !stopping) {
				tcp_stop(r, &dereg_until);
				continue;
			}
			return;
		}
	}
}

/* The outcome of one request on stderr (and --json); the exit status. */
static enum cli_exit tcp_outcome(struct tcp_run *r, const char *where, bool timed_out,
				 bool interrupted)
{
	const struct cli_config *cfg = r->cfg;
	uint64_t elapsed = cli_now_ms() - r->t_start;

	if (interrupted && r->notifications == 0) {
		fprintf(stderr, "zcoap: interrupted\n");
		cli_output_error(r->out, "interrupted", -EINTR, NULL, elapsed);
		return CLI_EXIT_INTERRUPTED;
	}
	if (r->out_err != 0) {
		fprintf(stderr, "zcoap: cannot write the output: %s\n", strerror(-r->out_err));
		return CLI_EXIT_IO;
	}
	if (timed_out) {
		if (r->notifications > 0) {
			char msg[160];

			snprintf(msg, sizeof(msg), "-B %g s ran out after %lu notification(s)",
				 cfg->give_up_s, r->notifications);
			fprintf(stderr, "zcoap: timeout: %s\n", msg);
			cli_output_error(r->out, "timeout", -ETIMEDOUT, msg, elapsed);
		} else {
			cli_report_timeout(r->out, where, r->t_start, "-B");
		}
		return CLI_EXIT_TIMEOUT;
	}
	if (r->err != 0) {
		enum cli_exit st = cli_exit_for_errno(r->err);
		const char *kind = st == CLI_EXIT_TIMEOUT ? "timeout"
				   : st == CLI_EXIT_RESET ? "reset"
				   : st == CLI_EXIT_IO    ? "io"
							  : "error";

		if (r->err == -ETIMEDOUT) {
			cli_report_timeout(r->out, where, r->t_start,
					   "the TCP request timeout ran out");
			return CLI_EXIT_TIMEOUT;
		}
		fprintf(stderr, "zcoap: %s: %s (%s)\n", kind, zcoap_strerror(r->err), where);
		cli_output_error(r->out, kind, r->err, NULL, elapsed);
		return st;
	}
	if (r->pong) {
		if (cfg->json) {
			printf("{\"pong\":true,\"elapsed_ms\":%llu,\"retransmissions\":0}\n",
			       (unsigned long long)elapsed);
		} else {
			printf("pong from %s in %llu ms\n", where, (unsigned long long)elapsed);
		}
		return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
	}
	if (r->have_code) {
		enum cli_exit st = cli_exit_for_code(r->code);

		if (cfg->observe && r->notifications == 0 && st == CLI_EXIT_OK) {
			fprintf(stderr, "zcoap: warning: the server answered without Observe: not "
					"an observable resource\n");
		}
		return st;
	}
	fprintf(stderr, "zcoap: the request ended without a response\n");
	return CLI_EXIT_ERROR;
}

/*
 * A failed connect: the message and the exit status (as for DTLS handshakes).
 * A TLS failure names its cause with the library's sentence
 * (zcoap_client_tcp_last_error()): "server certificate has expired", ...
 */
static enum cli_exit tcp_connect_failed(int ret, bool tls, const char *where,
					struct cli_output *out, uint64_t t_start)
{
	char msg[400];
	char why[ZCOAP_CLIENT_TCP_ERROR_LEN];

	if (ret == -ECONNREFUSED) {
		snprintf(msg, sizeof(msg), "connection refused by %s", where);
		fprintf(stderr, "zcoap: refused: %s\n", msg);
		cli_output_error(out, "refused", ret, msg, cli_now_ms() - t_start);
		return CLI_EXIT_RESET;
	}
	if (ret == -ETIMEDOUT) {
		cli_report_timeout(out, where, t_start,
				   tls ? "the TCP connection or TLS handshake"
				       : "the TCP connection");
		return CLI_EXIT_TIMEOUT;
	}
	if (tls && ret != -ENETUNREACH && ret != -EHOSTUNREACH && ret != -EADDRNOTAVAIL) {
		if (zcoap_client_tcp_last_error(&tcp_client, why, sizeof(why)) != ret ||
		    why[0] == '\0') {
			snprintf(why, sizeof(why), "%s", zcoap_strerror(ret));
		}
		snprintf(msg, sizeof(msg), "TLS handshake with %s failed: %s (%s)", where, why,
			 cli_errno_name(ret) != NULL ? cli_errno_name(ret) : "?");
		fprintf(stderr, "zcoap: %s\n", msg);
		cli_output_error(out, "tls", ret, msg, cli_now_ms() - t_start);
		return CLI_EXIT_DTLS;
	}
	snprintf(msg, sizeof(msg), "cannot connect to %s: %s", where, zcoap_strerror(ret));
	fprintf(stderr, "zcoap: %s\n", msg);
	cli_output_error(out, "io", ret, msg, cli_now_ms() - t_start);
	return cli_exit_for_errno(ret) == CLI_EXIT_ERROR ? CLI_EXIT_IO : cli_exit_for_errno(ret);
}

/* Connect to the first address that accepts; CLI_EXIT_OK with @p where filled. */
static enum cli_exit tcp_connect(const struct cli_tcp_args *a, char *where, size_t where_size)
{
	const struct cli_config *cfg = a->cfg;
	bool tls = a->conn->secure;
	uint64_t t_start = cli_now_ms();
	enum cli_exit st = CLI_EXIT_IO;

	for (const struct addrinfo *ai = a->ais; ai != NULL; ai = ai->ai_next) {
		int ret;

		cli_describe_addr(ai, where, where_size);
		if (cfg->verbose > 0) {
			fprintf(stderr, "zcoap: connecting to %s over %s\n", where,
				tls ? "TLS (coaps+tcp)" : "TCP (coap+tcp)");
		}
		ret = coap_client_tcp_connect(&tcp_client, ai->ai_addr, ai->ai_addrlen,
					      tls ? IPPROTO_TLS_1_2 : IPPROTO_TCP);
		if (ret == 0) {
			return CLI_EXIT_OK;
		}
		if (ret == -ECONNREFUSED && ai->ai_next != NULL) {
			if (cfg->verbose > 0) {
				fprintf(stderr, "zcoap: %s refused; trying the next address\n",
					where);
			}
			continue;
		}
		st = tcp_connect_failed(ret, tls, where, a->out, t_start);
		break;
	}
	return st;
}

/*
 * Wait (at most TCP_CSM_WAIT_MS) for the server's CSM, which every server
 * sends first (RFC 8323 §5.3): its Max-Message-Size and Block-Wise-Transfer
 * decide whether uploads go in BERT blocks. A signal ends the wait early
 * (the request then sees it: the byte stays for tcp_wait() to read).
 */
static void tcp_wait_csm(struct tcp_run *r, int wake_rd)
{
	uint64_t until = cli_now_ms() + TCP_CSM_WAIT_MS;

	for (;;) {
		uint64_t now = cli_now_ms();
		struct pollfd pfd = {.fd = wake_rd, .events = POLLIN};
		bool csm;

		pthread_mutex_lock(&r->lock);
		csm = r->csm;
		pthread_mutex_unlock(&r->lock);
		if (csm || now >= until) {
			return;
		}
		if (poll(&pfd, 1, (int)(until - now)) > 0) {
			char c;

			if (read(wake_rd, &c, 1) == 1 && c == 's') {
				/* put the signal back for tcp_wait() */
				if (write(r->wake_wr, "s", 1) < 0) {
				}
				return;
			}
		}
	}
}

/* One request (or -K ping) on the open connection; its exit status. */
static enum cli_exit tcp_once(const struct cli_tcp_args *a, struct tcp_run *r,
			      struct coap_client_tcp_request *req, const char *where)
{
	bool timed_out = false;
	bool interrupted = false;
	int ret;

	pthread_mutex_lock(&r->lock);
	r->t_start = cli_now_ms();
	r->t_first = 0;
	r->in_response = false;
	r->stopping = false;
	r->done = false;
	r->pong = false;
	r->err = 0;
	r->have_code = false;
	r->notifications = 0;
	pthread_mutex_unlock(&r->lock);
	if (a->cfg->verbose > 0) {
		fprintf(stderr, "zcoap: %s %s -> %s\n",
			a->cfg->ping ? "PING" : cli_method_name(a->cfg->method), a->uri_text,
			where);
	}
	ret = a->cfg->ping ? coap_client_tcp_ping(&tcp_client)
			   : coap_client_tcp_req(&tcp_client, req);
	if (ret < 0) {
		fprintf(stderr, "zcoap: request not sent: %s\n", zcoap_strerror(ret));
		cli_output_error(r->out, "io", ret, NULL, 0);
		return ret == -EMSGSIZE || ret == -EINVAL          ? CLI_EXIT_USAGE
		       : cli_exit_for_errno(ret) == CLI_EXIT_ERROR ? CLI_EXIT_IO
								   : cli_exit_for_errno(ret);
	}
	tcp_wait(r, a->wake_rd, &timed_out, &interrupted);
	pthread_mutex_lock(&r->lock);
	if (!r->done) {
		r->stopping = true; /* from here on, late callbacks change nothing */
		r->done = true;
	}
	pthread_mutex_unlock(&r->lock);
	if (coap_client_tcp_has_ongoing_exchange(&tcp_client)) {
		coap_client_tcp_cancel_requests(&tcp_client);
	}
	cli_output_progress_done(r->out);
	return tcp_outcome(r, where, timed_out, interrupted);
}

/* The TLS configuration of coaps+tcp://: dtls.c's credentials and name. */
static int tcp_tls_config(const struct cli_tcp_args *a)
{
	static const zcoap_sec_tag_t tags[] = {CLI_DTLS_TAG};
	struct zcoap_dtls_config tc;

	if (a->cfg->session_file != NULL) {
		fprintf(stderr, "zcoap: warning: --session applies to coaps:// only; ignored\n");
	}
	memset(&tc, 0, sizeof(tc));
	tc.sec_tags = tags;
	tc.sec_tag_count = 1;
	tc.hostname = a->dtls->hostname;
	tc.peer_verify =
	    a->dtls->verify ? ZCOAP_TLS_PEER_VERIFY_REQUIRED : ZCOAP_TLS_PEER_VERIFY_NONE;
	tc.handshake_timeout_ms =
	    a->cfg->give_up_given ? (uint32_t)(a->cfg->give_up_s * 1000.0) + 1 : 10000;
	return zcoap_client_tcp_set_tls_config(&tcp_client, &tc);
}

enum cli_exit cli_tcp_run(const struct cli_tcp_args *a)
{
	static struct tcp_run r;
	struct coap_client_tcp_request req;
	char where[NI_MAXHOST + NI_MAXSERV + 4] = "?";
	enum cli_exit status;
	int ret;

	memset(&r, 0, sizeof(r));
	pthread_mutex_init(&r.lock, NULL);
	r.cfg = a->cfg;
	r.out = a->out;
	r.wake_wr = a->wake_wr;
	if (a->cfg->non_confirmable) {
		fprintf(stderr, "zcoap: warning: -N does not apply over TCP (no message types); "
				"ignored\n");
	}
	status = tcp_request(a->request, &req, &r);
	if (status != CLI_EXIT_OK) {
		goto out;
	}
	ret = coap_client_tcp_init(&tcp_client, "zcoap-tcp");
	if (ret < 0) {
		fprintf(stderr, "zcoap: cannot start the TCP client: %s\n", zcoap_strerror(ret));
		status = CLI_EXIT_IO;
		goto out;
	}
	coap_client_tcp_set_event_cb(&tcp_client, on_tcp_event, &r);
	if (a->cfg->give_up_given && a->cfg->give_up_s * 1000.0 < (double)UINT32_MAX) {
		uint32_t ms = (uint32_t)(a->cfg->give_up_s * 1000.0);

		(void)zcoap_client_tcp_set_timeout(&tcp_client, ms > 0 ? ms : 1);
	}
	if (a->conn->secure && tcp_tls_config(a) < 0) {
		fprintf(stderr, "zcoap: unusable TLS configuration\n");
		status = CLI_EXIT_DTLS;
		goto deinit;
	}
	status = tcp_connect(a, where, sizeof(where));
	if (status == CLI_EXIT_OK) {
		tcp_wait_csm(&r, a->wake_rd);
		snprintf(a->where, a->where_size, "%s", where);
		/* -G: one request after the other on the same connection */
		for (unsigned long i = 0; i < a->cfg->repeat; i++) {
			enum cli_exit st = tcp_once(a, &r, &req, where);

			if (status == CLI_EXIT_OK) {
				status = st;
			}
			if (st == CLI_EXIT_INTERRUPTED || st == CLI_EXIT_USAGE) {
				break;
			}
		}
		(void)coap_client_tcp_close(&tcp_client);
	}
deinit:
	(void)zcoap_client_tcp_deinit(&tcp_client);
out:
	pthread_mutex_destroy(&r.lock);
	return status;
}
