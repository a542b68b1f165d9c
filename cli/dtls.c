/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * dtls.c -- coaps:// for the zcoap tool (RFC 7252 §9): the credentials of
 * the command line go under one security tag, and the request's UDP socket
 * becomes a DTLS socket through the public API of zcoap_dtls.h.
 *
 * Security rules: a coaps:// run never proceeds without a way to
 * authenticate the server. The server is authenticated by the pre-shared
 * key (RFC 7252 §9.1.3.1) or by its certificate, which must chain to the -C
 * CA and carry the expected host name (§9.1.3.3, RFC 6125); only -n turns
 * the certificate check off, and it says so on stderr.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "zcoap_dtls.h"

/* Credential files beyond this are surely not a certificate, a key or a CA bundle. */
#define CLI_CRED_FILE_MAX ((size_t)4 * 1024 * 1024)

/*
 * The identity the server's certificate must carry: --server-name, or the
 * URI's host. A host name is also sent as SNI; an address literal (without
 * brackets or zone) is matched against the certificate's iPAddress
 * subjectAltNames and never sent as SNI (RFC 6066 §3): the library tells
 * the two apart (docs/design/dtls.md).
 */
static const char *server_name(const struct cli_config *cfg, const struct cli_uri *uri)
{
	return cfg->server_name != NULL ? cfg->server_name : uri->host;
}

enum cli_exit cli_dtls_check(const struct cli_config *cfg, const struct cli_uri *uri, char *err,
			     size_t errlen)
{
	bool psk = cfg->psk_key != NULL;
	bool certs = cfg->ca_file != NULL || cfg->cert_file != NULL;

	/* Every URI has an identity to check: its host name or address (server_name()). */
	(void)uri;
	if (!zcoap_dtls_available()) {
		snprintf(err, errlen,
			 "coaps:// needs DTLS, and this build has no DTLS (zcoap was built "
			 "without Mbed TLS)");
		return CLI_EXIT_DTLS;
	}
	if (cfg->cert_file != NULL && cfg->ca_file == NULL && !cfg->no_verify) {
		/*
		 * Our certificate enables the certificate suites, and a server
		 * certificate can only be trusted through a CA.
		 */
		snprintf(err, errlen,
			 "-c authenticates this client only: verifying the server's certificate "
			 "needs -C CAFILE (-n skips the check: insecure)");
		return CLI_EXIT_USAGE;
	}
	if (!psk && cfg->ca_file == NULL && !cfg->no_verify) {
		snprintf(err, errlen,
			 "coaps:// needs a way to authenticate the server: -k KEY -u IDENTITY "
			 "(pre-shared key) or -C CAFILE (the CA of the server's certificate); "
			 "-n skips the check (insecure)");
		return CLI_EXIT_USAGE;
	}
	if (cfg->no_verify && !psk && !certs) {
		/*
		 * A session needs at least one registered credential: the
		 * library has no credential-less (anonymous) mode.
		 */
		snprintf(err, errlen,
			 "-n needs something to offer the server: -C CAFILE, -c CERTFILE or "
			 "-k KEY -u IDENTITY (zcoap has no DTLS mode without credentials)");
		return CLI_EXIT_USAGE;
	}
	if (cfg->no_verify && (!psk || certs)) {
		fprintf(stderr, "zcoap: warning: -n: the server's certificate is not verified; "
				"anyone on the path can impersonate the server\n");
	}
	return CLI_EXIT_OK;
}

/* Read a credential file; NUL-terminated in memory (PEM needs it), *len without the NUL. */
static int read_file(const char *name, uint8_t **data, size_t *len)
{
	FILE *f = fopen(name, "rb");
	struct stat st;
	uint8_t *buf;
	size_t size;
	size_t got;

	if (f == NULL) {
		return -errno;
	}
	if (fstat(fileno(f), &st) < 0) {
		int e = errno;

		fclose(f);
		return -e;
	}
	if (!S_ISREG(st.st_mode)) {
		fclose(f);
		return -EINVAL;
	}
	if ((unsigned long long)st.st_size > CLI_CRED_FILE_MAX) {
		fclose(f);
		return -EFBIG;
	}
	size = (size_t)st.st_size;
	buf = malloc(size + 1);
	if (buf == NULL) {
		fclose(f);
		return -ENOMEM;
	}
	got = fread(buf, 1, size, f);
	if (got != size) {
		int e = ferror(f) ? EIO : EAGAIN; /* EAGAIN: the file shrank while read */

		free(buf);
		fclose(f);
		return -e;
	}
	fclose(f);
	buf[size] = '\0';
	*data = buf;
	*len = size;
	return 0;
}

