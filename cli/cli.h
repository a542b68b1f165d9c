/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * cli.h -- declarations shared by the modules of the zcoap command-line tool.
 *
 * The tool is a plain client of the public API (the headers in include/):
 * nothing here may reach into src/. main.c runs the stages; each other file
 * has one job:
 *
 *   args.c       the command line (help.c: the --help text)
 *   uri.c        URI parsing (and the request path and query)
 *   build.c      the request to send: options and body
 *   transport.c  addresses, sockets, the DTLS session
 *   dtls.c       DTLS credentials
 *   request.c    the exchange: response callback, trace hook (responses the
 *                library rejects), waiting, outcome
 *   output.c     bodies, -i, --json, the -o file, progress bar
 *   dump.c       -v datagram dumps, what the library rejects in a response
 *   tcp.c        coap+tcp:// and coaps+tcp:// (coap_client_tcp.h): connection,
 *                exchange and outcome
 */

#ifndef ZCOAP_CLI_H
#define ZCOAP_CLI_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "coap.h"
#include "coap_client.h"

/*
 * Exit statuses. They are part of the tool's interface (documented in
 * --help and docs/zcoap.1): scripts rely on them, so never renumber.
 */
enum cli_exit {
	CLI_EXIT_OK = 0,            /* 2.xx response */
	CLI_EXIT_ERROR = 1,         /* other failure: protocol error, unexpected code class */
	CLI_EXIT_USAGE = 2,         /* bad command line or URI */
	CLI_EXIT_CLIENT_ERROR = 3,  /* 4.xx response */
	CLI_EXIT_SERVER_ERROR = 4,  /* 5.xx response */
	CLI_EXIT_TIMEOUT = 5,       /* no response in time (retransmissions exhausted or -B) */
	CLI_EXIT_RESET = 6,         /* the peer answered with RST, or ICMP port unreachable */
	CLI_EXIT_DTLS = 7,          /* DTLS failure (or DTLS not available in this build) */
	CLI_EXIT_IO = 8,            /* local I/O: files, sockets, name resolution */
	CLI_EXIT_INTERRUPTED = 130, /* SIGINT/SIGTERM before an answer (128 + SIGINT) */
};

/* ---- URI parsing (uri.c) ---------------------------------------------- */

/* Longest URI accepted on the command line, in bytes. */
#define CLI_URI_MAX_LEN 4096
/* Most path segments and query arguments kept (each). */
#define CLI_URI_MAX_SEGMENTS 64
/* Longest host (RFC 1123/3986 names are at most 255 bytes). */
#define CLI_HOST_MAX_LEN 255
/* Longest IPv6 zone identifier kept. */
#define CLI_ZONE_MAX_LEN 63

enum cli_host_type {
	CLI_HOST_NAME, /* a registered name: resolved with getaddrinfo, sent as Uri-Host */
	CLI_HOST_IPV4, /* dotted-quad literal */
	CLI_HOST_IPV6, /* bracketed IPv6 literal, possibly with a zone */
};

/* A decoded path segment or query argument: bytes in cli_uri.data. */
struct cli_seg {
	uint16_t off;
	uint16_t len;
};

/* A parsed coap:// or coaps:// URI with every component percent-decoded. */
struct cli_uri {
	bool secure;                     /* coaps:// or coaps+tcp:// */
	bool tcp;                        /* coap+tcp:// or coaps+tcp:// (RFC 8323 §8) */
	enum cli_host_type host_type;    /* what host holds */
	char host[CLI_HOST_MAX_LEN + 1]; /* name (lower case) or literal, no brackets or zone */
	char zone[CLI_ZONE_MAX_LEN + 1]; /* IPv6 zone id ("" when none) */
	uint16_t port;                   /* explicit port or the scheme's default */
	bool has_path;                   /* false for "" and "/" (no Uri-Path at all) */
	size_t n_path;                   /* path segments (may be empty strings) */
	size_t n_query;                  /* query arguments (may be empty strings) */
	struct cli_seg path[CLI_URI_MAX_SEGMENTS];
	struct cli_seg query[CLI_URI_MAX_SEGMENTS];
	uint8_t data[CLI_URI_MAX_LEN]; /* decoded segment bytes */
};

/*
 * Parse @p text as a CoAP URI (RFC 7252 §6, RFC 3986). Pure: no I/O, no
 * allocation, never reads past the terminating NUL of @p text.
 * Returns 0, or -EINVAL with a message in @p err (always NUL-terminated).
 */
