/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * mbedtls_tls.c -- TLS 1.2 over a connected TCP socket with Mbed TLS, for
 * CoAP over TLS (RFC 8323 §4.1: ALPN "coap"). The credentials come from the
 * security-tag store shared with DTLS (src/transport/dtls/credentials.c);
 * certificates are verified unless the configuration sets
 * ZCOAP_TLS_PEER_VERIFY_NONE; with only a PSK, only PSK suites are offered.
 * Sessions live in a fixed table; Mbed TLS allocates its record buffers and
 * parsed certificates itself, as for DTLS. Each failure leaves its sentence
 * (the DTLS mapping, transport/dtls/mbedtls_diag.h) in the session, or in the
 * caller's buffer when the session is freed at once (zc_tls_open()).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/version.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/platform.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ciphersuites.h>
#include <mbedtls/x509_crt.h>

#include "coap_client.h"
#include "port/port.h"
#include "transport/dtls/credentials.h"
#include "transport/dtls/mbedtls_diag.h"
#include "transport/tls/tls.h"
#include "zcoap_config.h"

#define MAX_SUITES 64

struct zc_tls {
	bool used;
	int fd;
	int sock_err;        /* errno of the last failed send/recv */
	int error;           /* the session's failure (negative errno), 0 if none */
	bool have_own;       /* our own certificate is configured */
	uint32_t timeout_ms; /* of the handshake */
	char hostname[256];  /* the name checked ("" none), for the sentences */
	bool nonblock;       /* a handshake stepped by an event loop: the socket does not block */
	int64_t deadline;    /* of the handshake */
	mbedtls_ssl_context ssl;
	mbedtls_ssl_config conf;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_x509_crt ca;
	mbedtls_x509_crt own;
	mbedtls_pk_context key;
	int suites[MAX_SUITES + 1];
	char why[ZC_TLS_WHY_LEN]; /* the failure's sentence ("" none) */
};

static struct zc_tls sessions[ZCOAP_CONFIG_TCP_TLS_SESSIONS];
static struct zc_port_static_mutex table_lock = ZC_PORT_STATIC_MUTEX_INIT;

static const char *alpn[] = {"coap", NULL};

