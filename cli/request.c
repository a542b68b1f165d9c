/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * request.c -- one exchange of the zcoap tool with the library: sending the
 * request, the response callback, waiting for the outcome (-B, -s,
 * --observe-count, Ctrl-C and the deregistration of an observation) and
 * the outcome as an exit status.
 *
 * Threads: the library runs response callbacks on its own thread. The
 * callback writes output under x->lock and pokes a self-pipe; the main
 * thread sleeps in poll() on that pipe with the nearest deadline (-B, -s,
 * the bounded wait for a deregistration) as timeout. The SIGINT/SIGTERM
 * handler only writes to the same pipe, which is async-signal-safe.
 *
 * Where the exchange stands is one value, x->phase (see enum cli_phase in
 * cli.h), changed only by set_phase().
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <netdb.h>

#include "cli.h"

/* How long to wait for the answer to a deregistration before giving up on it. */
#define DEREGISTER_WAIT_MS 2000u
/* Multicast: how long after the window the tool waits for the library to end it. */
#define MULTICAST_GRACE_MS 2000u

static volatile sig_atomic_t got_signal;
static int signal_wake_fd = -1;

static void on_signal(int sig)
{
	int saved = errno;

	got_signal = sig;
	if (signal_wake_fd >= 0 && write(signal_wake_fd, "s", 1) < 0) {
	}
	errno = saved;
}

void cli_stop_signals(bool on)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on ? on_signal : SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/*
 * The only place the phase changes. Phases only move forward (the order of
 * enum cli_phase), so a late event never undoes a later phase: e.g. the main
 * thread starting a deregistration just after the callback saw the final
 * answer leaves the exchange DONE. CLI_PHASE_WAITING starts a new attempt.
 * Called with x->lock held (or before the attempt's request is sent).
 */
static void set_phase(struct cli_exchange *x, enum cli_phase phase)
{
	if (phase == CLI_PHASE_WAITING || phase > x->phase) {
		x->phase = phase;
	}
}