int cli_uri_parse(const char *text, struct cli_uri *uri, char *err, size_t errlen);

/* True when @p len bytes at @p s are well-formed UTF-8 (RFC 3629). */
bool cli_utf8_valid(const uint8_t *s, size_t len);

/*
 * Turn the path and query of @p uri into what coap_client_req() takes:
 * @p path for the segments the library can split itself, extra
 * Uri-Path/Uri-Query options (appended at @p opts[*n_opts]) for the others.
 * With @p uri_host, a name host is sent as Uri-Host when it fits in an extra
 * option; *uri_host_skipped tells when it did not. Returns 0, or -EINVAL /
 * -E2BIG with a message in @p err.
 */
int cli_uri_build_request(const struct cli_uri *uri, bool uri_host, char *path, size_t path_size,
			  struct coap_client_option *opts, size_t max_opts, size_t *n_opts,
			  bool *uri_host_skipped, char *err, size_t errlen);

/*
 * Fill @p o with option @p code and @p len value bytes (len <=
 * MAX_COAP_CLIENT_OPTION_LEN); len is 8 or 16 bits by ZCOAP_CONFIG_EXTENDED_OPTIONS_LEN.
 */
static inline void cli_option_set(struct coap_client_option *o, uint16_t code, const void *val,
				  size_t len)
{
	o->code = code;
#if ZCOAP_CONFIG_EXTENDED_OPTIONS_LEN
	o->len = (uint16_t)len;
#else
	o->len = (uint8_t)len;
#endif
	if (len > 0) {
		memcpy(o->value, val, len);
	}
}

/* ---- command line (args.c) ---------------------------------------------- */

/* -t none: the payload is sent without Content-Format (no_content_format). */
#define CLI_FORMAT_NONE (-2)

/* Most -O options kept (the library limits the total number of extra options anyway). */
#define CLI_MAX_USER_OPTIONS 16

struct cli_config {
	enum coap_method method;
	const char *payload_text; /* -e */
	const char *payload_file; /* -f ("-" = stdin) */
	int content_format;       /* -t, -1 when not given, CLI_FORMAT_NONE for -t none */
	int accept;               /* -A, -1 when not given */
	unsigned int block_size;  /* -b, 0 when not given */
	double give_up_s;         /* -B */
	bool give_up_given;       /* -B was on the command line */
	bool non_confirmable;     /* -N */
	struct coap_client_option user_opts[CLI_MAX_USER_OPTIONS]; /* -O */
	size_t n_user_opts;
	bool suppress_uri_host;      /* -O 3,... given */
	const char *proxy;           /* -P/--proxy: URI of the forward-proxy, NULL when not given */
	int hop_limit;               /* -H: Hop-Limit (RFC 8768), -1 when not given */
	bool ping;                   /* -K: send a CoAP ping instead of a request */
	bool observe;                /* -s or --observe-count */
	double observe_s;            /* -s, 0 when not given */
	unsigned long observe_count; /* --observe-count, 0 when not given */
	const char *output;          /* -o */
	const char *psk_key;         /* -k */
	const char *psk_identity;    /* -u */
	const char *cert_file;       /* -c */
	const char *key_file;        /* -j */
	const char *ca_file;         /* -C */
	bool no_verify;              /* -n: accept any server certificate (insecure) */
	const char *server_name;  /* --server-name: SNI and the name the certificate must carry */
	const char *session_file; /* --session: DTLS session resumed from and saved to this file */
	int verbose;              /* -v count */
	bool json;                /* --json */
	int progress;             /* -1 auto (isatty), 0 off, 1 on */
	bool newline;             /* -w */
	bool include;             /* -i: the code and options before the body */
	const char *local_addr;   /* -a: numeric address to send from, or NULL */
	uint16_t local_port;      /* -p: port to send from, 0 when not given */
	unsigned long repeat;     /* -G: times to send the request (1 by default) */
	uint8_t token[COAP_TOKEN_MAX_LEN]; /* -T */
	uint8_t token_len;                 /* ... bytes of it, 0 when not given */
	const char *iface;                 /* -I: interface of a multicast group, or NULL */
	unsigned int ifindex;              /* ... its index */
	const char *uri;                   /* the first URI */
	const char *const *uris;           /* every URI, in command-line order */
	size_t n_uris;
};

