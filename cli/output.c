/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * output.c -- what the zcoap tool writes: response bodies (binary-safe, as
 * they arrive), --json lines, 4.xx/5.xx reports on stderr and the progress
 * bar of block-wise transfers.
 *
 * --json holds at most CLI_JSON_INLINE_MAX bytes of a body: the library
 * streams bodies of any length (RFC 7959 §2.4), and so must the tool. A
 * shorter body is printed as one object with the fields in their usual
 * order; a longer one opens the object at once and writes its payload in
 * base64 as the blocks arrive, with the fields that need the last block
 * (options, observe, elapsed_ms, retransmissions) after it.
 *
 * The callers serialise access (the tool calls these from its response
 * callback under its own lock, and from the main thread once the client has
 * stopped), so no locking happens here.
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "zcoap_option.h"

/* The longest --json body printed the usual way (see above and zcoap(1)). */
#define CLI_JSON_INLINE_MAX ((size_t)1024 * 1024)

struct cli_output {
	FILE *body;        /* stdout or the -o file */
	bool own_file;     /* body was opened here */
	char *tmp_path;    /* -o: the temporary file beside it, renamed on success (or NULL) */
	char *path;        /* -o, or the file it links to */
	bool body_is_tty;  /* a newline is added after bodies that lack one */
	bool binary_guard; /* a terminal: a body with a NUL byte is not written (-o - writes it) */
	bool binary_held;  /* ... and the current one had one: the rest is not written */
	bool json;
	const char *uri;    /* --json with several URIs: the one being answered */
	const char *source; /* multicast: the responder, or NULL */
	bool newline;       /* -w */
	bool include;       /* -i */
	/* the response being delivered */
	uint8_t code;
	bool to_stderr; /* not 2.xx: the payload is a diagnostic */
	size_t written; /* body bytes of this response so far */
	uint8_t last_byte;
	uint8_t *buf; /* --json: the body, while it is at most CLI_JSON_INLINE_MAX bytes */
	size_t buf_len;
	size_t buf_cap;
	bool streaming;   /* --json: the object is open, payload_base64 being written */
	uint8_t carry[3]; /* body bytes not yet written as a whole base64 group */
	size_t carry_len;
	/* progress bar */
	bool progress;
	bool progress_shown;
	bool progress_upload;
	uint64_t progress_start_ms;
	uint64_t progress_last_ms;
};

static void stream_abort(struct cli_output *out);

uint64_t cli_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* RFC 7252 §5.9 and §12.1.2, RFC 7959, RFC 8132, RFC 8516. */
const char *cli_code_reason(uint8_t code)
{
	switch (code) {
	case COAP_MAKE_RESPONSE_CODE(2, 1):
		return "Created";
	case COAP_MAKE_RESPONSE_CODE(2, 2):
		return "Deleted";
	case COAP_MAKE_RESPONSE_CODE(2, 3):
		return "Valid";
	case COAP_MAKE_RESPONSE_CODE(2, 4):
		return "Changed";
	case COAP_MAKE_RESPONSE_CODE(2, 5):
		return "Content";
	case COAP_MAKE_RESPONSE_CODE(2, 31):
		return "Continue";
	case COAP_MAKE_RESPONSE_CODE(4, 0):
		return "Bad Request";
	case COAP_MAKE_RESPONSE_CODE(4, 1):
		return "Unauthorized";
	case COAP_MAKE_RESPONSE_CODE(4, 2):
		return "Bad Option";
	case COAP_MAKE_RESPONSE_CODE(4, 3):
		return "Forbidden";
	case COAP_MAKE_RESPONSE_CODE(4, 4):
		return "Not Found";
	case COAP_MAKE_RESPONSE_CODE(4, 5):
		return "Method Not Allowed";
	case COAP_MAKE_RESPONSE_CODE(4, 6):
		return "Not Acceptable";
	case COAP_MAKE_RESPONSE_CODE(4, 8):
		return "Request Entity Incomplete";
	case COAP_MAKE_RESPONSE_CODE(4, 9):
		return "Conflict";
	case COAP_MAKE_RESPONSE_CODE(4, 12):
		return "Precondition Failed";
	case COAP_MAKE_RESPONSE_CODE(4, 13):
		return "Request Entity Too Large";
	case COAP_MAKE_RESPONSE_CODE(4, 15):
		return "Unsupported Content-Format";
	case COAP_MAKE_RESPONSE_CODE(4, 22):
		return "Unprocessable Entity";
	case COAP_MAKE_RESPONSE_CODE(4, 29):
		return "Too Many Requests";
	case COAP_MAKE_RESPONSE_CODE(5, 0):
		return "Internal Server Error";
	case COAP_MAKE_RESPONSE_CODE(5, 1):
		return "Not Implemented";
	case COAP_MAKE_RESPONSE_CODE(5, 2):
		return "Bad Gateway";
	case COAP_MAKE_RESPONSE_CODE(5, 3):
		return "Service Unavailable";
	case COAP_MAKE_RESPONSE_CODE(5, 4):
		return "Gateway Timeout";
	case COAP_MAKE_RESPONSE_CODE(5, 5):
		return "Proxying Not Supported";
	case COAP_MAKE_RESPONSE_CODE(5, 8):
		return "Hop Limit Reached";
	default:
		return "";
	}
}