static int entropy(void *ctx, unsigned char *out, size_t len)
{
	(void)ctx;
	return zc_port_random(out, len) == 0 ? 0 : MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
}

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct zc_tls *t = ctx;
	ssize_t n;

	do {
		n = send(t->fd, buf, len, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n >= 0) {
		return (int)n;
	}
	if ((errno == EAGAIN || errno == EWOULDBLOCK) && t->nonblock) {
		return MBEDTLS_ERR_SSL_WANT_WRITE; /* the loop waits for writability */
	}
	/* The socket blocks with a send timeout (SO_SNDTIMEO): EAGAIN is that timeout. */
	t->sock_err = errno == EAGAIN || errno == EWOULDBLOCK ? ETIMEDOUT : errno;
	return MBEDTLS_ERR_NET_SEND_FAILED;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct zc_tls *t = ctx;
	ssize_t n;

	do {
		n = recv(t->fd, buf, len, MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n >= 0) {
		return (int)n; /* 0: end of stream */
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK) {
		return MBEDTLS_ERR_SSL_WANT_READ;
	}
	t->sock_err = errno;
	return MBEDTLS_ERR_NET_RECV_FAILED;
}

/* The handshake's reads: wait for data until the handshake's deadline. */
static int bio_recv_timeout(void *ctx, unsigned char *buf, size_t len, uint32_t timeout)
{
	struct zc_tls *t = ctx;

	(void)timeout;
	for (;;) {
		struct zc_port_pollfd p = {.fd = t->fd, .events = ZC_PORT_POLL_IN};
		int64_t left = t->deadline - zc_port_now_ms();
		int r;

		if (left <= 0) {
			return MBEDTLS_ERR_SSL_TIMEOUT;
		}
		r = zc_port_poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (r == 0 || r == -EINTR) {
			continue;
		}
		r = bio_recv(ctx, buf, len);
		if (r != MBEDTLS_ERR_SSL_WANT_READ) {
			return r;
		}
	}
}

static bool looks_pem(const uint8_t *d, size_t len)
{
	static const char begin[] = "-----BEGIN ";

	while (len > 0 && (*d == ' ' || *d == '\t' || *d == '\r' || *d == '\n')) {
		d++;
		len--;
	}
	return len >= sizeof(begin) - 1 && memcmp(d, begin, sizeof(begin) - 1) == 0;
}

/* A certificate (into @p crt) or a key (into @p pk); PEM without its NUL gets a terminated copy. */
static int parse_blob(const struct zc_credential *c, mbedtls_x509_crt *crt, mbedtls_pk_context *pk)
{
	const unsigned char *buf = c->data;
	unsigned char *copy = NULL;
	size_t len = c->len;
	int ret;

	if (len == 0) {
		return -EINVAL;
	}
	if (looks_pem(c->data, c->len) && c->data[c->len - 1] != '\0') {
		copy = mbedtls_calloc(1, c->len + 1);
		if (copy == NULL) {
			return -ENOMEM;
		}
		memcpy(copy, c->data, c->len);
		buf = copy;
		len = c->len + 1;
	}
	if (crt != NULL) {
		ret = mbedtls_x509_crt_parse(crt, buf, len);
	} else {
#if MBEDTLS_VERSION_MAJOR >= 3
		ret = mbedtls_pk_parse_key(pk, buf, len, NULL, 0, mbedtls_ctr_drbg_random, NULL);
#else
		ret = mbedtls_pk_parse_key(pk, buf, len, NULL, 0);
#endif
	}
	if (copy != NULL) {
		mbedtls_platform_zeroize(copy, len);
		mbedtls_free(copy);
	}
	return ret == 0 ? 0 : -EINVAL;
}

/* Credentials of the tags: every CA; certificate + key and PSK + identity from the first tag. */
static int load_credentials(struct zc_tls *t, const struct zcoap_dtls_config *cfg, bool *have_ca,
			    bool *have_own, bool *have_psk, char *why, size_t n)
{
	const struct zc_credential *cert = NULL;
	const struct zc_credential *key = NULL;
	const struct zc_credential *psk = NULL;
	const struct zc_credential *psk_id = NULL;
	int rc = 0;

	*have_ca = *have_own = *have_psk = false;
	zc_credentials_lock();
	for (size_t i = 0; i < cfg->sec_tag_count && rc == 0; i++) {
		zcoap_sec_tag_t tag = cfg->sec_tags[i];
		const struct zc_credential *c = zc_credential_next(tag, NULL);

		if (c == NULL) {
			snprintf(why, n, "security tag %ld has no credentials", (long)tag);
			rc = -ENOENT;
		}
		for (; c != NULL && rc == 0; c = zc_credential_next(tag, c)) {
			if (c->type == ZCOAP_TLS_CREDENTIAL_CA_CERTIFICATE) {
				rc = parse_blob(c, &t->ca, NULL);
				*have_ca = true;
				if (rc != 0) {
					snprintf(
					    why, n,
					    "the CA certificate of security tag %ld does not parse",
					    (long)tag);
				}
			}
		}
		if (cert == NULL && key == NULL) {
			cert = zc_credential_find(tag, ZCOAP_TLS_CREDENTIAL_PUBLIC_CERTIFICATE);
			key = zc_credential_find(tag, ZCOAP_TLS_CREDENTIAL_PRIVATE_KEY);
		}
		if (psk == NULL && psk_id == NULL) {
			psk = zc_credential_find(tag, ZCOAP_TLS_CREDENTIAL_PSK);
			psk_id = zc_credential_find(tag, ZCOAP_TLS_CREDENTIAL_PSK_ID);
		}
	}
	if (rc == 0 && ((cert == NULL) != (key == NULL) || (psk == NULL) != (psk_id == NULL))) {
		rc = -EINVAL; /* half a pair */
		snprintf(why, n,
			 "a certificate without its private key (or the reverse), or a pre-shared "
			 "key without its identity (or the reverse)");
	}
	if (rc == 0 && cert != NULL) {
		rc = parse_blob(cert, &t->own, NULL);
		if (rc == 0) {
			rc = parse_blob(key, NULL, &t->key);
		}
		if (rc == 0 && mbedtls_ssl_conf_own_cert(&t->conf, &t->own, &t->key) != 0) {
			rc = -EINVAL;
		}
		*have_own = rc == 0;
		if (rc != 0) {
			snprintf(why, n, "our certificate or private key does not parse or match");
		}
	}
	if (rc == 0 && psk != NULL) {
		size_t id_len = psk_id->len;

		if (id_len > 1 && psk_id->data[id_len - 1] == '\0') {
			id_len--; /* a C string with its NUL counted */
		}
		if (mbedtls_ssl_conf_psk(&t->conf, psk->data, psk->len, psk_id->data, id_len) !=
		    0) {
			rc = -EINVAL;
			snprintf(why, n, "the pre-shared key or its identity is not usable");
		}
		*have_psk = rc == 0;
	}
	zc_credentials_unlock();
	return rc;
}

/* Only PSK suites (with only a PSK there is nothing to verify a certificate with). */
static void psk_suites(struct zc_tls *t)
{
	const int *all = mbedtls_ssl_list_ciphersuites();
	size_t n = 0;

	for (size_t i = 0; all[i] != 0 && n < MAX_SUITES; i++) {
		const mbedtls_ssl_ciphersuite_t *s = mbedtls_ssl_ciphersuite_from_id(all[i]);

		if (s != NULL && (s->key_exchange == MBEDTLS_KEY_EXCHANGE_PSK ||
				  s->key_exchange == MBEDTLS_KEY_EXCHANGE_ECDHE_PSK ||
				  s->key_exchange == MBEDTLS_KEY_EXCHANGE_DHE_PSK)) {
			t->suites[n++] = all[i];
		}
	}
	t->suites[n] = 0;
	mbedtls_ssl_conf_ciphersuites(&t->conf, t->suites);
}

static struct zc_mbed_diag facts(const struct zc_tls *t)
{
	struct zc_mbed_diag d = {
	    .ssl = &t->ssl, .proto = "TLS", .io_errno = t->sock_err, .have_own = t->have_own};

	return d;
}

/*
 * The server ended the connection (FIN or RST) during the handshake. Right
 * after our Finished of a PSK suite that is how OpenSSL and GnuTLS servers
 * refuse a key they cannot verify the Finished with.
 */
static void closed_in_handshake(const struct zc_tls *t, const char *how, char *why, size_t n)
{
	if (zc_dtls_awaits_server_finished(&t->ssl) &&
	    zc_dtls_suite_is_psk(zc_mbed_negotiating_suite(&t->ssl))) {
		snprintf(why, n,
			 "the server %s the connection after our Finished message: the "
			 "pre-shared key or identity does not match the server's",
			 how);
	} else {
		snprintf(why, n, "the server %s the connection during the TLS handshake", how);
	}
}

/* A failed handshake: our errno (docs/errors.md, TLS handshake) and its sentence in t->why. */
static int handshake_error(struct zc_tls *t, int ret)
{
	struct zc_mbed_diag d = facts(t);
	char *why = t->why;
	size_t n = sizeof(t->why);
	uint32_t flags;
	int err;

	switch (ret) {
	case MBEDTLS_ERR_SSL_TIMEOUT:
		snprintf(why, n, "no TLS handshake within %u ms (handshake_timeout_ms)",
			 (unsigned int)t->timeout_ms);
		err = -ETIMEDOUT;
		break;
	case MBEDTLS_ERR_X509_CERT_VERIFY_FAILED:
		(void)zc_mbed_handshake_error(&d, ret, t->hostname, why, n);
		flags = mbedtls_ssl_get_verify_result(&t->ssl);
		err = (flags & (MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE)) != 0
			  ? -EKEYEXPIRED
			  : -EKEYREJECTED;
		break;
	case MBEDTLS_ERR_SSL_INVALID_MAC:
		/* PSK mismatch: the server's Finished does not verify */
		snprintf(why, n,
			 "the server's Finished message does not verify: the pre-shared key or "
			 "identity does not match the server's");
		err = -EACCES;
		break;
	case MBEDTLS_ERR_SSL_CONN_EOF:
		closed_in_handshake(t, "closed", why, n);
		err = -ECONNRESET;
		break;
	case MBEDTLS_ERR_NET_CONN_RESET:
		closed_in_handshake(t, "reset", why, n);
		err = -ECONNRESET;
		break;
	case MBEDTLS_ERR_NET_SEND_FAILED:
	case MBEDTLS_ERR_NET_RECV_FAILED:
		if (t->sock_err == ECONNRESET || t->sock_err == EPIPE) {
			closed_in_handshake(t, "reset", why, n);
		} else {
			(void)zc_mbed_handshake_error(&d, ret, t->hostname, why, n);
		}
		err = t->sock_err != 0 ? -t->sock_err : -EIO;
		break;
	default:
		/* a fatal alert, a malformed message: the errno stays ours */
		(void)zc_mbed_handshake_error(&d, ret, t->hostname, why, n);
		err = -ECONNABORTED;
		break;
	}
	t->error = err;
	return err;
}

static void session_free(struct zc_tls *t)
{
	mbedtls_ssl_free(&t->ssl);
	mbedtls_ssl_config_free(&t->conf);
	mbedtls_ctr_drbg_free(&t->drbg);
	mbedtls_x509_crt_free(&t->ca);
	mbedtls_x509_crt_free(&t->own);
	mbedtls_pk_free(&t->key);
	zc_port_static_mutex_lock(&table_lock);
	t->used = false;
	zc_port_static_mutex_unlock(&table_lock);
}

static int setup(struct zc_tls *t, const struct zcoap_dtls_config *cfg, char *why, size_t n)
{
	static const unsigned char pers[] = "zcoap-tls";
	bool have_ca;
	bool have_own;
	bool have_psk;
	bool verify = cfg->peer_verify == ZCOAP_TLS_PEER_VERIFY_REQUIRED;
	int rc;

	if (mbedtls_ctr_drbg_seed(&t->drbg, entropy, NULL, pers, sizeof(pers) - 1) != 0 ||
	    mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_CLIENT,
					MBEDTLS_SSL_TRANSPORT_STREAM,
					MBEDTLS_SSL_PRESET_DEFAULT) != 0) {
		snprintf(why, n, "Mbed TLS could not set up the TLS configuration");
		return -ENOMEM;
	}
	mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &t->drbg);
	mbedtls_ssl_conf_min_version(&t->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
				     MBEDTLS_SSL_MINOR_VERSION_3);
	if (mbedtls_ssl_conf_alpn_protocols(&t->conf, alpn) != 0) {
		snprintf(why, n, "this Mbed TLS cannot offer ALPN \"coap\"");
		return -EINVAL;
	}
	rc = load_credentials(t, cfg, &have_ca, &have_own, &have_psk, why, n);
	if (rc != 0) {
		return rc;
	}
	if (have_psk && !have_ca) {
		psk_suites(t);
	} else if (verify && !have_ca) {
		/* nothing to verify the server's certificate with */
		snprintf(why, n, "no CA certificate to verify the server's certificate with");
		return -EINVAL;
	}
	if (verify && have_ca && cfg->hostname == NULL && !cfg->skip_hostname_check) {
		/* a verified certificate needs a name to check */
		snprintf(why, n, "no host name to check the server's certificate against");
		return -EINVAL;
	}
	mbedtls_ssl_conf_authmode(&t->conf, verify && have_ca ? MBEDTLS_SSL_VERIFY_REQUIRED
							      : MBEDTLS_SSL_VERIFY_NONE);
	if (have_ca) {
		mbedtls_ssl_conf_ca_chain(&t->conf, &t->ca, NULL);
	}
	t->have_own = have_own;
	if (mbedtls_ssl_setup(&t->ssl, &t->conf) != 0) {
		snprintf(why, n, "Mbed TLS could not allocate the TLS session");
		return -ENOMEM;
	}
	if (cfg->hostname != NULL && !cfg->skip_hostname_check &&
	    mbedtls_ssl_set_hostname(&t->ssl, cfg->hostname) != 0) {
		snprintf(why, n, "the host name '%s' is not usable", cfg->hostname);
		return -EINVAL;
	}
	return 0;
}

