/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * main.c -- the flow of the zcoap tool: command line, URI, socket, one
 * request through the public client API, waiting, exit status.
 *
 * Threads: the library runs response callbacks on its own thread. The
 * callback writes output under ctx.lock and pokes a self-pipe; the main
 * thread sleeps in poll() on that pipe with the nearest deadline (-B, -s, the
 * bounded wait for a deregistration) as timeout. The SIGINT/SIGTERM handler
 * only writes to the same pipe, which is async-signal-safe.
 *
 * coaps:// (dtls.c): the DTLS handshake runs in the main thread inside
 * zcoap_dtls_connect() before the request, as connect() does on a Zephyr
 * DTLS socket; the client then uses the socket like any other, and the
 * datagram trace still shows the plaintext CoAP messages.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "cli.h"
#include "zcoap_dtls.h"

/* How long to wait for the answer to a deregistration before giving up on it. */
#define DEREGISTER_WAIT_MS 2000u

/* Largest body a Block1 upload can carry: NUM has 20 bits (RFC 7959 §2.2). */
#define MAX_UPLOAD (((size_t)1 << 20) * (size_t)ZCOAP_CONFIG_BLOCK_SIZE)

static volatile sig_atomic_t got_signal;
static int signal_wake_fd = -1;

struct ctx {
	pthread_mutex_t lock;
	int wake_fd; /* write end of the self-pipe */
	const struct cli_config *cfg;
	struct cli_output *out;
	uint64_t t_start;
	size_t upload_total;
	bool upload_done; /* the final answer to a block-wise upload arrived */

	/* the response being delivered */
	bool in_response;
	bool silent;       /* arrived after we asked to stop: not shown */
	size_t body_bytes; /* bytes of its body written so far */

	/* outcome */
	bool done;       /* the final callback of the request was seen */
	bool ignore_all; /* main has given up: callbacks do nothing */
	int err;         /* negative errno of the final callback, or 0 */
	int out_err;     /* failed write of the output, or 0 */
	bool have_code;
	uint8_t code; /* code that decides the exit status */

	/* observe */
	bool got_response;
	uint64_t t_first;
	bool registered;
	unsigned long notifications;
	bool stop_wanted;   /* --observe-count reached */
	bool deregistering; /* deregistration sent */
	bool not_observed;  /* answered without Observe: not an observation */
};

static void wake(struct ctx *c)
{
	/* A full pipe already holds a wake-up; nothing is lost by dropping this one. */
	if (write(c->wake_fd, "c", 1) < 0) {
	}
}

static void on_signal(int sig)
{
	int saved = errno;

	got_signal = sig;
	if (signal_wake_fd >= 0 && write(signal_wake_fd, "s", 1) < 0) {
	}
	errno = saved;
}

static bool has_block1(const struct coap_packet *pkt)
{
	bool more;
	uint32_t num;

	return pkt != NULL && coap_get_block1_option(pkt, &more, &num) > 0;
}

static bool has_block2(const struct coap_packet *pkt)
{
	bool more;
	uint32_t num;

	return pkt != NULL && coap_get_block2_option(pkt, &more, &num) > 0;
}