/* A PEM text (no NUL inside, a BEGIN line) or binary DER. */
static bool is_pem(const uint8_t *data, size_t len)
{
	return memchr(data, '\0', len) == NULL && strstr((const char *)data, "-----BEGIN ") != NULL;
}

/*
 * Length to register: PEM with its terminating NUL counted, which lets
 * Mbed TLS parse it in place (docs/design/dtls.md), DER as it is.
 */
static size_t cred_len(const uint8_t *data, size_t len)
{
	return is_pem(data, len) ? len + 1 : len;
}

static enum cli_exit load(const char *opt, const char *name, uint8_t **data, size_t *len, char *err,
			  size_t errlen)
{
	int ret = read_file(name, data, len);

	if (ret == -EFBIG) {
		snprintf(err, errlen, "%s %s: larger than %zu bytes: not a credential file", opt,
			 name, CLI_CRED_FILE_MAX);
		return CLI_EXIT_DTLS;
	}
	if (ret == -EINVAL) {
		snprintf(err, errlen, "%s %s: not a regular file", opt, name);
		return CLI_EXIT_IO;
	}
	if (ret < 0) {
		snprintf(err, errlen, "%s: cannot read %s: %s", opt, name, strerror(-ret));
		return CLI_EXIT_IO;
	}
	if (*len == 0) {
		snprintf(err, errlen, "%s %s: the file is empty", opt, name);
		return CLI_EXIT_DTLS;
	}
	return CLI_EXIT_OK;
}

static enum cli_exit add(struct cli_dtls *d, enum zcoap_tls_credential_type type,
			 const uint8_t *data, size_t len, const char *what, char *err,
			 size_t errlen)
{
	int ret = zcoap_tls_credential_add(CLI_DTLS_TAG, type, data, len);

	if (ret < 0) {
		snprintf(err, errlen, "cannot register the %s: %s", what, zcoap_dtls_strerror(ret));
		return CLI_EXIT_DTLS;
	}
	d->registered |= 1u << (unsigned int)type;
	return CLI_EXIT_OK;
}

enum cli_exit cli_dtls_setup(struct cli_dtls *d, const struct cli_config *cfg,
			     const struct cli_uri *uri, char *err, size_t errlen)
{
	enum cli_exit st;

	memset(d, 0, sizeof(*d));
	d->hostname = server_name(cfg, uri);
	d->verify = !cfg->no_verify;
	d->reconnect = cfg->observe;
	d->verbose = cfg->verbose > 0;
	d->certificates = cfg->psk_key == NULL || cfg->ca_file != NULL || cfg->cert_file != NULL;

	if (cfg->psk_key != NULL) {
		size_t n;

		if (cli_psk_decode(cfg->psk_key, NULL, &n) < 0) {
			snprintf(err, errlen, "-k: malformed key");
			return CLI_EXIT_USAGE;
		}
		d->psk = malloc(n);
		if (d->psk == NULL) {
			snprintf(err, errlen, "out of memory");
			return CLI_EXIT_IO;
		}
		(void)cli_psk_decode(cfg->psk_key, d->psk, &d->psk_len);
	}
	if (cfg->ca_file != NULL) {
		st = load("-C", cfg->ca_file, &d->ca, &d->ca_len, err, errlen);
		if (st != CLI_EXIT_OK) {
			return st;
		}
	}
	if (cfg->cert_file != NULL) {
		st = load("-c", cfg->cert_file, &d->cert, &d->cert_len, err, errlen);
		if (st != CLI_EXIT_OK) {
			return st;
		}
		if (cfg->key_file != NULL) {
			st = load("-j", cfg->key_file, &d->key, &d->key_len, err, errlen);
			if (st != CLI_EXIT_OK) {
				return st;
			}
		} else if (!is_pem(d->cert, d->cert_len) ||
			   strstr((const char *)d->cert, "PRIVATE KEY-----") == NULL) {
			/* As with libcoap's -c: one PEM file may hold the certificate and its key.
			 */
			snprintf(err, errlen,
				 "-c %s holds no private key: give the key file with -j KEYFILE",
				 cfg->cert_file);
			return CLI_EXIT_USAGE;
		}
	}

	d->session_file = cfg->session_file;
	if (d->session_file != NULL) {
		int ret = read_file(d->session_file, &d->session, &d->session_len);

		/* No file yet: the first run makes it. Any other problem: a full handshake. */
		if (ret < 0 && ret != -ENOENT) {
			fprintf(
			    stderr,
			    "zcoap: warning: --session %s: not read (%s); full DTLS handshake\n",
			    d->session_file, strerror(-ret));
		}
	}
	if (d->psk != NULL) {
		st = add(d, ZCOAP_TLS_CREDENTIAL_PSK, d->psk, d->psk_len, "pre-shared key", err,
			 errlen);
		if (st == CLI_EXIT_OK) {
			st = add(d, ZCOAP_TLS_CREDENTIAL_PSK_ID, (const uint8_t *)cfg->psk_identity,
				 strlen(cfg->psk_identity), "PSK identity", err, errlen);
		}
		if (st != CLI_EXIT_OK) {
			return st;
		}
	}
	if (d->ca != NULL) {
		st = add(d, ZCOAP_TLS_CREDENTIAL_CA_CERTIFICATE, d->ca, cred_len(d->ca, d->ca_len),
			 "CA certificate", err, errlen);
		if (st != CLI_EXIT_OK) {
			return st;
		}
	}
	if (d->cert != NULL) {
		const uint8_t *key = d->key != NULL ? d->key : d->cert;
		size_t key_len = d->key != NULL ? d->key_len : d->cert_len;

		st = add(d, ZCOAP_TLS_CREDENTIAL_PUBLIC_CERTIFICATE, d->cert,
			 cred_len(d->cert, d->cert_len), "client certificate", err, errlen);
		if (st == CLI_EXIT_OK) {
			st = add(d, ZCOAP_TLS_CREDENTIAL_PRIVATE_KEY, key, cred_len(key, key_len),
				 "private key", err, errlen);
		}
		if (st != CLI_EXIT_OK) {
			return st;
		}
	}
	return CLI_EXIT_OK;
}

