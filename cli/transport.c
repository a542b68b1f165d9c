/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * transport.c -- where the zcoap tool's request goes: name resolution, the
 * UDP socket of each address tried, and for coaps:// the DTLS session on
 * it (handshake, failures, close).
 *
 * coaps:// (RFC 7252 §9): the DTLS handshake runs in the main thread inside
 * zcoap_dtls_connect() before the request, as connect() does on a Zephyr
 * DTLS socket; the client then uses the socket like any other, and the
 * datagram trace still shows the plaintext CoAP messages. The credentials
 * are dtls.c's.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "cli.h"
#include "zcoap_dtls.h"

enum cli_exit cli_resolve(const struct cli_uri *uri, struct cli_output *out, struct addrinfo **ais)
{
	struct addrinfo hints;
	const struct addrinfo *ai;
	char portstr[8];
	char hostbuf[CLI_HOST_MAX_LEN + CLI_ZONE_MAX_LEN + 2];
	int ret;

	*ais = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_protocol = IPPROTO_UDP;
	hints.ai_family = AF_UNSPEC;
	snprintf(portstr, sizeof(portstr), "%u", uri->port);
	if (uri->host_type == CLI_HOST_NAME) {
		snprintf(hostbuf, sizeof(hostbuf), "%s", uri->host);
	} else {
		hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
		hints.ai_family = uri->host_type == CLI_HOST_IPV4 ? AF_INET : AF_INET6;
		snprintf(hostbuf, sizeof(hostbuf), "%s", uri->host);
	}
	ret = getaddrinfo(hostbuf, portstr, &hints, ais);
	if (ret != 0) {
		char msg[CLI_HOST_MAX_LEN + 128];

		snprintf(msg, sizeof(msg), "cannot resolve %s: %s", hostbuf,
			 ret == EAI_SYSTEM ? strerror(errno) : gai_strerror(ret));
		fprintf(stderr, "zcoap: %s\n", msg);
		cli_output_error(out, "io", -ENOENT, msg, 0);
		*ais = NULL;
		return CLI_EXIT_IO;
	}
	if (uri->zone[0] != '\0') {
		/*
		 * The zone names the interface of a link-local address
		 * (RFC 4007 §11); glibc's getaddrinfo() takes zones only for
		 * some scopes, so it is applied here to every result.
		 */
		unsigned long idx;
		char *end;

		errno = 0;
		idx = strtoul(uri->zone, &end, 10);
		if (*end != '\0' || errno != 0 || idx == 0 || idx > UINT32_MAX) {
			idx = if_nametoindex(uri->zone);
		}
		if (idx == 0) {
			char msg[CLI_ZONE_MAX_LEN + 64];

			snprintf(msg, sizeof(msg),
				 "unknown network interface \"%s\" in the IPv6 zone", uri->zone);
			fprintf(stderr, "zcoap: %s\n", msg);
			cli_output_error(out, "io", -ENODEV, msg, 0);
			freeaddrinfo(*ais);
			*ais = NULL;
			return CLI_EXIT_IO;
		}
		for (ai = *ais; ai != NULL; ai = ai->ai_next) {
			if (ai->ai_family == AF_INET6) {
				((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_scope_id =
				    (uint32_t)idx;
			}
		}
	}
	return CLI_EXIT_OK;
}

void cli_describe_addr(const struct addrinfo *ai, char *buf, size_t size)
{
	cli_describe_sockaddr(ai->ai_addr, ai->ai_addrlen, buf, size);
}

void cli_describe_sockaddr(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
	char host[NI_MAXHOST];
	char serv[NI_MAXSERV];

	if (sa == NULL || getnameinfo(sa, len, host, sizeof(host), serv, sizeof(serv),
				      NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(buf, size, "?");
		return;
	}
	snprintf(buf, size, sa->sa_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, serv);
}

bool cli_addr_is_group(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)sa;

		return IN_MULTICAST(ntohl(sin->sin_addr.s_addr));
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)(const void *)sa;

		return IN6_IS_ADDR_MULTICAST(&sin6->sin6_addr);
	}
	return false;
}