static void on_response(int16_t result, size_t offset, const uint8_t *payload, size_t len,
			bool last_block, void *user_data)
{
	struct ctx *c = user_data;
	const struct zcoap_response_info *info = zcoap_client_response_info();
	const struct coap_packet *pkt = info != NULL ? info->packet : NULL;
	bool blockwise;
	uint8_t code;
	int ret;

	pthread_mutex_lock(&c->lock);
	if (c->ignore_all || c->done) {
		goto unlock;
	}
	if (result < 0) {
		/* A NON deregistration ends the request with -ECANCELED: that is success. */
		if (!(result == -ECANCELED && c->deregistering)) {
			c->err = result;
		}
		c->done = true;
		goto wake;
	}
	code = (uint8_t)result;

	/*
	 * Answers to the blocks of an upload (2.31 Continue, RFC 7959 §2.3)
	 * only move the progress bar; offset is then the bytes sent so far.
	 */
	if (!last_block &&
	    (code == COAP_RESPONSE_CODE_CONTINUE || (has_block1(pkt) && !has_block2(pkt)))) {
		cli_output_progress(c->out, true, offset, c->upload_total);
		goto unlock;
	}

	if (!c->in_response) {
		if (c->upload_total > ZCOAP_CONFIG_MESSAGE_SIZE && !c->upload_done) {
			/* the answer to the last block: the upload is complete */
			cli_output_progress(c->out, true, c->upload_total, c->upload_total);
			c->upload_done = true;
		}
		c->in_response = true;
		c->body_bytes = 0;
		c->silent = c->deregistering || c->stop_wanted;
		if (!c->silent) {
			cli_output_begin(c->out, code);
		}
	}
	blockwise = has_block2(pkt);
	if (!c->silent && payload != NULL && len > 0) {
		size_t skip = 0;

		/*
		 * offset is where this block sits in the body; a block that
		 * overlaps what was written already (a server that changed
		 * the block size) is written from the first new byte only.
		 */
		if (blockwise && !has_block1(pkt) && offset < c->body_bytes) {
			skip = c->body_bytes - offset;
			if (skip > len) {
				skip = len;
			}
		}
		ret = cli_output_body(c->out, c->body_bytes, payload + skip, len - skip);
		if (ret < 0) {
			c->out_err = ret;
			goto wake;
		}
		c->body_bytes += len - skip;
	}
	if (blockwise && !c->silent) {
		cli_output_progress(c->out, false, c->body_bytes, info != NULL ? info->size2 : 0);
	}
	if (!last_block) {
		goto unlock;
	}

	/* A complete response or notification. */
	c->in_response = false;
	if (!c->silent) {
		ret = cli_output_end(c->out, pkt, cli_now_ms() - c->t_start,
				     info != NULL ? info->retransmissions : 0,
				     info != NULL && info->has_observe,
				     info != NULL ? info->observe : 0);
		if (ret < 0) {
			c->out_err = ret;
		}
	}
	if (!c->got_response) {
		c->got_response = true;
		c->t_first = cli_now_ms();
	}
	if (!c->cfg->observe) {
		c->code = code;
		c->have_code = true;
		c->done = true;
		goto wake;
	}
	if (c->silent) {
		/* The answer to our deregistration carries no Observe (RFC 7641 §3.6). */
		if (info == NULL || !info->has_observe) {
			c->done = true;
		}
		goto wake;
	}
	c->code = code;
	c->have_code = true;
	if (info == NULL || !info->has_observe || (code >> 5) != 2) {
		/*
		 * No Observe, or an error: the server is not (or no longer)
		 * notifying us (RFC 7641 §3.2, §4.2).
		 */
		c->not_observed = !c->registered;
		c->done = true;
		goto wake;
	}
	c->registered = true;
	c->notifications++;
	if (c->cfg->observe_count > 0 && c->notifications >= c->cfg->observe_count) {
		c->stop_wanted = true;
	}
wake:
	wake(c);
unlock:
	pthread_mutex_unlock(&c->lock);
}

/* Read a whole file ("-" = stdin) into memory. */
static int read_payload(const char *name, uint8_t **data, size_t *len)
{
	FILE *f = strcmp(name, "-") == 0 ? stdin : fopen(name, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0;
	size_t n = 0;
	int ret = 0;

	if (f == NULL) {
		return -errno;
	}
	for (;;) {
		size_t got;

		if (cap - n < 4096) {
			uint8_t *nb;

			cap = cap == 0 ? 65536 : cap * 2;
			if (cap > MAX_UPLOAD + 65536) {
				ret = -EFBIG;
				break;
			}
			nb = realloc(buf, cap);
			if (nb == NULL) {
				ret = -ENOMEM;
				break;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f)) {
				ret = -(errno != 0 ? errno : EIO);
			}
			break;
		}
	}
	if (f != stdin) {
		fclose(f);
	}
	if (ret == 0 && n > MAX_UPLOAD) {
		ret = -EFBIG;
	}
	if (ret < 0) {
		free(buf);
		return ret;
	}
	*data = buf;
	*len = n;
	return 0;
}