enum cli_args_result {
	CLI_ARGS_RUN = 0,    /* go on */
	CLI_ARGS_EXIT = 1,   /* --help or --version printed: exit 0 */
	CLI_ARGS_USAGE = -1, /* usage error, message in err */
};

/* Parse the command line into @p cfg (argv is not modified beyond getopt's permutation). */
enum cli_args_result cli_parse_args(int argc, char **argv, struct cli_config *cfg, char *err,
				    size_t errlen);

/*
 * The bytes of a -k argument: "0x" followed by an even number of hex digits
 * is raw bytes, anything else is the text itself (as libcoap's coap-client).
 * @p out may be NULL to check and count only. Returns 0, or -EINVAL when the
 * key is empty or the hex is malformed.
 */
int cli_psk_decode(const char *text, uint8_t *out, size_t *len);

/* Print the --help text (help.c). */
void cli_print_help(void);

/* Content-Format by name ("json", "text/plain", ...) or number; -1 when unknown. */
int cli_content_format_parse(const char *s);
/* Name of a Content-Format number, or NULL. */
const char *cli_content_format_name(unsigned int fmt);
/* Method name ("GET") of a request code, or NULL. */
const char *cli_method_name(unsigned int code);

/* ---- output (output.c) -------------------------------------------------- */

/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t cli_now_ms(void);

/* Reason phrase of a response code byte ("Not Found"), or "" when unregistered. */
const char *cli_code_reason(uint8_t code);
/* Exit status for a response code byte. */
enum cli_exit cli_exit_for_code(uint8_t code);
/* Exit status for a negative errno reported by the library. */
enum cli_exit cli_exit_for_errno(int err);

/* Base64 (RFC 4648 §4, with padding) of @p len bytes into @p f. */
void cli_base64_write(FILE *f, const uint8_t *p, size_t len);
/* JSON string body (without quotes) of valid UTF-8 bytes (RFC 8259 §7). */
void cli_json_escape_write(FILE *f, const uint8_t *p, size_t len);

struct cli_output;

/* Create the output sink: stdout or @p path, JSON or raw. NULL with errno set on failure. */
struct cli_output *cli_output_open(const struct cli_config *cfg);
/*
 * Close; returns 0 or -errno (a failed flush, close or rename is an I/O
 * error). A -o file is put in place only when @p success; otherwise the file
 * named by -o is left as it was.
 */
int cli_output_close(struct cli_output *out, bool success);

/* The URI the next responses answer; with --json, each object names it ("uri"). NULL: none. */
void cli_output_set_uri(struct cli_output *out, const char *uri);
/*
 * Multicast: the responder of the next response ("127.0.0.1:5683"), which
 * --json names ("source") and the raw output puts before it; NULL: none.
 */
void cli_output_set_source(struct cli_output *out, const char *source);

/*
 * A new response (or notification) starts: @p code is its code byte, @p pkt
 * the packet of its first block (for -i; may be NULL).
 */
void cli_output_begin(struct cli_output *out, uint8_t code, const struct coap_packet *pkt);
/*
 * Payload bytes of the current response at body offset @p offset; returns 0
 * or -errno when writing failed (e.g. EPIPE).
 */
int cli_output_body(struct cli_output *out, size_t offset, const uint8_t *p, size_t len);
/*
 * The current response is complete. @p pkt is the packet of its last block
 * (options for --json; may be NULL), @p elapsed_ms since the request was
 * sent. Returns 0 or -errno.
 */
int cli_output_end(struct cli_output *out, const struct coap_packet *pkt, uint64_t elapsed_ms,
		   unsigned int retransmissions, bool has_observe, uint32_t observe);
/*
 * A request failed without response: with --json, an error object on the
 * output. @p message explains @p err; NULL uses zcoap_strerror(@p err).
 */
void cli_output_error(struct cli_output *out, const char *what, int err, const char *message,
		      uint64_t elapsed_ms);

/* Progress of a block-wise transfer; @p total 0 when unknown; @p upload for Block1. */
void cli_output_progress(struct cli_output *out, bool upload, size_t bytes, size_t total);
/* Erase/finish the progress line, if one is shown. */
void cli_output_progress_done(struct cli_output *out);

/* ---- the request to send (build.c) --------------------------------------- */