/* -v: the reconnect steps (runs on the client's thread; it only prints). */
static void reconnect_event(int sock, const struct zcoap_dtls_event *ev, void *user)
{
	static const char *const names[] = {
	    "?", "session lost", "reconnecting", "attempt failed", "reconnected", "gave up"};
	unsigned int t = (unsigned int)ev->type < 6 ? (unsigned int)ev->type : 0;

	(void)sock;
	(void)user;
	fprintf(stderr, "zcoap: DTLS %s", names[t]);
	if (ev->attempt > 0) {
		fprintf(stderr, " (attempt %u)", ev->attempt);
	}
	if (ev->err != 0) {
		fprintf(stderr, ": %s", zcoap_strerror(ev->err));
	}
	fprintf(stderr, "%s\n",
		ev->type == ZCOAP_DTLS_EVENT_RECONNECTED
		    ? (ev->resumed ? ", resumed; observations registered again"
				   : ", full handshake; observations registered again")
		    : "");
}

int cli_dtls_connect(const struct cli_dtls *d, int sock, const struct sockaddr *peer,
		     socklen_t peerlen, uint32_t timeout_ms)
{
	static const zcoap_sec_tag_t tags[] = {CLI_DTLS_TAG};
	struct zcoap_dtls_config cfg;

	/* Zeroed: verification REQUIRED and the name checked unless said otherwise. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.sec_tags = tags;
	cfg.sec_tag_count = 1;
	cfg.hostname = d->hostname;
	cfg.peer_verify = d->verify ? ZCOAP_TLS_PEER_VERIFY_REQUIRED : ZCOAP_TLS_PEER_VERIFY_NONE;
	cfg.handshake_timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
	/* The library offers it only when it was saved for the same server name. */
	cfg.session = d->session;
	cfg.session_len = d->session != NULL ? d->session_len : 0;
	if (d->reconnect) {
		/* An observation survives a server restart (docs/design/dtls.md). */
		cfg.reconnect_attempts = 8;
		cfg.reconnect_delay_ms = 500;
		cfg.event_cb = d->verbose ? reconnect_event : NULL;
	}
	return zcoap_dtls_connect(sock, peer, peerlen, &cfg);
}

/* Write @p len bytes to a new file (mode 0600) next to @p name, then rename it over @p name. */
static int write_private(const char *name, const uint8_t *data, size_t len)
{
	char tmp[4096];
	int fd;
	int ret = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", name, (long)getpid()) >= sizeof(tmp)) {
		return -ENAMETOOLONG;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		return -errno;
	}
	while (len > 0 && ret == 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno != EINTR) {
			ret = -errno;
		} else if (n > 0) {
			data += n;
			len -= (size_t)n;
		}
	}
	if (close(fd) != 0 && ret == 0) {
		ret = -errno;
	}
	if (ret == 0 && rename(tmp, name) != 0) {
		ret = -errno;
	}
	if (ret < 0) {
		(void)unlink(tmp);
	}
	return ret;
}

void cli_dtls_session_store(const struct cli_dtls *d, int sock)
{
	size_t need = 0;
	uint8_t *buf;
	int ret;

	if (d->session_file == NULL) {
		return;
	}
	ret = zcoap_dtls_session_save(sock, NULL, &need);
	buf = ret == -EFBIG ? malloc(need) : NULL;
	if (buf != NULL) {
		ret = zcoap_dtls_session_save(sock, buf, &need);
		if (ret == 0) {
			ret = write_private(d->session_file, buf, need);
		}
		zcoap_dtls_session_clear(buf, need);
		free(buf);
	} else if (ret == -EFBIG) {
		ret = -ENOMEM;
	}
	if (ret < 0) {
		fprintf(stderr, "zcoap: warning: --session %s: session not saved: %s\n",
			d->session_file, strerror(-ret));
	}
}