/* A free session with its configuration set up (no I/O yet); *timeout is the handshake's. */
static int session_new(int fd, const struct zcoap_dtls_config *cfg, struct zc_tls **out,
		       uint32_t *timeout, char *why, size_t n)
{
	struct zc_tls *t = NULL;
	int rc;

	*out = NULL;
	if (why != NULL && n > 0) {
		why[0] = '\0';
	}
	if (cfg == NULL || cfg->sec_tags == NULL || cfg->sec_tag_count == 0 ||
	    cfg->sec_tag_count > ZCOAP_DTLS_MAX_SEC_TAGS ||
	    (cfg->peer_verify != ZCOAP_TLS_PEER_VERIFY_REQUIRED &&
	     cfg->peer_verify != ZCOAP_TLS_PEER_VERIFY_NONE)) {
		snprintf(why, n,
			 "invalid TLS configuration (no or too many security tags, or "
			 "an unknown peer_verify)");
		return -EINVAL;
	}
	zc_port_static_mutex_lock(&table_lock);
	for (size_t i = 0; i < ZCOAP_CONFIG_TCP_TLS_SESSIONS; i++) {
		if (!sessions[i].used) {
			t = &sessions[i];
			t->used = true;
			break;
		}
	}
	zc_port_static_mutex_unlock(&table_lock);
	if (t == NULL) {
		snprintf(why, n, "all %d TLS sessions (ZCOAP_CONFIG_TCP_TLS_SESSIONS) are in use",
			 (int)ZCOAP_CONFIG_TCP_TLS_SESSIONS);
		return -EAGAIN;
	}
	t->fd = fd;
	t->sock_err = 0;
	t->error = 0;
	t->have_own = false;
	t->why[0] = '\0';
	t->nonblock = false;
	mbedtls_ssl_init(&t->ssl);
	mbedtls_ssl_config_init(&t->conf);
	mbedtls_ctr_drbg_init(&t->drbg);
	mbedtls_x509_crt_init(&t->ca);
	mbedtls_x509_crt_init(&t->own);
	mbedtls_pk_init(&t->key);
	rc = setup(t, cfg, why, n);
	if (rc != 0) {
		session_free(t);
		return rc;
	}
	*timeout = cfg->handshake_timeout_ms != 0 ? cfg->handshake_timeout_ms
						  : ZCOAP_DTLS_HANDSHAKE_TIMEOUT_MS;
	t->timeout_ms = *timeout;
	snprintf(t->hostname, sizeof(t->hostname), "%s",
		 cfg->hostname != NULL && !cfg->skip_hostname_check ? cfg->hostname : "");
	mbedtls_ssl_conf_read_timeout(&t->conf, *timeout);
	*out = t;
	return 0;
}