enum cli_exit cli_exit_for_code(uint8_t code)
{
	switch (code >> 5) {
	case 2:
		return CLI_EXIT_OK;
	case 4:
		return CLI_EXIT_CLIENT_ERROR;
	case 5:
		return CLI_EXIT_SERVER_ERROR;
	default:
		return CLI_EXIT_ERROR;
	}
}

enum cli_exit cli_exit_for_errno(int err)
{
	switch (-err) {
	case ETIMEDOUT:
		return CLI_EXIT_TIMEOUT;
	case ECONNRESET:
	case ECONNREFUSED:
		return CLI_EXIT_RESET;
	case EIO:
	case ENETUNREACH:
	case EHOSTUNREACH:
	case ENETDOWN:
	case EADDRNOTAVAIL:
	case EACCES:
	case EPERM:
	case ENOBUFS:
	case ENOMEM:
	case EBADF:
	case ENOTSOCK:
	case EPIPE:
	case EAFNOSUPPORT:
		return CLI_EXIT_IO;
	default:
		return CLI_EXIT_ERROR;
	}
}

void cli_base64_write(FILE *f, const uint8_t *p, size_t len)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i = 0;

	while (len - i >= 3) {
		uint32_t v = ((uint32_t)p[i] << 16) | ((uint32_t)p[i + 1] << 8) | p[i + 2];

		fputc(alphabet[(v >> 18) & 63], f);
		fputc(alphabet[(v >> 12) & 63], f);
		fputc(alphabet[(v >> 6) & 63], f);
		fputc(alphabet[v & 63], f);
		i += 3;
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;

		fputc(alphabet[(v >> 18) & 63], f);
		fputc(alphabet[(v >> 12) & 63], f);
		fputs("==", f);
	} else if (len - i == 2) {
		uint32_t v = ((uint32_t)p[i] << 16) | ((uint32_t)p[i + 1] << 8);

		fputc(alphabet[(v >> 18) & 63], f);
		fputc(alphabet[(v >> 12) & 63], f);
		fputc(alphabet[(v >> 6) & 63], f);
		fputc('=', f);
	}
}

void cli_json_escape_write(FILE *f, const uint8_t *p, size_t len)
{
	/* RFC 8259 §7: quote, backslash and U+0000..U+001F must be escaped. */
	for (size_t i = 0; i < len; i++) {
		uint8_t c = p[i];

		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				fprintf(f, "\\u%04x", c);
			} else {
				fputc(c, f);
			}
			break;
		}
	}
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	cli_json_escape_write(f, (const uint8_t *)s, strlen(s));
	fputc('"', f);
}

/* True when descriptors @p a and @p b are the same terminal (e.g. stdout and stderr by default). */
static bool same_terminal(int a, int b)
{
	struct stat sa;
	struct stat sb;

	if (isatty(a) != 1 || isatty(b) != 1 || fstat(a, &sa) != 0 || fstat(b, &sb) != 0) {
		return false;
	}
	return sa.st_rdev == sb.st_rdev;
}

/*
 * -o FILE: a regular file (or a new one) is written as a temporary file
 * beside it, renamed over it only on success (cli_output_close()), so that a
 * failed request never empties it; anything else (/dev/null, a FIFO, a
 * terminal) is written directly. Returns the stream, or NULL with errno set.
 */