static void wake(struct cli_exchange *x)
{
	/* A full pipe already holds a wake-up; nothing is lost by dropping this one. */
	if (write(x->wake_wr, "c", 1) < 0) {
	}
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

/*
 * The first block of a response (or notification) arrived. Only this block
 * carries Observe: the blocks after it answer requests of their own
 * (RFC 7959 §2.6, RFC 7641 §3.2), so what it says is kept for the whole body.
 */
static void response_begins(struct cli_exchange *x, uint8_t code,
			    const struct zcoap_response_info *info)
{
	bool hidden;

	if (x->phase == CLI_PHASE_WAITING) {
		if (x->upload_total > ZCOAP_CONFIG_MESSAGE_SIZE) {
			/* the answer to the last block: the upload is complete */
			cli_output_progress(x->out, true, x->upload_total, x->upload_total);
		}
		set_phase(x, CLI_PHASE_ANSWERING);
	}
	/* Answers that arrive once we asked to stop are not shown. */
	hidden = x->phase == CLI_PHASE_STOPPING || x->phase == CLI_PHASE_DEREGISTERING;
	x->delivery = hidden ? CLI_DELIVERY_HIDDEN : CLI_DELIVERY_SHOWN;
	x->body_bytes = 0;
	x->resp_has_observe = info != NULL && info->has_observe;
	x->resp_observe = x->resp_has_observe ? info->observe : 0;
	if (!hidden) {
		cli_output_begin(x->out, code, info != NULL ? info->packet : NULL);
	}
}

/* The last block of a response arrived: what it means for the exchange. */
static void response_complete(struct cli_exchange *x, uint8_t code)
{
	bool hidden = x->delivery == CLI_DELIVERY_HIDDEN;
	bool observed = x->resp_has_observe;

	x->delivery = CLI_DELIVERY_NONE;
	if (x->phase == CLI_PHASE_ANSWERING) {
		x->t_first = cli_now_ms(); /* the first complete answer */
	}
	if (!x->cfg->observe) {
		x->code = code;
		x->have_code = true;
		set_phase(x, CLI_PHASE_DONE);
		return;
	}
	if (hidden) {
		/* The answer to our deregistration carries no Observe (RFC 7641 §3.6). */
		if (!observed) {
			set_phase(x, CLI_PHASE_DONE);
		}
		return;
	}
	x->code = code;
	x->have_code = true;
	if (!observed || (code >> 5) != 2) {
		/*
		 * No Observe, or an error: the server is not (or no longer)
		 * notifying us (RFC 7641 §3.2, §4.2).
		 */
		set_phase(x, CLI_PHASE_DONE);
		return;
	}
	x->notifications++;
	set_phase(x, CLI_PHASE_OBSERVING);
	if (x->cfg->observe_count > 0 && x->notifications >= x->cfg->observe_count) {
		set_phase(x, CLI_PHASE_STOPPING);
	}
}

/*
 * Multicast (RFC 7252 §8.2): every answer in the window is one complete
 * response of one responder (the library drops block-wise ones), shown with
 * its source; the final callback, without response info, ends the window.
 * The code that decides the exit status is the first 2.xx, or else the
 * first answer's.
 */
static void multicast_response(struct cli_exchange *x, uint8_t code, const uint8_t *payload,
			       size_t len, const struct zcoap_response_info *info)
{
	char source[NI_MAXHOST + NI_MAXSERV + 4];
	int ret;

	if (info == NULL) {
		set_phase(x, CLI_PHASE_DONE);
		return;
	}
	set_phase(x, CLI_PHASE_ANSWERING);
	cli_describe_sockaddr(info->source, info->source_len, source, sizeof(source));
	cli_output_set_source(x->out, source);
	cli_output_begin(x->out, code, info->packet);
	ret = cli_output_body(x->out, 0, payload, len);
	if (ret == 0) {
		ret = cli_output_end(x->out, info->packet, cli_now_ms() - x->t_start, 0,
				     info->has_observe, info->observe);
	}
	cli_output_set_source(x->out, NULL);
	if (ret < 0) {
		x->out_err = ret;
	}
	x->responders++;
	if (!x->have_code || ((x->code >> 5) != 2 && (code >> 5) == 2)) {
		x->code = code;
		x->have_code = true;
	}
}

static void on_response(int16_t result, size_t offset, const uint8_t *payload, size_t len,
			bool last_block, void *user_data)
{
	struct cli_exchange *x = user_data;
	const struct zcoap_response_info *info = zcoap_client_response_info();
	const struct coap_packet *pkt = info != NULL ? info->packet : NULL;
	bool blockwise;
	bool hidden;
	uint8_t code;
	int ret;

	pthread_mutex_lock(&x->lock);
	if (x->phase >= CLI_PHASE_DONE) {
		goto unlock;
	}
	if (result < 0) {
		/* A NON deregistration ends the request with -ECANCELED: that is success. */
		if (!(result == -ECANCELED && x->phase == CLI_PHASE_DEREGISTERING)) {
			x->err = result;
		}
		set_phase(x, CLI_PHASE_DONE);
		goto wake;
	}
	if (x->multicast) {
		multicast_response(x, (uint8_t)result, payload, len, info);
		goto wake;
	}
	if (result == 0 && x->cfg->ping) {
		/* RFC 7252 §4.3: the RST answering our Empty CON. */
		x->pong = true;
		x->pong_retransmissions = info != NULL ? info->retransmissions : 0;
		set_phase(x, CLI_PHASE_DONE);
		goto wake;
	}
	if (result == 0 && pkt == NULL) {
		/* RFC 7967: the request's No-Response option asked for no answer and none came. */
		x->no_response = true;
		set_phase(x, CLI_PHASE_DONE);
		goto wake;
	}
	code = (uint8_t)result;

	/*
	 * Answers to the blocks of an upload (2.31 Continue, RFC 7959 §2.3)
	 * only move the progress bar; offset is then the bytes sent so far.
	 */
	if (!last_block &&
	    (code == COAP_RESPONSE_CODE_CONTINUE || (has_block1(pkt) && !has_block2(pkt)))) {
		cli_output_progress(x->out, true, offset, x->upload_total);
		goto unlock;
	}

	if (x->delivery == CLI_DELIVERY_NONE) {
		response_begins(x, code, info);
	}
	hidden = x->delivery == CLI_DELIVERY_HIDDEN;
	blockwise = has_block2(pkt);
	if (!hidden && payload != NULL && len > 0) {
		size_t skip = 0;

		/*
		 * offset is where this block sits in the body; a block that
		 * overlaps what was written already (a server that changed
		 * the block size) is written from the first new byte only.
		 */
		if (blockwise && !has_block1(pkt) && offset < x->body_bytes) {
			skip = x->body_bytes - offset;
			if (skip > len) {
				skip = len;
			}
		}
		ret = cli_output_body(x->out, x->body_bytes, payload + skip, len - skip);
		if (ret < 0) {
			x->out_err = ret;
			goto wake;
		}
		x->body_bytes += len - skip;
	}
	if (blockwise && !hidden) {
		cli_output_progress(x->out, false, x->body_bytes, info != NULL ? info->size2 : 0);
	}
	if (!last_block) {
		goto unlock;
	}

	/* A complete response or notification. */
	if (!hidden) {
		ret = cli_output_end(x->out, pkt, cli_now_ms() - x->t_start,
				     info != NULL ? info->retransmissions : 0, x->resp_has_observe,
				     x->resp_observe);
		if (ret < 0) {
			x->out_err = ret;
		}
	}
	response_complete(x, code);
wake:
	wake(x);
unlock:
	pthread_mutex_unlock(&x->lock);
}

static bool token_ours(const struct cli_exchange *x, const struct cli_msg *msg)
{
	unsigned int n = x->n_tokens < CLI_TRACE_TOKENS ? x->n_tokens : CLI_TRACE_TOKENS;

	for (unsigned int i = 0; i < n; i++) {
		if (x->token_lens[i] == msg->tkl &&
		    memcmp(x->tokens[i], msg->token, msg->tkl) == 0) {
			return true;
		}
	}
	return false;
}

void cli_exchange_trace(bool outgoing, const uint8_t *data, size_t len, void *user_data)
{
	struct cli_exchange *x = user_data;
	struct cli_msg msg;
	char why[120];
	int rej = 0;

	if (x->cfg->verbose > 0) {
		int verbose = x->cfg->verbose;

		cli_dump_datagram(outgoing, data, len, &verbose);
	}
	/* Runs with the client lock held: it never calls the library. */
	if (cli_msg_parse(data, len, &msg) < 0 || msg.type == COAP_TYPE_RESET) {
		return;
	}
	if (msg.code == COAP_CODE_EMPTY) {
		if (!outgoing && msg.type == COAP_TYPE_ACK) {
			/* a separate response is to follow (RFC 7252 §5.2.2) */
			pthread_mutex_lock(&x->lock);
			x->empty_ack = true;
			pthread_mutex_unlock(&x->lock);
		}
		return;
	}
	if (!outgoing) {
		rej = cli_msg_rejection(&msg, why, sizeof(why));
		if (rej == 0) {
			return;
		}
	}
	pthread_mutex_lock(&x->lock);
	if (outgoing) {
		if ((msg.code >> 5) == 0) {
			unsigned int i = x->n_tokens++ % CLI_TRACE_TOKENS;

			memcpy(x->tokens[i], msg.token, msg.tkl);
			x->token_lens[i] = msg.tkl;
		}
	} else if (x->phase < CLI_PHASE_DONE && token_ours(x, &msg)) {
		if (x->rejected++ == 0) {
			x->rejected_err = rej;
			snprintf(x->rejected_why, sizeof(x->rejected_why), "%u.%02u with %s",
				 msg.code >> 5, msg.code & 0x1Fu, why);
		}
		/* one responder of a group speaks for none of the others */
		if (x->phase == CLI_PHASE_WAITING && !x->multicast) {
			x->ended_by_rejection = true;
			set_phase(x, CLI_PHASE_DONE);
			wake(x);
		}
	}
	pthread_mutex_unlock(&x->lock);
}

int cli_exchange_init(struct cli_exchange *x, const struct cli_config *cfg, struct cli_output *out,
		      size_t upload_total)
{
	int pipefd[2];

	if (pipe(pipefd) < 0 || fcntl(pipefd[0], F_SETFL, O_NONBLOCK) < 0 ||
	    fcntl(pipefd[1], F_SETFL, O_NONBLOCK) < 0) {
		fprintf(stderr, "zcoap: pipe: %s\n", strerror(errno));
		return -EIO;
	}
	pthread_mutex_init(&x->lock, NULL);
	x->started = true;
	x->wake_rd = pipefd[0];
	x->wake_wr = pipefd[1];
	x->cfg = cfg;
	x->out = out;
	x->upload_total = upload_total;
	signal_wake_fd = x->wake_wr;
	cli_stop_signals(true);
	/* A closed reader (zcoap ... | head) is an I/O error, not a silent death. */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

void cli_exchange_reset(struct cli_exchange *x)
{
	pthread_mutex_lock(&x->lock);
	set_phase(x, CLI_PHASE_WAITING);
	x->delivery = CLI_DELIVERY_NONE;
	x->body_bytes = 0;
	x->resp_has_observe = false;
	x->resp_observe = 0;
	x->err = 0;
	x->out_err = 0;
	x->have_code = false;
	x->notifications = 0;
	x->n_tokens = 0;
	x->rejected = 0;
	x->rejected_err = 0;
	x->rejected_why[0] = '\0';
	x->ended_by_rejection = false;
	x->empty_ack = false;
	x->multicast = false;
	x->responders = 0;
	x->t_start = cli_now_ms();
	pthread_mutex_unlock(&x->lock);
	x->timed_out = false;
	x->interrupted = false;
}

int cli_exchange_send(struct cli_exchange *x, struct coap_client *client, int sock,
		      struct coap_client_request *req, const struct sockaddr *group)
{
	x->client = client;
	x->req = req;
	req->cb = on_response;
	req->user_data = x;
	pthread_mutex_lock(&x->lock);
	x->multicast = group != NULL;
	pthread_mutex_unlock(&x->lock);
	if (x->cfg->ping) {
		return zcoap_client_ping(client, sock, NULL, on_response, x, 0, NULL);
	}
	return coap_client_req(client, sock, group, req, NULL);
}

static void drain(int fd)
{
	char buf[64];

	while (read(fd, buf, sizeof(buf)) > 0) {
	}
}

/* Ask the server to stop notifying (RFC 7641 §3.6); false when there is nothing to wait for. */
static bool deregister(struct cli_exchange *x)
{
	struct coap_client_request pattern;
	int ret;

	pthread_mutex_lock(&x->lock);
	set_phase(x, CLI_PHASE_DEREGISTERING);
	pthread_mutex_unlock(&x->lock);

	/* match our request by callback and user data only (path may be empty) */
	memset(&pattern, 0, sizeof(pattern));
	pattern.cb = x->req->cb;
	pattern.user_data = x->req->user_data;
	ret = coap_client_deregister_observe(x->client, &pattern);
	if (ret < 0) {
		if (x->cfg->verbose > 0) {
			fprintf(stderr, "zcoap: deregistration not sent: %s\n",
				zcoap_strerror(ret));
		}
		return false;
	}
	return true;
}

void cli_exchange_wait(struct cli_exchange *x)
{
	const struct cli_config *cfg = x->cfg;
	uint64_t give_up_at = x->t_start + (uint64_t)(cfg->give_up_s * 1000.0);
	uint64_t dereg_until = 0;

	if (x->multicast) {
		/* the library ends the window (-B) itself: this is only a safety net */
		give_up_at = x->t_start + cli_multicast_window_ms(cfg) + MULTICAST_GRACE_MS;
	}

	for (;;) {
		enum cli_phase phase;
		bool done;
		bool registered;
		uint64_t t_first;
		uint64_t now = cli_now_ms();
		uint64_t next = UINT64_MAX;
		struct pollfd pfd;
		int timeout;

		pthread_mutex_lock(&x->lock);
		phase = x->phase;
		done = phase >= CLI_PHASE_DONE || x->out_err != 0;
		/*
		 * While the exchange runs, every complete answer that did not
		 * end it was a notification: "answered" and "registered" are
		 * the same thing here.
		 */
		registered = x->notifications > 0;
		t_first = x->t_first;
		pthread_mutex_unlock(&x->lock);

		if (done) {
			return;
		}
		if (got_signal != 0) {
			if (phase == CLI_PHASE_DEREGISTERING || !(cfg->observe && registered)) {
				x->interrupted = true;
				return;
			}
			/* Ctrl-C ends an observation politely. */
			x->interrupted = true;
			got_signal = 0;
			dereg_until = now + DEREGISTER_WAIT_MS;
			if (!deregister(x)) {
				return;
			}
			continue;
		}
		if (phase == CLI_PHASE_DEREGISTERING) {
			if (now >= dereg_until) {
				if (cfg->verbose > 0) {
					fprintf(stderr, "zcoap: no answer to the deregistration\n");
				}
				return;
			}
			next = dereg_until;
		} else {
			bool end_observation = phase == CLI_PHASE_STOPPING;

			/*
			 * -B bounds the wait for the first answer, and the whole
			 * run when it was given explicitly.
			 */
			if (!registered || !cfg->observe || cfg->give_up_given) {
				if (now >= give_up_at) {
					x->timed_out = true;
					if (!registered) {
						return;
					}
					end_observation = true;
				}
				next = give_up_at;
			}
			if (cfg->observe && registered && cfg->observe_s > 0.0) {
				uint64_t obs_end = t_first + (uint64_t)(cfg->observe_s * 1000.0);

				if (now >= obs_end) {
					end_observation = true;
				}
				if (obs_end < next) {
					next = obs_end;
				}
			}
			if (end_observation) {
				dereg_until = now + DEREGISTER_WAIT_MS;
				if (!deregister(x)) {
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
		pfd.fd = x->wake_rd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, timeout) > 0) {
			drain(x->wake_rd);
		}
	}
}

bool cli_exchange_end(struct cli_exchange *x, bool more_addresses)
{
	bool retry;

	/* From here on, late callbacks (cancellation included) change nothing. */
	pthread_mutex_lock(&x->lock);
	retry = x->phase == CLI_PHASE_DONE && x->err == -ECONNREFUSED && x->notifications == 0 &&
		more_addresses && !x->interrupted && !x->timed_out;
	set_phase(x, CLI_PHASE_ABANDONED);
	pthread_mutex_unlock(&x->lock);
	if (coap_client_has_ongoing_exchange(x->client)) {
		coap_client_cancel_requests(x->client);
	}
	return retry;
}

enum cli_exit cli_exchange_outcome(struct cli_exchange *x, const char *where, int sock, bool secure)
{
	const struct cli_config *cfg = x->cfg;
	bool registered = x->notifications > 0;
	int status = CLI_EXIT_ERROR;

	/* Most decisive first. */
	if (x->interrupted && !(cfg->observe && registered)) {
		fprintf(stderr, "zcoap: interrupted\n");
		cli_output_error(x->out, "interrupted", -EINTR, NULL, cli_now_ms() - x->t_start);
		status = CLI_EXIT_INTERRUPTED;
	} else if (x->out_err != 0) {
		fprintf(stderr, "zcoap: cannot write the output: %s\n", strerror(-x->out_err));
		status = CLI_EXIT_IO;
	} else if (x->rejected > 0 && !x->have_code &&
		   (x->ended_by_rejection || x->timed_out || x->err == -ETIMEDOUT)) {
		/* The server answered, but nothing it sent could be accepted. */
		fprintf(stderr,
			"zcoap: rejected: %s answered %s: a response a client must not accept, "
			"dropped\n",
			where, x->rejected_why);
		cli_output_error(x->out, "rejected", x->rejected_err, x->rejected_why,
				 cli_now_ms() - x->t_start);
		status = CLI_EXIT_ERROR;
	} else if (x->timed_out) {
		if (cfg->observe && registered) {
			char msg[160];

			snprintf(msg, sizeof(msg), "-B %g s ran out after %lu notification(s)",
				 cfg->give_up_s, x->notifications);
			fprintf(stderr, "zcoap: timeout: %s\n", msg);
			cli_output_error(x->out, "timeout", -ETIMEDOUT, msg,
					 cli_now_ms() - x->t_start);
		} else {
			cli_report_timeout(x->out, where, x->t_start,
					   x->empty_ack
					       ? "-B; the server ACKed the request, but its "
						 "separate response never came"
					       : "-B");
		}
		status = CLI_EXIT_TIMEOUT;
	} else if (x->err == -ETIMEDOUT && !(secure && sock >= 0 && cli_dtls_session_ended(sock))) {
		cli_report_timeout(
		    x->out, where, x->t_start,
		    x->empty_ack && x->notifications == 0
			? "no separate response after the server's ACK, RFC 7252 §5.2.2"
			: "retransmissions exhausted, RFC 7252 §4.2");
		status = CLI_EXIT_TIMEOUT;
	} else if (x->err != 0 && secure && sock >= 0 && x->err != -ECONNREFUSED &&
		   cli_dtls_session_error(sock, where, x->out, x->t_start, &status)) {
		/* reported: the DTLS session ended under the request */
	} else if (x->err != 0) {
		const char *kind = "error";

		status = (int)cli_exit_for_errno(x->err);
		if (status == CLI_EXIT_TIMEOUT) {
			kind = "timeout";
		} else if (status == CLI_EXIT_RESET) {
			kind = x->err == -ECONNREFUSED ? "refused" : "reset";
		} else if (status == CLI_EXIT_IO) {
			kind = "io";
		}
		fprintf(stderr, "zcoap: %s: %s (%s)\n", kind, zcoap_strerror(x->err), where);
		cli_output_error(x->out, kind, x->err, NULL, cli_now_ms() - x->t_start);
	} else if (x->multicast && x->responders == 0) {
		cli_report_timeout(x->out, where, x->t_start,
				   "no responder in the multicast window");
		status = CLI_EXIT_TIMEOUT;
	} else if (x->pong) {
		uint64_t ms = cli_now_ms() - x->t_start;

		if (cfg->json) {
			printf("{\"pong\":true,\"elapsed_ms\":%llu,\"retransmissions\":%u}\n",
			       (unsigned long long)ms, x->pong_retransmissions);
		} else {
			printf("pong from %s in %llu ms\n", where, (unsigned long long)ms);
		}
		status = fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
	} else if (x->no_response) {
		if (cfg->verbose > 0) {
			fprintf(stderr,
				"zcoap: done: no response, as the No-Response option asked\n");
		}
		status = CLI_EXIT_OK;
	} else if (x->have_code) {
		status = (int)cli_exit_for_code(x->code);
		/* The final answer came before any notification. */
		if (cfg->observe && !registered && status == CLI_EXIT_OK) {
			fprintf(stderr, "zcoap: warning: the server answered without Observe: not "
					"an observable resource\n");
		}
	} else {
		fprintf(stderr, "zcoap: the request ended without a response\n");
		status = CLI_EXIT_ERROR;
	}
	return (enum cli_exit)status;
}

void cli_report_timeout(struct cli_output *out, const char *where, uint64_t t_start,
			const char *why)
{
	uint64_t elapsed = cli_now_ms() - t_start;
	char msg[200];

	/* The one wording of every timeout, whatever ran out. */
	snprintf(msg, sizeof(msg), "no response from %s in %.1f s (%s)", where,
		 (double)elapsed / 1000.0, why);
	fprintf(stderr, "zcoap: timeout: %s\n", msg);
	cli_output_error(out, "timeout", -ETIMEDOUT, msg, elapsed);
}

void cli_exchange_cleanup(struct cli_exchange *x)
{
	signal_wake_fd = -1;
	if (!x->started) {
		return;
	}
	close(x->wake_rd);
	close(x->wake_wr);
	pthread_mutex_destroy(&x->lock);
	x->started = false;
}