int zc_tls_open(int fd, const struct zcoap_dtls_config *cfg, struct zc_tls **out, char *why,
		size_t n)
{
	struct zc_tls *t;
	uint32_t timeout;
	int ret;
	int rc = session_new(fd, cfg, &t, &timeout, why, n);

	if (rc != 0) {
		return rc;
	}
	t->deadline = zc_port_now_ms() + timeout;
	mbedtls_ssl_set_bio(&t->ssl, t, bio_send, bio_recv, bio_recv_timeout);
	do {
		ret = mbedtls_ssl_handshake(&t->ssl);
	} while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);
	if (ret != 0) {
		rc = handshake_error(t, ret);
		snprintf(why, n, "%s", t->why);
		session_free(t);
		return rc;
	}
	/* From now on the client's thread reads without blocking, after poll(). */
	mbedtls_ssl_set_bio(&t->ssl, t, bio_send, bio_recv, NULL);
	*out = t;
	return 0;
}

int zc_tls_start(int fd, const struct zcoap_dtls_config *cfg, struct zc_tls **out,
		 uint32_t *timeout_ms, char *why, size_t n)
{
	int rc = session_new(fd, cfg, out, timeout_ms, why, n);

	if (rc != 0) {
		return rc;
	}
	/* Only non-blocking calls: every read and write may say "later". */
	(*out)->nonblock = true;
	mbedtls_ssl_set_bio(&(*out)->ssl, *out, bio_send, bio_recv, NULL);
	return 0;
}