static FILE *open_output_file(struct cli_output *out, const char *path)
{
	struct stat st;
	mode_t mode;
	mode_t mask;
	int fd;
	int e;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		return fopen(path, "wb");
	}
	/* A symbolic link stays one: the file it names is replaced, beside it. */
	out->path =
	    lstat(path, &st) == 0 && S_ISLNK(st.st_mode) ? realpath(path, NULL) : strdup(path);
	if (out->path == NULL) {
		return NULL;
	}
	path = out->path;
	if (stat(path, &st) == 0) {
		mode = st.st_mode & 07777; /* keep the file's permissions */
	} else {
		mask = umask(0); /* single-threaded still: the client starts later */
		umask(mask);
		mode = 0666 & ~mask;
	}
	out->tmp_path = malloc(strlen(path) + sizeof(".zcoap-XXXXXX"));
	if (out->tmp_path == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	strcpy(out->tmp_path, path);
	strcat(out->tmp_path, ".zcoap-XXXXXX");
	fd = mkstemp(out->tmp_path);
	if (fd < 0) {
		e = errno;
		free(out->tmp_path);
		out->tmp_path = NULL;
		errno = e;
		return NULL;
	}
	if (fchmod(fd, mode) == 0) {
		FILE *f = fdopen(fd, "wb");

		if (f != NULL) {
			return f;
		}
	}
	e = errno;
	close(fd);
	unlink(out->tmp_path);
	free(out->tmp_path);
	out->tmp_path = NULL;
	errno = e;
	return NULL;
}

struct cli_output *cli_output_open(const struct cli_config *cfg)
{
	struct cli_output *out = calloc(1, sizeof(*out));

	if (out == NULL) {
		return NULL;
	}
	if (cfg->output != NULL && strcmp(cfg->output, "-") != 0) {
		out->body = open_output_file(out, cfg->output);
		if (out->body == NULL) {
			int e = errno;

			free(out->path);
			free(out);
			errno = e;
			return NULL;
		}
		out->own_file = true;
	} else {
		out->body = stdout;
		out->body_is_tty = isatty(STDOUT_FILENO) == 1;
		out->binary_guard = out->body_is_tty && cfg->output == NULL && !cfg->json;
	}
	out->json = cfg->json;
	out->newline = cfg->newline;
	out->include = cfg->include && !cfg->json; /* --json has the options already */
	if (cfg->progress >= 0) {
		out->progress = cfg->progress == 1;
	} else {
		/* -v lines would break the bar apart, so -v turns the automatic one off */
		out->progress = isatty(STDERR_FILENO) == 1 && cfg->verbose == 0;
	}
	/*
	 * The bar redraws its line with a carriage return: on the terminal the
	 * body goes to, that would overwrite the body's last line. Never there,
	 * not even with --progress.
	 */
	if (same_terminal(fileno(out->body), STDERR_FILENO)) {
		out->progress = false;
	}
	return out;
}

int cli_output_close(struct cli_output *out, bool success)
{
	int ret = 0;

	if (out == NULL) {
		return 0;
	}
	cli_output_progress_done(out);
	stream_abort(out);
	if (fflush(out->body) != 0 || ferror(out->body)) {
		ret = -(errno != 0 ? errno : EIO);
	}
	if (out->own_file && fclose(out->body) != 0 && ret == 0) {
		ret = -(errno != 0 ? errno : EIO);
	}
	if (out->tmp_path != NULL) {
		if (success && ret == 0 && rename(out->tmp_path, out->path) != 0) {
			ret = -errno;
		}
		if (!success || ret != 0) {
			unlink(out->tmp_path); /* the file named by -o stays as it was */
		}
		free(out->tmp_path);
	}
	free(out->path);
	free(out->buf);
	free(out);
	return ret;
}

/* -i: the code and the options of the response's first block, then an empty line (as curl -i). */
static void include_header(struct cli_output *out, uint8_t code, const struct coap_packet *pkt)
{
	const char *reason = cli_code_reason(code);
	struct cli_msg msg;
	struct zcoap_option_iter it;
	const uint8_t *val;
	uint16_t num;
	uint16_t len;

	fprintf(out->body, "%u.%02u%s%s\n", code >> 5, code & 0x1Fu, reason[0] ? " " : "", reason);
	if (pkt != NULL && pkt->data != NULL && cli_msg_parse(pkt->data, pkt->offset, &msg) == 0) {
		zcoap_option_iter_init(&it, &msg.pkt);
		while (zcoap_option_iter_next(&it, &num, &val, &len) > 0) {
			cli_print_option(out->body, num, val, len);
			fputc('\n', out->body);
		}
	}
	fputc('\n', out->body);
	fflush(out->body);
}