static void describe_addr(const struct sockaddr *sa, socklen_t salen, char *buf, size_t size)
{
	char host[NI_MAXHOST];
	char serv[NI_MAXSERV];

	if (getnameinfo(sa, salen, host, sizeof(host), serv, sizeof(serv),
			NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(buf, size, "?");
		return;
	}
	snprintf(buf, size, sa->sa_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, serv);
}

struct run {
	struct coap_client *client;
	struct coap_client_request *req;
	struct ctx *ctx;
	const struct cli_config *cfg;
	int wake_rd;
	bool timed_out;
	bool interrupted;
};

static void drain(int fd)
{
	char buf[64];

	while (read(fd, buf, sizeof(buf)) > 0) {
	}
}

/* Ask the server to stop notifying (RFC 7641 §3.6); false when there is nothing to wait for. */
static bool deregister(struct run *r)
{
	struct coap_client_request pattern;
	int ret;

	pthread_mutex_lock(&r->ctx->lock);
	r->ctx->deregistering = true;
	pthread_mutex_unlock(&r->ctx->lock);

	/* match our request by callback and user data only (path may be empty) */
	memset(&pattern, 0, sizeof(pattern));
	pattern.cb = r->req->cb;
	pattern.user_data = r->req->user_data;
	ret = coap_client_deregister_observe(r->client, &pattern);
	if (ret < 0) {
		if (r->cfg->verbose > 0) {
			fprintf(stderr, "zcoap: deregistration not sent: %s\n",
				zcoap_strerror(ret));
		}
		return false;
	}
	return true;
}

/* Wait for the outcome of the request sent; returns when it is known. */
static void wait_for_outcome(struct run *r)
{
	const struct cli_config *cfg = r->cfg;
	struct ctx *c = r->ctx;
	uint64_t give_up_at = c->t_start + (uint64_t)(cfg->give_up_s * 1000.0);
	uint64_t dereg_until = 0;
	bool dereg = false;

	for (;;) {
		bool done;
		bool stop_wanted;
		bool got_response;
		bool registered;
		uint64_t t_first;
		uint64_t now = cli_now_ms();
		uint64_t next = UINT64_MAX;
		struct pollfd pfd;
		int timeout;

		pthread_mutex_lock(&c->lock);
		done = c->done || c->out_err != 0;
		stop_wanted = c->stop_wanted;
		got_response = c->got_response;
		registered = c->registered;
		t_first = c->t_first;
		pthread_mutex_unlock(&c->lock);

		if (done) {
			return;
		}
		if (got_signal != 0) {
			if (dereg || !(cfg->observe && registered)) {
				r->interrupted = true;
				return;
			}
			/* Ctrl-C ends an observation politely. */
			r->interrupted = true;
			got_signal = 0;
			dereg = true;
			dereg_until = now + DEREGISTER_WAIT_MS;
			if (!deregister(r)) {
				return;
			}
			continue;
		}
		if (dereg) {
			if (now >= dereg_until) {
				if (cfg->verbose > 0) {
					fprintf(stderr, "zcoap: no answer to the deregistration\n");
				}
				return;
			}
			next = dereg_until;
		} else {
			bool end_observation = stop_wanted;

			/*
			 * -B bounds the wait for the first answer, and the whole
			 * run when it was given explicitly.
			 */
			if (!got_response || !cfg->observe || cfg->give_up_given) {
				if (now >= give_up_at) {
					r->timed_out = true;
					if (!registered) {
						return;
					}
					end_observation = true;
				}
				next = give_up_at;
			}
			if (cfg->observe && got_response && cfg->observe_s > 0.0) {
				uint64_t obs_end = t_first + (uint64_t)(cfg->observe_s * 1000.0);

				if (now >= obs_end) {
					end_observation = true;
				}
				if (obs_end < next) {
					next = obs_end;
				}
			}
			if (end_observation) {
				dereg = true;
				dereg_until = now + DEREGISTER_WAIT_MS;
				if (!deregister(r)) {
					return;
				}
				continue;
			}
		}

		timeout = -1;
		if (next != UINT64_MAX) {
			uint64_t wait = next > now ? next - now : 0;

			timeout = wait > INT_MAX ? INT_MAX : (int)wait;
		}
		pfd.fd = r->wake_rd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, timeout) > 0) {
			drain(r->wake_rd);
		}
	}
}