/* Everything coap_client_req() is given, built from the command line. */
struct cli_request {
	struct coap_client_request req; /* cb and user_data: see cli_exchange_send() */
	struct coap_client_option opts[ZCOAP_CONFIG_MAX_EXTRA_OPTIONS];
	char path[ZCOAP_CONFIG_MAX_PATH_LEN + 1];
	uint8_t *payload; /* -e or the -f file (malloc'ed); NULL without a body */
	size_t payload_len;
};

/*
 * Build @p r from @p cfg and @p uri (the target), reading the -f file. With
 * -P, @p proxy is the parsed proxy URI and the target goes in proxy options.
 * Messages go to stderr. Returns CLI_EXIT_OK, CLI_EXIT_USAGE or CLI_EXIT_IO;
 * call cli_request_free() in any case.
 */
enum cli_exit cli_request_build(struct cli_request *r, const struct cli_config *cfg,
				const struct cli_uri *uri, const struct cli_uri *proxy);
void cli_request_free(struct cli_request *r);

/* ---- one exchange with the library (request.c) ----------------------------- */

/*
 * Where one attempt of the request stands. Phases only move forward (in
 * this order), and only set_phase() in request.c changes them; a new
 * attempt (the next address) starts over at CLI_PHASE_WAITING.
 *
 *   phase          entered when                               answers are
 *   -------------  -----------------------------------------  ----------------------
 *   WAITING        the attempt starts                         2.31 Continue only
 *                                                             move the progress bar
 *                                                             (RFC 7959 §2.3)
 *   ANSWERING      the first block of the first answer came   shown
 *   OBSERVING      a 2.xx notification with Observe is        shown
 *                  complete: registered (RFC 7641 §3.2)
 *   STOPPING       --observe-count notifications came: the    hidden
 *                  main thread is to deregister
 *   DEREGISTERING  the main thread deregisters (after -s, -B,  hidden; -ECANCELED
 *                  Ctrl-C or STOPPING; RFC 7641 §3.6)          is success
 *   DONE           the final callback came: outcome known     ignored
 *   ABANDONED      the main thread stopped waiting            ignored
 *
 * A request that is not an observation goes WAITING, (ANSWERING,) DONE.
 */
enum cli_phase {
	CLI_PHASE_WAITING,
	CLI_PHASE_ANSWERING,
	CLI_PHASE_OBSERVING,
	CLI_PHASE_STOPPING,
	CLI_PHASE_DEREGISTERING,
	CLI_PHASE_DONE,
	CLI_PHASE_ABANDONED,
};

/* The response being delivered, block by block (independent of the phase). */
enum cli_delivery {
	CLI_DELIVERY_NONE,   /* between responses */
	CLI_DELIVERY_SHOWN,  /* written to the output */
	CLI_DELIVERY_HIDDEN, /* began after we asked to stop: not shown */
};

/* Tokens of our latest requests the trace hook keeps, to recognise answers to them. */
#define CLI_TRACE_TOKENS 8

struct cli_exchange {
	pthread_mutex_t lock; /* guards what the callback touches (to "main thread only") */
	bool started;         /* cli_exchange_init() succeeded */
	int wake_rd;          /* self-pipe: the callback and signals wake the main thread */
	int wake_wr;
	const struct cli_config *cfg;
	struct cli_output *out;
	size_t upload_total; /* bytes of the request body */
	struct coap_client *client;
	struct coap_client_request *req;

	/* one attempt (cli_exchange_reset()) */
	enum cli_phase phase; /* changed only by set_phase() */
	enum cli_delivery delivery;
	size_t body_bytes;     /* bytes of the current body written so far */
	bool resp_has_observe; /* the current response's first block carried Observe */
	uint32_t resp_observe; /* ... with this value (later blocks never carry it) */
	uint64_t t_start;      /* the attempt started (cli_now_ms()) */
	uint64_t t_first;      /* the first complete answer arrived */
	int err;               /* negative errno of the final callback, or 0 */
	int out_err;           /* failed write of the output, or 0 */
	bool have_code;        /* code holds the code that decides the exit status */
	bool no_response; /* ended with 0 and no packet: No-Response asked for none (RFC 7967) */
	bool pong;        /* -K: the ping was answered */
	bool multicast;   /* the request went to a group: one answer per responder */
	unsigned long responders; /* multicast: answers shown so far */
	uint8_t pong_retransmissions;
	uint8_t code;                /* ... of the last answer shown */
	unsigned long notifications; /* > 0: registered (RFC 7641 §3.2) */