void cli_output_begin(struct cli_output *out, uint8_t code, const struct coap_packet *pkt)
{
	stream_abort(out);
	out->binary_held = false;
	if (out->source != NULL && (!out->json || (code >> 5) != 2)) {
		/* multicast: each answer on a line of its own, after its responder */
		fprintf((code >> 5) != 2 ? stderr : out->body, "%s: ", out->source);
	}
	if (out->include) {
		include_header(out, code, pkt);
	}
	out->code = code;
	out->written = 0;
	out->buf_len = 0;
	out->to_stderr = (code >> 5) != 2;
	if (out->to_stderr) {
		const char *reason = cli_code_reason(code);

		cli_output_progress_done(out);
		fprintf(stderr, "%u.%02u%s%s", code >> 5, code & 0x1Fu, reason[0] ? " " : "",
			reason);
	}
}

/* Diagnostic payloads are text (RFC 7252 §5.5.2); keep control bytes off the terminal. */
static void write_diagnostic(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uint8_t c = p[i];

		fputc((c < 0x20 && c != '\t') || c == 0x7f ? '.' : c, stderr);
	}
}

static int keep(struct cli_output *out, const uint8_t *p, size_t len)
{
	if (len > out->buf_cap - out->buf_len) {
		size_t cap = out->buf_cap != 0 ? out->buf_cap : 1024;
		uint8_t *nb;

		/* the caller keeps buf_len + len within CLI_JSON_INLINE_MAX */
		while (cap - out->buf_len < len) {
			cap *= 2;
		}
		nb = realloc(out->buf, cap);
		if (nb == NULL) {
			return -ENOMEM;
		}
		out->buf = nb;
		out->buf_cap = cap;
	}
	memcpy(out->buf + out->buf_len, p, len);
	out->buf_len += len;
	return 0;
}

/* Base64 of body bytes, in whole groups of three; the rest waits in out->carry. */
static void stream_base64(struct cli_output *out, const uint8_t *p, size_t len)
{
	size_t whole;

	while (out->carry_len > 0 && out->carry_len < 3 && len > 0) {
		out->carry[out->carry_len++] = *p++;
		len--;
	}
	if (out->carry_len == 3) {
		cli_base64_write(out->body, out->carry, 3);
		out->carry_len = 0;
	}
	whole = len - len % 3;
	cli_base64_write(out->body, p, whole);
	memcpy(out->carry, p + whole, len - whole);
	out->carry_len += len - whole;
}

/* The start of a JSON object, with the URI it answers when there are several. */
static void json_open(struct cli_output *out)
{
	fputc('{', out->body);
	if (out->uri != NULL) {
		fputs("\"uri\":", out->body);
		json_string(out->body, out->uri);
		fputc(',', out->body);
	}
	if (out->source != NULL) {
		fputs("\"source\":", out->body);
		json_string(out->body, out->source);
		fputc(',', out->body);
	}
}

void cli_output_set_uri(struct cli_output *out, const char *uri)
{
	out->uri = uri;
}

void cli_output_set_source(struct cli_output *out, const char *source)
{
	out->source = source;
}

/*
 * The body outgrew CLI_JSON_INLINE_MAX: open the object with what is known
 * now and write what was kept. The payload of a body this long is always
 * base64: whether all of it is UTF-8 is only known at its end.
 */
static void stream_begin(struct cli_output *out)
{
	json_open(out);
	fprintf(out->body, "\"code\":\"%u.%02u\",\"payload_base64\":\"", out->code >> 5,
		out->code & 0x1Fu);
	out->streaming = true;
	out->carry_len = 0;
	stream_base64(out, out->buf, out->buf_len);
	out->buf_len = 0;
}

/* Close the payload string of a streamed object. */
static void stream_payload_end(struct cli_output *out)
{
	cli_base64_write(out->body, out->carry, out->carry_len);
	out->carry_len = 0;
	fputc('"', out->body);
}