uint32_t cli_multicast_window_ms(const struct cli_config *cfg)
{
	double ms = cfg->give_up_s * 1000.0;

	if (!cfg->give_up_given) {
		return CLI_MULTICAST_WINDOW_MS;
	}
	return ms < 1.0 ? 1u : ms > 4000000000.0 ? 4000000000u : (uint32_t)ms;
}

/*
 * A group: the socket stays unconnected (a socket connected to a group
 * hears nothing from the responders' unicast addresses) and -I, when
 * given, chooses the interface the request leaves on.
 */
static int group_socket_setup(int fd, const struct addrinfo *ai, const struct cli_config *cfg)
{
	if (cfg->ifindex == 0) {
		return 0;
	}
	if (ai->ai_family == AF_INET) {
		struct ip_mreqn mreq;

		memset(&mreq, 0, sizeof(mreq));
		mreq.imr_ifindex = (int)cfg->ifindex;
		return setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq, sizeof(mreq)) < 0 ? -errno
											    : 0;
	} else {
		int idx = (int)cfg->ifindex;

		return setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &idx, sizeof(idx)) < 0
			   ? -errno
			   : 0;
	}
}

/*
 * -a/-p: bind @p fd to the local address and port of the command line, in
 * the family of @p ai. Returns 0, -EAFNOSUPPORT when -a is of the other
 * family, or the -errno of bind().
 */