	/* the responses the library rejected (the trace hook sees them) */
	uint8_t tokens[CLI_TRACE_TOKENS][COAP_TOKEN_MAX_LEN]; /* of our last requests */
	uint8_t token_lens[CLI_TRACE_TOKENS];
	unsigned int n_tokens;   /* requests seen so far (the ring holds the last ones) */
	unsigned long rejected;  /* answers to our requests that the library rejected */
	int rejected_err;        /* cli_msg_rejection() of the first one */
	char rejected_why[160];  /* ... and its code and reason ("4.02 with ...") */
	bool ended_by_rejection; /* the attempt ended on it, before any answer */
	bool empty_ack;          /* an Empty ACK came: the response is a separate one */

	/* main thread only */
	bool timed_out;   /* -B ran out */
	bool interrupted; /* SIGINT/SIGTERM */
};

/*
 * The self-pipe, SIGINT/SIGTERM caught and SIGPIPE ignored. Returns 0, or
 * -EIO after a message.
 */
int cli_exchange_init(struct cli_exchange *x, const struct cli_config *cfg, struct cli_output *out,
		      size_t upload_total);
/* A new attempt: everything but the setup of cli_exchange_init() starts over. */
void cli_exchange_reset(struct cli_exchange *x);
/*
 * The trace hook of the client (zcoap_client_set_trace(), @p user_data the
 * exchange): the -v dump, and the answers the library rejects, which it
 * drops without a word (RFC 7252 §4.2). The first rejected answer to the
 * request before any accepted one ends the attempt: the server answered,
 * so waiting for the retransmissions to run out would only hide that.
 */
void cli_exchange_trace(bool outgoing, const uint8_t *data, size_t len, void *user_data);
/*
 * Send @p req on @p sock with the exchange's callback; coap_client_req()'s
 * result. @p group: the multicast group @p sock is not connected to (the
 * request then has multicast_timeout_ms set), or NULL for a connected socket.
 */
int cli_exchange_send(struct cli_exchange *x, struct coap_client *client, int sock,
		      struct coap_client_request *req, const struct sockaddr *group);
/* Wait until the outcome of the request sent is known (or -B, -s, Ctrl-C end the wait). */
void cli_exchange_wait(struct cli_exchange *x);
/*
 * Stop listening to the attempt and cancel what is left of it. True when
 * it was refused before any answer and @p more_addresses are left to try.
 */
bool cli_exchange_end(struct cli_exchange *x, bool more_addresses);
/* Report the outcome on stderr (and --json); the exit status. */
enum cli_exit cli_exchange_outcome(struct cli_exchange *x, const char *where, int sock,
				   bool secure);
/*
 * Report a timeout on stderr (and --json) in the one wording of all of them:
 * "timeout: no response from WHERE in N s (WHY)", WHY saying what ran out.
 */
void cli_report_timeout(struct cli_output *out, const char *where, uint64_t t_start,
			const char *why);
/* Close the self-pipe. Idempotent, and safe when cli_exchange_init() failed. */
void cli_exchange_cleanup(struct cli_exchange *x);

/* SIGINT/SIGTERM: caught (@p on) and waking the wait, or their default action. */
void cli_stop_signals(bool on);

/* ---- addresses, sockets and DTLS sessions (transport.c) ------------------ */

struct addrinfo;
struct cli_dtls;

/*
 * The addresses of the URI's host and port (with its IPv6 zone); CLI_EXIT_IO
 * after a message (and, with --json, an error object on @p out).
 */
enum cli_exit cli_resolve(const struct cli_uri *uri, struct cli_output *out, struct addrinfo **ais);
/* "192.0.2.1:5683" or "[2001:db8::1]:5683". */
void cli_describe_addr(const struct addrinfo *ai, char *buf, size_t size);
/* The same for a socket address. */
void cli_describe_sockaddr(const struct sockaddr *sa, socklen_t len, char *buf, size_t size);
/* True when @p sa is a multicast group (IPv4 224.0.0.0/4, IPv6 ff00::/8). */
bool cli_addr_is_group(const struct sockaddr *sa);
/*
 * Multicast (RFC 7252 §8): the window of a request to a group in ms: -B, or
 * CLI_MULTICAST_WINDOW_MS when -B is not given.
 */