int zc_tls_handshake_step(struct zc_tls *t, bool *want_write)
{
	int ret = mbedtls_ssl_handshake(&t->ssl);

	*want_write = false;
	if (ret == MBEDTLS_ERR_SSL_WANT_READ) {
		return -EAGAIN;
	}
	if (ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
		*want_write = true;
		return -EAGAIN;
	}
	if (ret != 0) {
		return handshake_error(t, ret);
	}
	/* Done: the socket blocks again (writes bounded by SO_SNDTIMEO, as in thread mode). */
	t->nonblock = false;
	return 0;
}

int zc_tls_send(struct zc_tls *t, const uint8_t *buf, size_t len)
{
	/*
	 * A session that failed stays failed, with its first cause: what the
	 * client does next (its own shutdown()) must not be reported as the
	 * server's doing (zcoap_client_tcp_last_error()).
	 */
	if (t->error != 0) {
		return t->error;
	}
	while (len > 0) {
		int n = mbedtls_ssl_write(&t->ssl, buf, len);

		if (n == MBEDTLS_ERR_SSL_WANT_WRITE || n == MBEDTLS_ERR_SSL_WANT_READ) {
			continue;
		}
		if (n < 0) {
			struct zc_mbed_diag d = facts(t);

			t->error = n == MBEDTLS_ERR_NET_SEND_FAILED && t->sock_err != 0
				       ? -t->sock_err
				       : -EIO;
			if (t->error == -EPIPE || t->error == -ECONNRESET) {
				snprintf(t->why, sizeof(t->why),
					 "the server closed or reset the connection: a TLS write "
					 "failed (%s)",
					 zcoap_strerror(t->error));
			} else if (t->error == -ETIMEDOUT) {
				snprintf(t->why, sizeof(t->why),
					 "a TLS write timed out: the server does not read");
			} else {
				(void)zc_mbed_session_error(&d, n, t->why, sizeof(t->why));
			}
			return t->error;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

long zc_tls_recv(struct zc_tls *t, uint8_t *buf, size_t cap)
{
	int n;
	struct zc_mbed_diag d;

	if (t->error != 0) {
		return t->error; /* failed already: keep the first cause (zc_tls_send()) */
	}
	n = mbedtls_ssl_read(&t->ssl, buf, cap);
	d = facts(t);

	if (n > 0) {
		return n;
	}
	switch (n) {
	case MBEDTLS_ERR_SSL_WANT_READ:
	case MBEDTLS_ERR_SSL_WANT_WRITE:
		return -EAGAIN;
	case 0:
	case MBEDTLS_ERR_SSL_CONN_EOF:
		snprintf(t->why, sizeof(t->why),
			 "the server closed the connection without ending the TLS session "
			 "(no close_notify)");
		t->error = -ECONNRESET;
		break;
	case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
		(void)zc_mbed_session_error(&d, n, t->why, sizeof(t->why));
		t->error = -ECONNRESET;
		break;
	case MBEDTLS_ERR_NET_RECV_FAILED:
		if (t->sock_err == ECONNRESET) {
			snprintf(t->why, sizeof(t->why),
				 "the server reset the connection without ending the TLS session "
				 "(no close_notify)");
		} else {
			(void)zc_mbed_session_error(&d, n, t->why, sizeof(t->why));
		}
		t->error = t->sock_err != 0 ? -t->sock_err : -EIO;
		break;
	case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE:
		(void)zc_mbed_session_error(&d, n, t->why, sizeof(t->why));
		t->error = -ECONNABORTED;
		break;
	default: {
		/* a record that does not authenticate, or a malformed one */
		char text[160];

		(void)zc_mbed_session_error(&d, n, text, sizeof(text));
		snprintf(t->why, sizeof(t->why), "bad TLS record from the server: %s", text);
		t->error = -EBADMSG;
		break;
	}
	}
	return t->error;
}

int zc_tls_last_error(const struct zc_tls *t, char *buf, size_t n)
{
	if (buf != NULL && n > 0) {
		snprintf(buf, n, "%s", t != NULL && t->error != 0 ? t->why : "");
	}
	return t != NULL ? t->error : 0;
}

bool zc_tls_pending(const struct zc_tls *t)
{
	return mbedtls_ssl_get_bytes_avail(&t->ssl) > 0;
}

void zc_tls_close(struct zc_tls *t)
{
	if (t == NULL) {
		return;
	}
	(void)mbedtls_ssl_close_notify(&t->ssl);
	session_free(t);
}

void zc_tls_errno_text(const char *what, int err, char *why, size_t n)
{
	snprintf(why, n, "%s: %s", what, zcoap_strerror(err));
}