/* A streamed object whose body ended before its last block: close it, marked as such. */
static void stream_abort(struct cli_output *out)
{
	if (out->streaming) {
		stream_payload_end(out);
		fputs(",\"incomplete\":true}\n", out->body);
		fflush(out->body);
		out->streaming = false;
	}
}

static int json_body(struct cli_output *out, const uint8_t *p, size_t len)
{
	if (!out->streaming && len <= CLI_JSON_INLINE_MAX - out->buf_len) {
		return keep(out, p, len);
	}
	if (!out->streaming) {
		stream_begin(out);
	}
	stream_base64(out, p, len);
	if (fflush(out->body) != 0 || ferror(out->body)) {
		return -(errno != 0 ? errno : EIO);
	}
	return 0;
}

int cli_output_body(struct cli_output *out, size_t offset, const uint8_t *p, size_t len)
{
	(void)offset;
	if (len == 0 || p == NULL) {
		return 0;
	}
	if (out->json) {
		int ret = json_body(out, p, len);

		if (ret < 0) {
			return ret;
		}
	}
	if (out->to_stderr) {
		if (out->written == 0) {
			fputs(": ", stderr);
		}
		write_diagnostic(p, len);
	} else if (!out->json) {
		if (out->binary_guard && !out->binary_held && memchr(p, 0, len) != NULL) {
			/* As curl: a NUL byte says binary, which can garble a terminal. */
			out->binary_held = true;
			cli_output_progress_done(out);
			fprintf(
			    stderr,
			    "zcoap: warning: binary output can mess up your terminal: the body is "
			    "not shown from byte %zu on; use -o FILE, or -o - to write it here "
			    "anyway\n",
			    out->written);
		}
		if (!out->binary_held &&
		    (fwrite(p, 1, len, out->body) != len || fflush(out->body) != 0)) {
			return -(errno != 0 ? errno : EIO);
		}
	}
	out->written += len;
	out->last_byte = p[len - 1];
	return 0;
}

static void json_options(FILE *f, const struct coap_packet *pkt)
{
	struct cli_msg msg;
	struct zcoap_option_iter it;
	uint16_t num;
	const uint8_t *val;
	uint16_t len;
	bool first = true;

	fputs("\"options\":[", f);
	if (pkt != NULL && pkt->data != NULL && cli_msg_parse(pkt->data, pkt->offset, &msg) == 0) {
		zcoap_option_iter_init(&it, &msg.pkt);
		while (zcoap_option_iter_next(&it, &num, &val, &len) > 0) {
			const char *name = cli_option_name(num);
			enum cli_opt_kind kind = cli_option_kind(num);

			fputs(first ? "{" : ",{", f);
			first = false;
			fputs("\"name\":", f);
			if (name != NULL) {
				json_string(f, name);
			} else {
				fputs("null", f);
			}
			fprintf(f, ",\"number\":%u", num);
			if ((kind == CLI_OPT_UINT || kind == CLI_OPT_BLOCK) && len <= 4) {
				fprintf(f, ",\"value\":%u", zcoap_option_uint(val, len));
			} else if (kind == CLI_OPT_STRING && cli_utf8_valid(val, len)) {
				fputs(",\"value\":\"", f);
				cli_json_escape_write(f, val, len);
				fputc('"', f);
			} else if (!(kind == CLI_OPT_EMPTY && len == 0)) {
				fputs(",\"hex\":\"", f);
				for (size_t i = 0; i < len; i++) {
					fprintf(f, "%02x", val[i]);
				}
				fputc('"', f);
			}
			fputc('}', f);
		}
	}
	fputc(']', f);
}