#define CLI_MULTICAST_WINDOW_MS 10000u
uint32_t cli_multicast_window_ms(const struct cli_config *cfg);
/*
 * A UDP socket, bound to -a/-p when given (*bind_failed tells when that
 * failed), connected to @p ai unless @p secure (the handshake connects it)
 * or @p ai is a multicast group (the socket stays unconnected, to hear the
 * responders' unicast answers, with -I as its multicast interface), or -errno.
 */
int cli_socket_open(const struct addrinfo *ai, bool secure, const struct cli_config *cfg,
		    bool *bind_failed);
/* The local address of @p sock, as cli_describe_addr() writes it. */
void cli_describe_local(int sock, char *buf, size_t size);
/* Close a request socket; a DTLS one sends close_notify and wipes its session first. */
void cli_socket_close(int sock, bool secure);
/*
 * Start the DTLS session of @p sock (towards @p ai). Returns 0 when it is up;
 * -EAGAIN when the address refused and another one is left to try; another
 * negative errno after reporting the failure, with the exit status in
 * @p status: 6 when nothing listens, 5 when no complete answer came in time
 * (the usual statuses for these), 7 for every other DTLS failure.
 */
int cli_dtls_session_start(const struct cli_dtls *d, int sock, const struct addrinfo *ai,
			   const struct cli_config *cfg, struct cli_output *out, uint64_t t_start,
			   const char *where, int *status);
/*
 * A request on a DTLS socket failed: when the session itself ended (the
 * server's close_notify or fatal alert, RFC 6347 §4.1.2.7), report why and
 * set @p status to 7. Returns false when the session is fine (an ordinary
 * CoAP failure).
 */
bool cli_dtls_session_error(int sock, const char *where, struct cli_output *out, uint64_t t_start,
			    int *status);
/* True when the DTLS session of @p sock has ended (cli_dtls_session_error() would report it). */
bool cli_dtls_session_ended(int sock);

/* ---- DTLS (dtls.c) ------------------------------------------------------- */

/*
 * The credentials of one run, read from the files named on the command line.
 * The library references registered buffers, so they live until
 * cli_dtls_cleanup(), which runs after the DTLS socket is closed.
 */
struct cli_dtls {
	uint8_t *psk; /* -k, decoded */
	size_t psk_len;
	uint8_t *ca; /* -C file */
	size_t ca_len;
	uint8_t *cert; /* -c file */
	size_t cert_len;
	uint8_t *key; /* -j file, or the -c file when it holds the key too */
	size_t key_len;
	unsigned int registered;  /* bit (1 << type) per credential type registered */
	const char *hostname;     /* SNI and certificate name check; NULL: none */
	bool verify;              /* the server's certificate is verified (no -n) */
	bool certificates;        /* certificate cipher suites may be negotiated */
	const char *session_file; /* --session FILE, or NULL */
	uint8_t *session;         /* its contents (a saved session: secret), or NULL */
	size_t session_len;
	bool reconnect; /* observing (-s): re-run a lost session's handshake, re-register */
	bool verbose;   /* -v: report the reconnect steps */
};

/*
 * Check the DTLS options of a coaps:// run before anything is read or sent:
 * returns CLI_EXIT_OK, CLI_EXIT_USAGE (credentials missing or inconsistent)
 * or CLI_EXIT_DTLS (this build has no DTLS), with a message in @p err.
 * Warnings (-n) go to stderr.
 */
enum cli_exit cli_dtls_check(const struct cli_config *cfg, const struct cli_uri *uri, char *err,
			     size_t errlen);

/*
 * Read the credential files and register everything under the tool's
 * security tag. Returns CLI_EXIT_OK, CLI_EXIT_IO (a file cannot be read) or
 * CLI_EXIT_DTLS, with a message in @p err. Call cli_dtls_cleanup() in any case.
 */
enum cli_exit cli_dtls_setup(struct cli_dtls *d, const struct cli_config *cfg,
			     const struct cli_uri *uri, char *err, size_t errlen);

/*
 * Make @p sock a DTLS socket connected to @p peer: the handshake runs in
 * this thread for at most @p timeout_ms. Returns 0 or the negative errno of
 * zcoap_dtls_connect(); the socket must be released with zcoap_dtls_close().
 */
int cli_dtls_connect(const struct cli_dtls *d, int sock, const struct sockaddr *peer,
		     socklen_t peerlen, uint32_t timeout_ms);

/*
 * --session: save the session of the DTLS socket @p sock, whose handshake
 * just completed, to d->session_file (mode 0600, replaced atomically), so
 * that the next run resumes it. A warning on stderr when it cannot be saved.
 */