/* Overwrite a secret in a way the compiler may not drop as a dead store. */
static void wipe(uint8_t *p, size_t len)
{
	volatile uint8_t *v = p;

	while (len-- > 0) {
		*v++ = 0;
	}
}

void cli_dtls_cleanup(struct cli_dtls *d)
{
	for (unsigned int type = 0; type < 8 * sizeof(d->registered); type++) {
		if (d->registered & (1u << type)) {
			(void)zcoap_tls_credential_delete(CLI_DTLS_TAG,
							  (enum zcoap_tls_credential_type)type);
		}
	}
	d->registered = 0;
	if (d->psk != NULL) {
		wipe(d->psk, d->psk_len);
	}
	if (d->key != NULL) {
		wipe(d->key, d->key_len);
	}
	if (d->cert != NULL) {
		/* it may hold the private key too (-c without -j) */
		wipe(d->cert, d->cert_len);
	}
	if (d->session != NULL) {
		/* a saved session holds its master secret */
		zcoap_dtls_session_clear(d->session, d->session_len);
		free(d->session);
		d->session = NULL;
		d->session_len = 0;
	}
	free(d->psk);
	free(d->ca);
	free(d->cert);
	free(d->key);
	d->psk = d->ca = d->cert = d->key = NULL;
	d->psk_len = d->ca_len = d->cert_len = d->key_len = 0;
}

/* Cipher suites the servers we meet choose, by IANA number (TLS Cipher Suites registry). */
static const struct {
	int id;
	const char *name;
} suites[] = {
    {0xC0A8, "TLS_PSK_WITH_AES_128_CCM_8"},
    {0xC0A9, "TLS_PSK_WITH_AES_256_CCM_8"},
    {0xC0A4, "TLS_PSK_WITH_AES_128_CCM"},
    {0xC0A5, "TLS_PSK_WITH_AES_256_CCM"},
    {0x00A8, "TLS_PSK_WITH_AES_128_GCM_SHA256"},
    {0x00A9, "TLS_PSK_WITH_AES_256_GCM_SHA384"},
    {0x00AE, "TLS_PSK_WITH_AES_128_CBC_SHA256"},
    {0x00AF, "TLS_PSK_WITH_AES_256_CBC_SHA384"},
    {0x00AA, "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256"},
    {0x00AB, "TLS_DHE_PSK_WITH_AES_256_GCM_SHA384"},
    {0xC037, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256"},
    {0xC038, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384"},
    {0xCCAB, "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256"},
    {0xCCAC, "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256"},
    {0xCCAD, "TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256"},
    {0xC0AE, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8"},
    {0xC0AF, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8"},
    {0xC0AC, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM"},
    {0xC0AD, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM"},
    {0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
    {0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
    {0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"},
    {0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"},
    {0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
    {0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
    {0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"},
    {0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"},
    {0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"},
    {0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"},
    {0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
};

const char *cli_dtls_suite_name(int suite)
{
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		if (suites[i].id == suite) {
			return suites[i].name;
		}
	}
	return NULL;
}

const char *cli_errno_name(int err)
{
	switch (err < 0 ? -err : err) {
	case ETIMEDOUT:
		return "ETIMEDOUT";
	case ECONNREFUSED:
		return "ECONNREFUSED";
	case ECONNRESET:
		return "ECONNRESET";
	case ECONNABORTED:
		return "ECONNABORTED";
	case EACCES:
		return "EACCES";
#ifdef EKEYREJECTED
	case EKEYREJECTED:
		return "EKEYREJECTED";
#endif
#ifdef EKEYEXPIRED
	case EKEYEXPIRED:
		return "EKEYEXPIRED";
#endif
	case EPROTO:
		return "EPROTO";
	case ENOTCONN:
		return "ENOTCONN";
	case ENOTSUP:
		return "ENOTSUP";
	case EINVAL:
		return "EINVAL";
	case ENOENT:
		return "ENOENT";
	case ENOBUFS:
		return "ENOBUFS";
	case ENOMEM:
		return "ENOMEM";
	case EMSGSIZE:
		return "EMSGSIZE";
	case EIO:
		return "EIO";
	case ENETUNREACH:
		return "ENETUNREACH";
	case EHOSTUNREACH:
		return "EHOSTUNREACH";
	case EAFNOSUPPORT:
		return "EAFNOSUPPORT";
	default:
		return NULL;
	}
}