int cli_output_end(struct cli_output *out, const struct coap_packet *pkt, uint64_t elapsed_ms,
		   unsigned int retransmissions, bool has_observe, uint32_t observe)
{
	FILE *f = out->body;

	cli_output_progress_done(out);
	if (out->to_stderr) {
		fputc('\n', stderr);
	}
	if (out->json && out->streaming) {
		stream_payload_end(out);
		out->streaming = false;
		if (has_observe) {
			fprintf(f, ",\"observe\":%u", observe);
		}
		fputc(',', f);
		json_options(f, pkt);
		fprintf(f, ",\"elapsed_ms\":%llu,\"retransmissions\":%u}\n",
			(unsigned long long)elapsed_ms, retransmissions);
	} else if (out->json) {
		json_open(out);
		fprintf(f, "\"code\":\"%u.%02u\"", out->code >> 5, out->code & 0x1Fu);
		if (has_observe) {
			fprintf(f, ",\"observe\":%u", observe);
		}
		fputc(',', f);
		json_options(f, pkt);
		if (cli_utf8_valid(out->buf, out->buf_len)) {
			fputs(",\"payload\":\"", f);
			cli_json_escape_write(f, out->buf, out->buf_len);
		} else {
			fputs(",\"payload_base64\":\"", f);
			cli_base64_write(f, out->buf, out->buf_len);
		}
		fprintf(f, "\",\"elapsed_ms\":%llu,\"retransmissions\":%u}\n",
			(unsigned long long)elapsed_ms, retransmissions);
	} else if (!out->to_stderr && out->written > 0) {
		if (out->newline ||
		    ((out->body_is_tty || out->source != NULL) && out->last_byte != '\n')) {
			fputc('\n', f);
		}
	} else if (!out->to_stderr && (out->body_is_tty || out->source != NULL) && !out->include) {
		/* No body (a PUT's 2.04, say): on a terminal, say what came. */
		const char *reason = cli_code_reason(out->code);

		fprintf(f, "%u.%02u%s%s\n", out->code >> 5, out->code & 0x1Fu, reason[0] ? " " : "",
			reason);
	} else if (!out->to_stderr && out->newline) {
		fputc('\n', f);
	}
	out->buf_len = 0;
	if (fflush(f) != 0 || ferror(f)) {
		return -(errno != 0 ? errno : EIO);
	}
	return 0;
}

void cli_output_error(struct cli_output *out, const char *what, int err, const char *message,
		      uint64_t elapsed_ms)
{
	cli_output_progress_done(out);
	if (out->json) {
		stream_abort(out);
		json_open(out);
		fputs("\"error\":", out->body);
		json_string(out->body, what);
		fprintf(out->body, ",\"errno\":%d,\"message\":", err);
		json_string(out->body, message != NULL ? message : zcoap_strerror(err));
		fprintf(out->body, ",\"elapsed_ms\":%llu}\n", (unsigned long long)elapsed_ms);
		fflush(out->body);
	}
}

static void human_size(char *buf, size_t size, double bytes)
{
	if (bytes < 1024.0) {
		snprintf(buf, size, "%.0f B", bytes);
	} else if (bytes < 1024.0 * 1024.0) {
		snprintf(buf, size, "%.1f KiB", bytes / 1024.0);
	} else {
		snprintf(buf, size, "%.1f MiB", bytes / (1024.0 * 1024.0));
	}
}

void cli_output_progress(struct cli_output *out, bool upload, size_t bytes, size_t total)
{
	uint64_t now;
	char done[32];
	char all[32];
	char rate[32];
	double secs;

	if (!out->progress) {
		return;
	}
	now = cli_now_ms();
	if (!out->progress_shown || out->progress_upload != upload) {
		out->progress_start_ms = now;
		out->progress_last_ms = 0;
		out->progress_upload = upload;
	} else if (now - out->progress_last_ms < 100 && (total == 0 || bytes < total)) {
		return; /* at most ten redraws a second */
	}
	out->progress_last_ms = now;
	out->progress_shown = true;
	secs = (double)(now - out->progress_start_ms) / 1000.0;
	human_size(done, sizeof(done), (double)bytes);
	human_size(rate, sizeof(rate), secs > 0.0 ? (double)bytes / secs : 0.0);
	if (total > 0) {
		unsigned int pct = (unsigned int)(bytes >= total ? 100 : (bytes * 100) / total);

		human_size(all, sizeof(all), (double)total);
		fprintf(stderr, "\r%s %s / %s %3u%% %s/s\033[K", upload ? "upload  " : "download",
			done, all, pct, rate);
	} else {
		fprintf(stderr, "\r%s %s %s/s\033[K", upload ? "upload  " : "download", done, rate);
	}
	fflush(stderr);
}

void cli_output_progress_done(struct cli_output *out)
{
	if (out->progress_shown) {
		fputc('\n', stderr);
		fflush(stderr);
		out->progress_shown = false;
	}
}