void cli_dtls_session_store(const struct cli_dtls *d, int sock);

/* Unregister the credentials, wipe the secrets and free the buffers. Idempotent. */
void cli_dtls_cleanup(struct cli_dtls *d);

/* IANA name of a cipher suite ("TLS_PSK_WITH_AES_128_CCM_8"), or NULL when not in the table. */
const char *cli_dtls_suite_name(int suite);

/* Symbolic name of an errno value ("EKEYREJECTED"), or NULL. */
const char *cli_errno_name(int err);

/* ---- coap+tcp:// and coaps+tcp:// (tcp.c) -------------------------------- */

/* The security tag every credential of a run goes under (dtls.c; tcp.c for TLS). */
#define CLI_DTLS_TAG 1

/* What one coap+tcp:// or coaps+tcp:// URI is run with (main.c fills it). */
struct cli_tcp_args {
	const struct cli_config *cfg;
	const struct cli_uri *conn;        /* where the connection goes (the URI, or -P's) */
	const char *uri_text;              /* the URI being requested */
	const struct cli_request *request; /* build.c's request */
	const struct addrinfo *ais;        /* cli_resolve()'s addresses */
	const struct cli_dtls *dtls;       /* coaps+tcp://: cli_dtls_setup()'s credentials */
	struct cli_output *out;
	int wake_rd; /* the self-pipe of cli_exchange_init(): callbacks and signals wake it */
	int wake_wr;
	char *where; /* the address connected to, for the caller */
	size_t where_size;
};

/* Options that cannot apply over TCP: CLI_EXIT_OK, or CLI_EXIT_USAGE with a message. */
enum cli_exit cli_tcp_check(const struct cli_config *cfg, char *err, size_t errlen);

/*
 * Connect, send the request -G times on the connection (or -K: a Ping),
 * report each outcome as request.c does for UDP and close. The exit status
 * of the first request that failed.
 */
enum cli_exit cli_tcp_run(const struct cli_tcp_args *a);

/* ---- datagram dump (dump.c) --------------------------------------------- */

/* The parts of a CoAP message located by cli_msg_parse(). */
struct cli_msg {
	struct coap_packet pkt; /* parsed view of copy: walk it with zcoap_option_iter_*() */
	uint8_t type;
	uint8_t code;
	uint16_t mid;
	uint8_t tkl;
	uint8_t token[COAP_TOKEN_MAX_LEN];
	const uint8_t *payload; /* NULL when none */
	size_t payload_len;
	uint8_t
	    copy[MAX_COAP_MSG_LEN]; /* the message, so the view never points into the caller's */
};

/*
 * Check @p data with coap_packet_parse() and locate its parts; 0, or -EBADMSG
 * when the message is malformed. An Empty message with a token, options or
 * a payload is accepted (the dump shows it as it came).
 */
int cli_msg_parse(const uint8_t *data, size_t len, struct cli_msg *msg);

enum cli_opt_kind {
	CLI_OPT_OPAQUE,
	CLI_OPT_STRING,
	CLI_OPT_UINT,
	CLI_OPT_EMPTY,
	CLI_OPT_BLOCK,
};

/* One option as -v shows it: Name:value ("Uri-Path:\"time\"", "Block2:0/M/1024"). */
void cli_print_option(FILE *f, unsigned int num, const uint8_t *val, uint16_t len);

/* Registered name of an option number, or NULL. */
const char *cli_option_name(unsigned int num);
/* Value format of an option number (opaque when unknown). */
enum cli_opt_kind cli_option_kind(unsigned int num);

/* The trace hook given to zcoap_client_set_trace() for -v; @p user_data is an int* verbosity. */
void cli_dump_datagram(bool outgoing, const uint8_t *data, size_t len, void *user_data);

/*
 * Whether the library rejects response @p msg (RFC 7252 §4.2: a request or a
 * reserved code class; §5.4.1: a critical option it does not know or of a bad
 * length). Returns 0 when it accepts it, or a negative errno (-EBADMSG,
 * -ENOTSUP) with the reason in @p why.
 */
int cli_msg_rejection(const struct cli_msg *msg, char *why, size_t size);

/** Value of a hexadecimal digit, or -1 (uri.c; also used by args.c). */
int cli_hex_value(char c);

#endif /* ZCOAP_CLI_H */
