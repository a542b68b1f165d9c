/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * cli.h -- declarations shared by the modules of the zcoap command-line tool.
 *
 * The tool is a plain client of the public API (include/coap.h and
 * include/coap_client.h); nothing here may reach into src/.
 */

#ifndef ZCOAP_CLI_H
#define ZCOAP_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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
	bool secure;                     /* coaps:// */
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

/* ---- command line (args.c) ---------------------------------------------- */

/* Most -O options kept (the library limits the total number of extra options anyway). */
#define CLI_MAX_USER_OPTIONS 16

struct cli_config {
	enum coap_method method;
	const char *payload_text;                                  /* -e */
	const char *payload_file;                                  /* -f ("-" = stdin) */
	int content_format;                                        /* -t, -1 when not given */
	int accept;                                                /* -A, -1 when not given */
	unsigned int block_size;                                   /* -b, 0 when not given */
	double give_up_s;                                          /* -B */
	bool give_up_given;                                        /* -B was on the command line */
	bool non_confirmable;                                      /* -N */
	struct coap_client_option user_opts[CLI_MAX_USER_OPTIONS]; /* -O */
	size_t n_user_opts;
	bool suppress_uri_host;      /* -O 3,... given */
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
	const char *server_name; /* --server-name: SNI and the name the certificate must carry */
	int verbose;             /* -v count */
	bool json;               /* --json */
	int progress;            /* -1 auto (isatty), 0 off, 1 on */
	bool newline;            /* -w */
	const char *uri;
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
/* Close; returns 0 or -errno (a failed flush or close is an I/O error). */
int cli_output_close(struct cli_output *out);

/* A new response (or notification) starts: @p code is its code byte. */
void cli_output_begin(struct cli_output *out, uint8_t code);
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
	unsigned int registered; /* bit (1 << type) per credential type registered */
	const char *hostname;    /* SNI and certificate name check; NULL: none */
	bool verify;             /* the server's certificate is verified (no -n) */
	bool certificates;       /* certificate cipher suites may be negotiated */
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

/* Unregister the credentials, wipe the secrets and free the buffers. Idempotent. */
void cli_dtls_cleanup(struct cli_dtls *d);

/* IANA name of a cipher suite ("TLS_PSK_WITH_AES_128_CCM_8"), or NULL when not in the table. */
const char *cli_dtls_suite_name(int suite);

/* Symbolic name of an errno value ("EKEYREJECTED"), or NULL. */
const char *cli_errno_name(int err);

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

/* Registered name of an option number, or NULL. */
const char *cli_option_name(unsigned int num);
/* Value format of an option number (opaque when unknown). */
enum cli_opt_kind cli_option_kind(unsigned int num);

/* The trace hook given to zcoap_client_set_trace() for -v; @p user_data is an int* verbosity. */
void cli_dump_datagram(bool outgoing, const uint8_t *data, size_t len, void *user_data);

/** Value of a hexadecimal digit, or -1 (uri.c; also used by args.c). */
int cli_hex_value(char c);

#endif /* ZCOAP_CLI_H */