static int bind_local(int fd, const struct addrinfo *ai, const struct cli_config *cfg)
{
	struct sockaddr_storage ss;
	socklen_t len;

	memset(&ss, 0, sizeof(ss));
	if (ai->ai_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)(void *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(cfg->local_port);
		if (cfg->local_addr != NULL &&
		    inet_pton(AF_INET, cfg->local_addr, &sin->sin_addr) != 1) {
			return -EAFNOSUPPORT;
		}
		len = sizeof(*sin);
	} else if (ai->ai_family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)(void *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(cfg->local_port);
		if (cfg->local_addr != NULL &&
		    inet_pton(AF_INET6, cfg->local_addr, &sin6->sin6_addr) != 1) {
			return -EAFNOSUPPORT;
		}
		/* a link-local source needs the interface of the destination */
		sin6->sin6_scope_id =
		    ((const struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_scope_id;
		len = sizeof(*sin6);
	} else {
		return -EAFNOSUPPORT;
	}
	return bind(fd, (struct sockaddr *)&ss, len) < 0 ? -errno : 0;
}

/* A UDP socket; connected to @p ai unless @p secure (zcoap_dtls_connect() connects it). */
int cli_socket_open(const struct addrinfo *ai, bool secure, const struct cli_config *cfg,
		    bool *bind_failed)
{
	int fd = socket(ai->ai_family, SOCK_DGRAM, IPPROTO_UDP);
	int ret;

	*bind_failed = false;
	if (fd < 0) {
		return -errno;
	}
	if (cfg->local_addr != NULL || cfg->local_port != 0) {
		ret = bind_local(fd, ai, cfg);
		if (ret < 0) {
			close(fd);
			*bind_failed = true;
			return ret;
		}
	}
	if (secure) {
		return fd;
	}
	if (cli_addr_is_group(ai->ai_addr)) {
		ret = group_socket_setup(fd, ai, cfg);
		if (ret < 0) {
			close(fd);
			return ret;
		}
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

void cli_describe_local(int sock, char *buf, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[NI_MAXHOST];
	char serv[NI_MAXSERV];

	if (getsockname(sock, (struct sockaddr *)&ss, &len) != 0 ||
	    getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), serv, sizeof(serv),
			NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(buf, size, "?");
		return;
	}
	snprintf(buf, size, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, serv);
}

/* Close a request socket; a DTLS one sends close_notify and wipes its session first. */
void cli_socket_close(int sock, bool secure)
{
	if (secure) {
		(void)zcoap_dtls_close(sock);
	} else {
		close(sock);
	}
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
	cli_stop_signals(false);
	ret = cli_dtls_connect(d, sock, ai->ai_addr, ai->ai_addrlen, (uint32_t)timeout);
	cli_stop_signals(true);
	if (ret == 0 && cfg->verbose > 0) {
		int suite = zcoap_dtls_ciphersuite(sock);
		const char *name = cli_dtls_suite_name(suite);
		struct zcoap_dtls_handshake_info info = {0};

		(void)zcoap_dtls_handshake_info(sock, &info);
		fprintf(
		    stderr, "zcoap: DTLS 1.2 session with %s: cipher suite %s (0x%04X), %s%s\n",
		    where, name != NULL ? name : "unnamed", suite > 0 ? (unsigned int)suite : 0u,
		    info.resumed ? "resumed" : "full handshake",
		    !d->verify && d->certificates ? ", server certificate NOT verified (-n)" : "");
	}
	if (ret == 0) {
		cli_dtls_session_store(d, sock); /* --session */
	}
	return ret;
}

/*
 * The library names a credential it cannot use by its security tag ("CA
 * certificate of tag 1 cannot be parsed"); the user knows files. Word the
 * messages of the credential kinds the command line registers after the
 * file that holds each; any other text is kept as it is.
 */
static void credential_message(const struct cli_config *cfg, char *why, size_t size)
{
	const char *key_file = cfg->key_file != NULL ? cfg->key_file : cfg->cert_file;

	if (strncmp(why, "CA certificate of tag", 21) == 0 && cfg->ca_file != NULL) {
		snprintf(why, size,
			 "cannot parse CA file %s (-C): PEM or DER certificates expected",
			 cfg->ca_file);
	} else if (strncmp(why, "certificate of tag", 18) == 0 && cfg->cert_file != NULL) {
		snprintf(why, size, "cannot parse certificate file %s (-c): PEM or DER expected",
			 cfg->cert_file);
	} else if (strncmp(why, "private key of tag", 18) == 0 && key_file != NULL &&
		   strstr(why, "does not match") != NULL) {
		snprintf(why, size, "the private key in %s does not match the certificate in %s",
			 key_file, cfg->cert_file);
	} else if (strncmp(why, "private key of tag", 18) == 0 && key_file != NULL) {
		snprintf(why, size,
			 "cannot parse the private key in %s (%s): PEM or DER, unencrypted, "
			 "expected",
			 key_file, cfg->key_file != NULL ? "-j" : "-c");
	} else if (strncmp(why, "PSK or identity of tag", 22) == 0) {
		snprintf(why, size,
			 "the pre-shared key (-k) or identity (-u) is not usable (too "
			 "long?)");
	}
}

int cli_dtls_session_start(const struct cli_dtls *d, int sock, const struct addrinfo *ai,
			   const struct cli_config *cfg, struct cli_output *out, uint64_t t_start,
			   const char *where, int *status)
{
	const char *kind = "dtls";
	char why[256] = "";
	char tag[32];
	int ret = handshake(d, sock, ai, cfg, t_start, where);

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
	if (ret == -ETIMEDOUT) {
		cli_report_timeout(out, where, t_start, "DTLS handshake");
		return ret;
	}
	if (ret == -EINVAL || ret == -ENOENT) {
		/* the library found it before sending anything */
		credential_message(cfg, why, sizeof(why));
		fprintf(stderr, "zcoap: the DTLS credentials are not usable: %s (%s)\n", why, tag);
	} else {
		fprintf(stderr, "zcoap: DTLS handshake with %s failed: %s (%s)\n", where, why, tag);
		if (ret == -EACCES && cfg->psk_key != NULL && cfg->ca_file == NULL &&
		    cfg->cert_file == NULL) {
			fprintf(stderr,
				"zcoap: hint: check -k and -u: the key and identity must be "
				"those the server has for this client (bytes given in hex "
				"need the 0x prefix)\n");
		}
	}
	cli_output_error(out, kind, ret, why, cli_now_ms() - t_start);
	return ret == -EAGAIN ? -EIO : ret; /* -EAGAIN means "next address" to the caller */
}

bool cli_dtls_session_ended(int sock)
{
	char why[8];
	int err = zcoap_dtls_last_error(sock, why, sizeof(why));

	return !(err >= 0 || err == -EAGAIN || err == -EBADF);
}

bool cli_dtls_session_error(int sock, const char *where, struct cli_output *out, uint64_t t_start,
			    int *status)
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
	cli_output_error(out, "dtls", err, why, cli_now_ms() - t_start);
	*status = CLI_EXIT_DTLS;
	return true;
}