/* A UDP socket; connected to @p ai unless @p secure (zcoap_dtls_connect() connects it). */
static int open_socket(const struct addrinfo *ai, bool secure)
{
	int fd = socket(ai->ai_family, SOCK_DGRAM, IPPROTO_UDP);

	if (fd < 0) {
		return -errno;
	}
	if (secure) {
		return fd;
	}
	/*
	 * A connected socket only hears from the server, and ICMP port
	 * unreachable comes back as ECONNREFUSED instead of a long timeout.
	 */
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

/* Close a request socket; a DTLS one sends close_notify and wipes its session first. */
static void close_socket(int sock, bool secure)
{
	if (secure) {
		(void)zcoap_dtls_close(sock);
	} else {
		close(sock);
	}
}

static void set_stop_signals(void (*handler)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* "(-EKEYREJECTED)"-style suffix of error messages. */
static void errno_tag(int err, char *buf, size_t size)
{
	const char *name = cli_errno_name(err);

	if (name != NULL) {
		snprintf(buf, size, "-%s", name);
	} else {
		snprintf(buf, size, "%d", err);
	}
}

/*
 * Run the DTLS handshake on @p sock towards @p ai. The handshake cannot be
 * interrupted from within, so SIGINT/SIGTERM get their default action
 * meanwhile: they end the tool at once (status 130/143 seen by the shell)
 * instead of after the handshake timeout.
 */
static int handshake(const struct cli_dtls *d, int sock, const struct addrinfo *ai,
		     const struct cli_config *cfg, uint64_t t_start, const char *where)
{
	uint64_t limit = (uint64_t)(cfg->give_up_s * 1000.0);
	uint64_t spent = cli_now_ms() - t_start;
	uint64_t timeout = limit > spent ? limit - spent : 1;
	int ret;

	/* -B bounds the handshake when given; otherwise the library's default does. */
	if (!cfg->give_up_given && timeout > ZCOAP_DTLS_HANDSHAKE_TIMEOUT_MS) {
		timeout = ZCOAP_DTLS_HANDSHAKE_TIMEOUT_MS;
	}
	if (timeout > UINT32_MAX) {
		timeout = UINT32_MAX;
	}
	if (cfg->verbose > 0) {
		fprintf(stderr, "zcoap: DTLS handshake with %s%s%s%s\n", where,
			d->hostname != NULL ? " (server name " : "",
			d->hostname != NULL ? d->hostname : "", d->hostname != NULL ? ")" : "");
	}
	set_stop_signals(SIG_DFL);
	ret = cli_dtls_connect(d, sock, ai->ai_addr, ai->ai_addrlen, (uint32_t)timeout);
	set_stop_signals(on_signal);
	if (ret == 0 && cfg->verbose > 0) {
		int suite = zcoap_dtls_ciphersuite(sock);
		const char *name = cli_dtls_suite_name(suite);

		fprintf(
		    stderr, "zcoap: DTLS 1.2 session with %s: cipher suite %s (0x%04X)%s\n", where,
		    name != NULL ? name : "unnamed", suite > 0 ? (unsigned int)suite : 0u,
		    !d->verify && d->certificates ? ", server certificate NOT verified (-n)" : "");
	}
	return ret;
}

/*
 * Start the DTLS session of @p sock (towards @p ai). Returns 0 when it is up;
 * -EAGAIN when the address refused and another one is left to try; another
 * negative errno after reporting the failure, with the exit status in
 * @p status: 6 when nothing listens, 5 when no complete answer came in time
 * (the usual statuses for these), 7 for every other DTLS failure.
 */
static int secure_start(const struct cli_dtls *d, int sock, const struct addrinfo *ai,
			const struct cli_config *cfg, struct ctx *c, const char *where, int *status)
{
	const char *kind = "dtls";
	char why[256] = "";
	char tag[32];
	int ret = handshake(d, sock, ai, cfg, c->t_start, where);

	if (ret == 0) {
		return 0;
	}
	if (ret == -ECONNREFUSED && ai->ai_next != NULL) {
		if (cfg->verbose > 0) {
			fprintf(stderr, "zcoap: %s refused; trying the next address\n", where);
		}
		return -EAGAIN;
	}
	*status = CLI_EXIT_DTLS;
	if (ret == -ECONNREFUSED) {
		*status = CLI_EXIT_RESET;
		kind = "refused";
	} else if (ret == -ETIMEDOUT) {
		*status = CLI_EXIT_TIMEOUT;
		kind = "timeout";
	}
	if (zcoap_dtls_last_error(sock, why, sizeof(why)) >= 0 || why[0] == '\0') {
		snprintf(why, sizeof(why), "%s", zcoap_dtls_strerror(ret));
	}
	errno_tag(ret, tag, sizeof(tag));
	if (ret == -EINVAL || ret == -ENOENT) {
		/* the library found it before sending anything */
		fprintf(stderr, "zcoap: the DTLS credentials are not usable: %s (%s)\n", why, tag);
	} else {
		fprintf(stderr, "zcoap: DTLS handshake with %s failed: %s (%s)\n", where, why, tag);
	}
	cli_output_error(c->out, kind, ret, why, cli_now_ms() - c->t_start);
	return ret == -EAGAIN ? -EIO : ret; /* -EAGAIN means "next address" to the caller */
}

/*
 * A request on a DTLS socket failed: when the session itself ended (the
 * server's close_notify or fatal alert, RFC 6347 §4.1.2.7), report why and
 * exit 7. Returns false when the session is fine (an ordinary CoAP failure).
 */
static bool dtls_session_error(int sock, int *status, const char *where, struct ctx *c)
{
	char why[256] = "";
	char tag[32];
	int err = zcoap_dtls_last_error(sock, why, sizeof(why));

	if (err >= 0 || err == -EAGAIN || err == -EBADF) {
		return false;
	}
	if (why[0] == '\0') {
		snprintf(why, sizeof(why), "%s", zcoap_dtls_strerror(err));
	}
	errno_tag(err, tag, sizeof(tag));
	fprintf(stderr, "zcoap: DTLS session with %s ended: %s (%s)\n", where, why, tag);
	cli_output_error(c->out, "dtls", err, why, cli_now_ms() - c->t_start);
	*status = CLI_EXIT_DTLS;
	return true;
}

int main(int argc, char **argv)
{
	static struct coap_client client; /* large: keep it off the stack */
	static struct cli_uri uri;
	struct cli_config cfg;
	struct coap_client_option opts[ZCOAP_CONFIG_MAX_EXTRA_OPTIONS];
	struct coap_client_request req;
	char path[ZCOAP_CONFIG_MAX_PATH_LEN + 1];
	char err[512];
	char portstr[8];
	char hostbuf[CLI_HOST_MAX_LEN + CLI_ZONE_MAX_LEN + 2];
	char where[NI_MAXHOST + NI_MAXSERV + 4];
	size_t n_opts = 0;
	bool uri_host_skipped = false;
	uint8_t *payload = NULL;
	size_t payload_len = 0;
	struct addrinfo hints;
	struct addrinfo *ais = NULL;
	const struct addrinfo *ai;
	struct ctx ctx;
	struct run run;
	struct cli_dtls dtls;
	int pipefd[2];
	int sock = -1;
	int status = CLI_EXIT_ERROR;
	int ret;

	memset(&ctx, 0, sizeof(ctx));
	memset(&run, 0, sizeof(run));
	memset(&dtls, 0, sizeof(dtls));
	where[0] = '\0';
	switch (cli_parse_args(argc, argv, &cfg, err, sizeof(err))) {
	case CLI_ARGS_EXIT:
		return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
	case CLI_ARGS_USAGE:
		fprintf(stderr, "zcoap: %s\nTry 'zcoap --help' for more information.\n", err);
		return CLI_EXIT_USAGE;
	case CLI_ARGS_RUN:
		break;
	}
	if (cli_uri_parse(cfg.uri, &uri, err, sizeof(err)) < 0) {
		fprintf(stderr, "zcoap: bad URI \"%s\": %s\n", cfg.uri, err);
		return CLI_EXIT_USAGE;
	}

	/* DTLS credentials come in pairs. */
	if ((cfg.psk_key != NULL) != (cfg.psk_identity != NULL)) {
		fprintf(stderr, "zcoap: -k and -u must be given together\n");
		return CLI_EXIT_USAGE;
	}
	if (cfg.key_file != NULL && cfg.cert_file == NULL) {
		fprintf(stderr, "zcoap: -j needs -c\n");
		return CLI_EXIT_USAGE;
	}
	if (uri.secure) {
		enum cli_exit st = cli_dtls_check(&cfg, &uri, err, sizeof(err));

		if (st == CLI_EXIT_USAGE) {
			fprintf(stderr, "zcoap: %s\nTry 'zcoap --help' for more information.\n",
				err);
			return (int)st;
		}
		if (st != CLI_EXIT_OK) {
			fprintf(stderr, "zcoap: %s\n", err);
			return (int)st;
		}
	} else if (cfg.psk_key != NULL || cfg.cert_file != NULL || cfg.ca_file != NULL ||
		   cfg.no_verify || cfg.server_name != NULL) {
		fprintf(stderr, "zcoap: warning: -k/-u/-c/-j/-C/-n/--server-name apply to coaps:// "
				"only; ignored\n");
	}

	/* Path, query and extra options: the request as the library takes it. */
	memset(opts, 0, sizeof(opts));
	ret = cli_uri_build_request(&uri, !cfg.suppress_uri_host, path, sizeof(path), opts,
				    ZCOAP_CONFIG_MAX_EXTRA_OPTIONS, &n_opts, &uri_host_skipped, err,
				    sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "zcoap: %s\n", err);
		return CLI_EXIT_USAGE;
	}
	if (uri_host_skipped && cfg.verbose > 0) {
		fprintf(stderr,
			"zcoap: Uri-Host not sent: \"%s\" is longer than the %d bytes an extra "
			"option may hold\n",
			uri.host, MAX_COAP_CLIENT_OPTION_LEN);
	}
	{
		struct coap_client_option extra[4 + CLI_MAX_USER_OPTIONS];
		size_t n_extra = 0;

		memset(extra, 0, sizeof(extra));
		if (cfg.observe) {
			/* Observe = 0 registers (RFC 7641 §2); the library keys on it */
			extra[n_extra].code = COAP_OPTION_OBSERVE;
			extra[n_extra].len = 1;
			extra[n_extra].value[0] = 0;
			n_extra++;
		}
		if (cfg.accept >= 0) {
			unsigned int a = (unsigned int)cfg.accept;

			extra[n_extra].code = COAP_OPTION_ACCEPT;
			/* shortest uint form (RFC 7252 §3.2): 0 has no bytes */
			if (a > 255) {
				extra[n_extra].len = 2;
				extra[n_extra].value[0] = (uint8_t)(a >> 8);
				extra[n_extra].value[1] = (uint8_t)a;
			} else if (a > 0) {
				extra[n_extra].len = 1;
				extra[n_extra].value[0] = (uint8_t)a;
			}
			n_extra++;
		}
		if (cfg.block_size != 0) {
			/*
			 * Early Block2 (RFC 7959 §2.4): NUM 0, M 0 and our SZX,
			 * in the same form as coap_client_option_initial_block2().
			 */
			struct coap_client_option b2 = coap_client_option_initial_block2();
			enum coap_block_size szx =
			    coap_bytes_to_block_size((uint16_t)cfg.block_size);

			b2.len = 1;
			b2.value[0] = (uint8_t)szx;
			extra[n_extra++] = b2;
			/*
			 * With a body, a Block1 option of the same SZX makes the
			 * library upload in blocks of that size (zcoap extension).
			 */
			if (cfg.payload_file != NULL || cfg.payload_text != NULL) {
				struct coap_client_option b1 = b2;

				b1.code = COAP_OPTION_BLOCK1;
				extra[n_extra++] = b1;
			}
		}
		for (size_t i = 0; i < cfg.n_user_opts; i++) {
			extra[n_extra++] = cfg.user_opts[i];
		}
		if (n_opts + n_extra > ZCOAP_CONFIG_MAX_EXTRA_OPTIONS) {
			fprintf(
			    stderr,
			    "zcoap: too many options: %zu needed (Uri-Host, raw "
			    "Uri-Path/Uri-Query, "
			    "Observe, Accept, Block2/Block1, -O) but this build sends at most %d\n",
			    n_opts + n_extra, ZCOAP_CONFIG_MAX_EXTRA_OPTIONS);
			return CLI_EXIT_USAGE;
		}
		memcpy(opts + n_opts, extra, n_extra * sizeof(extra[0]));
		n_opts += n_extra;
	}

	/* The body to send. */
	if (cfg.payload_file != NULL) {
		ret = read_payload(cfg.payload_file, &payload, &payload_len);
		if (ret == -EFBIG) {
			fprintf(stderr,
				"zcoap: %s: larger than the %zu bytes a Block1 upload can carry\n",
				cfg.payload_file, (size_t)MAX_UPLOAD);
			return CLI_EXIT_USAGE;
		}
		if (ret < 0) {
			fprintf(stderr, "zcoap: cannot read %s: %s\n", cfg.payload_file,
				strerror(-ret));
			return CLI_EXIT_IO;
		}
	} else if (cfg.payload_text != NULL) {
		payload_len = strlen(cfg.payload_text);
		payload = malloc(payload_len + 1);
		if (payload == NULL) {
			return CLI_EXIT_IO;
		}
		memcpy(payload, cfg.payload_text, payload_len + 1);
	}
	if (payload == NULL && cfg.content_format >= 0) {
		fprintf(stderr, "zcoap: warning: -t has no effect without a payload (-e or -f)\n");
	}

	/* Where to send it. */
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_protocol = IPPROTO_UDP;
	hints.ai_family = AF_UNSPEC;
	snprintf(portstr, sizeof(portstr), "%u", uri.port);
	if (uri.host_type == CLI_HOST_NAME) {
		snprintf(hostbuf, sizeof(hostbuf), "%s", uri.host);
	} else {
		hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
		hints.ai_family = uri.host_type == CLI_HOST_IPV4 ? AF_INET : AF_INET6;
		snprintf(hostbuf, sizeof(hostbuf), "%s", uri.host);
	}
	ret = getaddrinfo(hostbuf, portstr, &hints, &ais);
	if (ret != 0) {
		fprintf(stderr, "zcoap: cannot resolve %s: %s\n", hostbuf,
			ret == EAI_SYSTEM ? strerror(errno) : gai_strerror(ret));
		free(payload);
		return CLI_EXIT_IO;
	}
	if (uri.zone[0] != '\0') {
		/*
		 * The zone names the interface of a link-local address
		 * (RFC 4007 §11); glibc's getaddrinfo() takes zones only for
		 * some scopes, so it is applied here to every result.
		 */
		unsigned long idx;
		char *end;

		errno = 0;
		idx = strtoul(uri.zone, &end, 10);
		if (*end != '\0' || errno != 0 || idx == 0 || idx > UINT32_MAX) {
			idx = if_nametoindex(uri.zone);
		}
		if (idx == 0) {
			fprintf(stderr,
				"zcoap: unknown network interface \"%s\" in the IPv6 zone\n",
				uri.zone);
			freeaddrinfo(ais);
			free(payload);
			return CLI_EXIT_IO;
		}
		for (ai = ais; ai != NULL; ai = ai->ai_next) {
			if (ai->ai_family == AF_INET6) {
				((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_scope_id =
				    (uint32_t)idx;
			}
		}
	}

	ctx.out = cli_output_open(&cfg);
	if (ctx.out == NULL) {
		fprintf(stderr, "zcoap: cannot open %s: %s\n",
			cfg.output != NULL ? cfg.output : "output", strerror(errno));
		freeaddrinfo(ais);
		free(payload);
		return CLI_EXIT_IO;
	}
	if (pipe(pipefd) < 0 || fcntl(pipefd[0], F_SETFL, O_NONBLOCK) < 0 ||
	    fcntl(pipefd[1], F_SETFL, O_NONBLOCK) < 0) {
		fprintf(stderr, "zcoap: pipe: %s\n", strerror(errno));
		return CLI_EXIT_IO;
	}
	signal_wake_fd = pipefd[1];
	set_stop_signals(on_signal);
	/* A closed reader (zcoap ... | head) is an I/O error, not a silent death. */
	signal(SIGPIPE, SIG_IGN);

	ret = coap_client_init(&client, "zcoap");
	if (ret < 0) {
		fprintf(stderr, "zcoap: cannot start the client: %s\n", zcoap_strerror(ret));
		return CLI_EXIT_IO;
	}
	if (cfg.verbose > 0) {
		zcoap_client_set_trace(&client, cli_dump_datagram, &cfg.verbose);
	}

	if (uri.secure) {
		/*
		 * After coap_client_init(): every exit from here on goes through
		 * out:, which unregisters and wipes the credentials.
		 */
		status = (int)cli_dtls_setup(&dtls, &cfg, &uri, err, sizeof(err));
		if (status != CLI_EXIT_OK) {
			fprintf(stderr, "zcoap: %s\n", err);
			goto out;
		}
		status = CLI_EXIT_ERROR;
	}

	pthread_mutex_init(&ctx.lock, NULL);
	ctx.cfg = &cfg;
	ctx.wake_fd = pipefd[1];
	ctx.upload_total = payload_len;

	memset(&req, 0, sizeof(req));
	req.method = cfg.method;
	req.confirmable = !cfg.non_confirmable;
	req.path = path;
	if (payload != NULL) {
		int fmt = cfg.content_format;

		if (fmt < 0) {
			fmt = cfg.payload_text != NULL ? COAP_CONTENT_FORMAT_TEXT_PLAIN
						       : COAP_CONTENT_FORMAT_APP_OCTET_STREAM;
		}
		req.fmt = (enum coap_content_format)fmt;
		req.payload = payload;
		req.len = payload_len;
	}
	req.cb = on_response;
	req.options = opts;
	req.num_options = (uint8_t)n_opts;
	req.user_data = &ctx;

	/*
	 * Try the addresses in turn while they refuse (ICMP port unreachable
	 * before any answer), e.g. "localhost" resolving to ::1 first while
	 * the server only listens on 127.0.0.1.
	 */
	for (ai = ais; ai != NULL; ai = ai->ai_next) {
		bool retry;

		pthread_mutex_lock(&ctx.lock);
		ctx.in_response = false;
		ctx.silent = false;
		ctx.body_bytes = 0;
		ctx.done = false;
		ctx.ignore_all = false;
		ctx.err = 0;
		ctx.out_err = 0;
		ctx.have_code = false;
		ctx.got_response = false;
		ctx.registered = false;
		ctx.notifications = 0;
		ctx.stop_wanted = false;
		ctx.deregistering = false;
		ctx.not_observed = false;
		ctx.upload_done = false;
		ctx.t_start = cli_now_ms();
		pthread_mutex_unlock(&ctx.lock);

		describe_addr(ai->ai_addr, ai->ai_addrlen, where, sizeof(where));
		sock = open_socket(ai, uri.secure);
		if (sock < 0) {
			if (ai->ai_next != NULL) {
				continue;
			}
			fprintf(stderr, "zcoap: cannot reach %s: %s\n", where, strerror(-sock));
			status = CLI_EXIT_IO;
			goto out;
		}
		if (cfg.verbose > 0) {
			fprintf(stderr, "zcoap: %s %s -> %s\n", cli_method_name(cfg.method),
				cfg.uri, where);
		}
		if (uri.secure) {
			ret = secure_start(&dtls, sock, ai, &cfg, &ctx, where, &status);
			if (ret == -EAGAIN) {
				close_socket(sock, true);
				sock = -1;
				continue;
			}
			if (ret < 0) {
				goto out;
			}
		}
		ret = coap_client_req(&client, sock, NULL, &req, NULL);
		if (ret < 0) {
			if (ret == -ECONNREFUSED && ai->ai_next != NULL) {
				close_socket(sock, uri.secure);
				sock = -1;
				continue;
			}
			fprintf(stderr, "zcoap: request not sent: %s\n", zcoap_strerror(ret));
			status = (ret == -EINVAL || ret == -ENOSPC) ? (int)CLI_EXIT_USAGE
								    : (int)cli_exit_for_errno(ret);
			if (status == CLI_EXIT_ERROR) {
				status = CLI_EXIT_IO;
			}
			goto out;
		}

		memset(&run, 0, sizeof(run));
		run.client = &client;
		run.req = &req;
		run.ctx = &ctx;
		run.cfg = &cfg;
		run.wake_rd = pipefd[0];
		wait_for_outcome(&run);

		/* From here on, late callbacks (cancellation included) change nothing. */
		pthread_mutex_lock(&ctx.lock);
		retry = ctx.done && ctx.err == -ECONNREFUSED && !ctx.got_response &&
			ai->ai_next != NULL && !run.interrupted && !run.timed_out;
		ctx.ignore_all = true;
		pthread_mutex_unlock(&ctx.lock);
		if (coap_client_has_ongoing_exchange(&client)) {
			coap_client_cancel_requests(&client);
		}
		if (!retry) {
			break;
		}
		if (cfg.verbose > 0) {
			fprintf(stderr, "zcoap: %s refused; trying the next address\n", where);
		}
		close_socket(sock, uri.secure);
		sock = -1;
	}

	/* The outcome, most decisive first. */
	if (run.interrupted && !(cfg.observe && ctx.registered)) {
		fprintf(stderr, "zcoap: interrupted\n");
		cli_output_error(ctx.out, "interrupted", -EINTR, NULL, cli_now_ms() - ctx.t_start);
		status = CLI_EXIT_INTERRUPTED;
	} else if (ctx.out_err != 0) {
		fprintf(stderr, "zcoap: cannot write the output: %s\n", strerror(-ctx.out_err));
		status = CLI_EXIT_IO;
	} else if (run.timed_out) {
		if (cfg.observe && ctx.registered) {
			fprintf(stderr,
				"zcoap: timeout: -B %g s ran out after %lu notification(s)\n",
				cfg.give_up_s, ctx.notifications);
		} else {
			fprintf(stderr, "zcoap: timeout: no response from %s within %g s\n", where,
				cfg.give_up_s);
		}
		cli_output_error(ctx.out, "timeout", -ETIMEDOUT, NULL, cli_now_ms() - ctx.t_start);
		status = CLI_EXIT_TIMEOUT;
	} else if (ctx.err != 0 && uri.secure && sock >= 0 && ctx.err != -ECONNREFUSED &&
		   dtls_session_error(sock, &status, where, &ctx)) {
		/* reported: the DTLS session ended under the request */
	} else if (ctx.err != 0) {
		const char *kind = "error";

		status = (int)cli_exit_for_errno(ctx.err);
		if (status == CLI_EXIT_TIMEOUT) {
			kind = "timeout";
		} else if (status == CLI_EXIT_RESET) {
			kind = ctx.err == -ECONNREFUSED ? "refused" : "reset";
		} else if (status == CLI_EXIT_IO) {
			kind = "io";
		}
		fprintf(stderr, "zcoap: %s: %s (%s)\n", kind, zcoap_strerror(ctx.err), where);
		cli_output_error(ctx.out, kind, ctx.err, NULL, cli_now_ms() - ctx.t_start);
	} else if (ctx.have_code) {
		status = (int)cli_exit_for_code(ctx.code);
		if (cfg.observe && ctx.not_observed && status == CLI_EXIT_OK) {
			fprintf(stderr, "zcoap: warning: the server answered without Observe: not "
					"an observable resource\n");
		}
	} else {
		fprintf(stderr, "zcoap: the request ended without a response\n");
		status = CLI_EXIT_ERROR;
	}

out:
	/* The client's thread must be gone before the DTLS session it used. */
	zcoap_client_deinit(&client);
	if (sock >= 0) {
		close_socket(sock, uri.secure);
	}
	cli_dtls_cleanup(&dtls);
	signal_wake_fd = -1;
	if (cli_output_close(ctx.out) < 0 && status == CLI_EXIT_OK) {
		fprintf(stderr, "zcoap: cannot write the output\n");
		status = CLI_EXIT_IO;
	}
	freeaddrinfo(ais);
	free(payload);
	return status;
}
