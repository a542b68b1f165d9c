/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * main.c -- the zcoap tool as a sequence of stages with one cleanup path:
 *
 *   command line and URIs (args.c; uri.c and dtls.c's checks of every URI)
 *   start                 (output, self-pipe and signals, client)
 *   then for each URI in turn (run_uri(), finish_uri()); coap+tcp:// and
 *   coaps+tcp:// run their exchange in tcp.c instead:
 *     the request         (build.c: path, options, body)
 *     the addresses       (transport.c: resolution; dtls.c: credentials)
 *     exchange, -G times  (per address: socket and DTLS session in transport.c,
 *                          then request.c sends and waits)
 *     outcome             (request.c: messages and exit status)
 *   cleanup               (everything a stage set up, in reverse order)
 *
 * The stages here return GO_ON or the exit status to leave with; those of
 * build.c and transport.c return CLI_EXIT_OK to carry on. Whatever the
 * stage reached, cleanup() undoes what was set up and gives the status:
 * that of the first request that failed.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <netdb.h>
#include <netinet/in.h>

#include "cli.h"

/* A stage's "carry on"; anything else is an exit status. */
#define GO_ON (-1)

/* Everything one run holds; static storage, as struct coap_client is large. */
struct tool {
	struct cli_config cfg;
	struct cli_uri uri;
	struct cli_uri proxy;       /* -P */
	const struct cli_uri *conn; /* where the datagrams go: &uri, or &proxy with -P */
	struct cli_request request;
	struct addrinfo *ais;
	struct cli_output *out;
	struct cli_exchange exchange;
	struct coap_client client;
	bool client_started;
	struct cli_dtls dtls;
	int sock;
	const struct sockaddr *group;            /* the multicast group sent to, or NULL */
	char where[NI_MAXHOST + NI_MAXSERV + 4]; /* the address tried last */
	const char *uri_text;                    /* the URI being requested */
};

/*
 * Parse @p text into t->uri, with the DTLS checks of a coaps:// one (of the
 * proxy's, with -P). GO_ON or a status.
 */
static int parse_uri(struct tool *t, const char *text)
{
	char err[512];

	if (cli_uri_parse(text, &t->uri, err, sizeof(err)) < 0) {
		fprintf(stderr, "zcoap: bad URI \"%s\": %s\n", text, err);
		return CLI_EXIT_USAGE;
	}
	t->conn = t->cfg.proxy != NULL ? &t->proxy : &t->uri;
	if (t->conn->tcp && cli_tcp_check(&t->cfg, err, sizeof(err)) != CLI_EXIT_OK) {
		fprintf(stderr, "zcoap: %s\nTry 'zcoap --help' for more information.\n", err);
		return CLI_EXIT_USAGE;
	}
	if (t->conn->secure) {
		enum cli_exit st = cli_dtls_check(&t->cfg, t->conn, err, sizeof(err));

		if (st == CLI_EXIT_USAGE) {
			fprintf(stderr, "zcoap: %s\nTry 'zcoap --help' for more information.\n",
				err);
			return (int)st;
		}
		if (st != CLI_EXIT_OK) {
			fprintf(stderr, "zcoap: %s\n", err);
			return (int)st;
		}
	}
	return GO_ON;
}

static int parse_command_line(struct tool *t, int argc, char **argv)
{
	const struct cli_config *cfg = &t->cfg;
	bool secure = false;
	char err[512];
	int status;

	switch (cli_parse_args(argc, argv, &t->cfg, err, sizeof(err))) {
	case CLI_ARGS_EXIT:
		return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
	case CLI_ARGS_USAGE:
		fprintf(stderr, "zcoap: %s\nTry 'zcoap --help' for more information.\n", err);
		return CLI_EXIT_USAGE;
	case CLI_ARGS_RUN:
		break;
	}

	/* DTLS credentials come in pairs. */
	if ((cfg->psk_key != NULL) != (cfg->psk_identity != NULL)) {
		fprintf(stderr, "zcoap: -k and -u must be given together\n");
		return CLI_EXIT_USAGE;
	}
	if (cfg->key_file != NULL && cfg->cert_file == NULL) {
		fprintf(stderr, "zcoap: -j needs -c\n");
		return CLI_EXIT_USAGE;
	}
	/* -P: the datagrams go to the proxy, the URI goes into Proxy-Uri (build.c). */
	if (cfg->proxy != NULL) {
		if (cli_uri_parse(cfg->proxy, &t->proxy, err, sizeof(err)) < 0) {
			fprintf(stderr, "zcoap: bad proxy URI \"%s\": %s\n", cfg->proxy, err);
			return CLI_EXIT_USAGE;
		}
		if (t->proxy.has_path || t->proxy.n_path > 0 || t->proxy.n_query > 0) {
			fprintf(stderr, "zcoap: the proxy URI \"%s\" must have no path or query\n",
				cfg->proxy);
			return CLI_EXIT_USAGE;
		}
	}
	/* Every URI is checked before anything is sent. */
	for (size_t i = 0; i < cfg->n_uris; i++) {
		status = parse_uri(t, cfg->uris[i]);
		if (status != GO_ON) {
			return status;
		}
		secure = secure || t->conn->secure;
	}
	if (!secure && (cfg->psk_key != NULL || cfg->cert_file != NULL || cfg->ca_file != NULL ||
			cfg->no_verify || cfg->server_name != NULL)) {
		fprintf(stderr, "zcoap: warning: -k/-u/-c/-j/-C/-n/--server-name apply to coaps:// "
				"only; ignored\n");
	}
	return GO_ON;
}

/* The output, the self-pipe and signals, and the client. */
static int start(struct tool *t)
{
	int ret;

	t->out = cli_output_open(&t->cfg);
	if (t->out == NULL) {
		fprintf(stderr, "zcoap: cannot open %s: %s\n",
			t->cfg.output != NULL ? t->cfg.output : "output", strerror(errno));
		return CLI_EXIT_IO;
	}
	if (cli_exchange_init(&t->exchange, &t->cfg, t->out, 0) < 0) {
		return CLI_EXIT_IO;
	}
	ret = coap_client_init(&t->client, "zcoap");
	if (ret < 0) {
		fprintf(stderr, "zcoap: cannot start the client: %s\n", zcoap_strerror(ret));
		return CLI_EXIT_IO;
	}
	t->client_started = true;
	/* -v dumps, and the responses the library rejects (request.c) */
	zcoap_client_set_trace(&t->client, cli_exchange_trace, &t->exchange);
	return GO_ON;
}

/* Close the socket of an attempt that gives way to the next address. */
static void drop_socket(struct tool *t)
{
	cli_socket_close(t->sock, t->conn->secure);
	t->sock = -1;
}

/* coap_client_req() refused the request: the message and the exit status. */
static int not_sent(int ret)
{
	int status;

	fprintf(stderr, "zcoap: request not sent: %s\n", zcoap_strerror(ret));
	status =
	    (ret == -EINVAL || ret == -ENOSPC) ? (int)CLI_EXIT_USAGE : (int)cli_exit_for_errno(ret);
	return status == CLI_EXIT_ERROR ? CLI_EXIT_IO : status;
}

/*
 * -G: the request once more, on the socket (and DTLS session) of the
 * previous time, so that -p can name the same local port every time.
 */
static int exchange_again(struct tool *t)
{
	struct cli_exchange *x = &t->exchange;
	int ret;

	cli_exchange_reset(x);
	ret = cli_exchange_send(x, &t->client, t->sock, &t->request.req, t->group);
	if (ret < 0) {
		return not_sent(ret);
	}
	cli_exchange_wait(x);
	(void)cli_exchange_end(x, false);
	return GO_ON;
}

/*
 * The request to @p ai: to a multicast group (RFC 7252 §8) it is NON, with
 * the -B window, on an unconnected socket; what cannot go to a group is a
 * usage error. GO_ON or a status.
 */
static int prepare_destination(struct tool *t, const struct addrinfo *ai)
{
	const struct cli_config *cfg = &t->cfg;
	struct coap_client_request *req = &t->request.req;

	t->group = NULL;
	req->confirmable = !cfg->non_confirmable;
	req->multicast_timeout_ms = 0;
	if (!cli_addr_is_group(ai->ai_addr)) {
		if (cfg->iface != NULL && cfg->verbose > 0) {
			fprintf(stderr, "zcoap: -I applies to multicast groups only; ignored\n");
		}
		return GO_ON;
	}
	if (t->conn->secure || cfg->observe || cfg->ping) {
		fprintf(stderr,
			"zcoap: %s is a multicast group: coaps://, -s/--observe-count "
			"and -K cannot be used with it\n",
			t->where);
		return CLI_EXIT_USAGE;
	}
	if (ai->ai_family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)(void *)ai->ai_addr;

		/* a link- or interface-local group needs an interface (RFC 4007 §6) */
		if (sin6->sin6_scope_id == 0 && cfg->ifindex != 0) {
			sin6->sin6_scope_id = cfg->ifindex;
		}
		if (sin6->sin6_scope_id == 0 && (IN6_IS_ADDR_MC_LINKLOCAL(&sin6->sin6_addr) ||
						 IN6_IS_ADDR_MC_NODELOCAL(&sin6->sin6_addr))) {
			fprintf(stderr,
				"zcoap: %s is a link-local group: name the interface with -I "
				"IFNAME or a zone ([ff02::fd%%25eth0])\n",
				t->where);
			return CLI_EXIT_USAGE;
		}
	}
	t->group = ai->ai_addr;
	req->confirmable = false;
	req->multicast_timeout_ms = cli_multicast_window_ms(cfg);
	return GO_ON;
}

/*
 * Send the request and wait for its outcome. The addresses are tried in
 * turn while they refuse (ICMP port unreachable before any answer), e.g.
 * "localhost" resolving to ::1 first while the server only listens on
 * 127.0.0.1.
 */
static int exchange(struct tool *t)
{
	const struct cli_config *cfg = &t->cfg;
	struct cli_exchange *x = &t->exchange;
	const struct addrinfo *ai;
	int status = CLI_EXIT_ERROR;
	bool bind_failed;
	int ret;

	for (ai = t->ais; ai != NULL; ai = ai->ai_next) {
		cli_exchange_reset(x);
		cli_describe_addr(ai, t->where, sizeof(t->where));
		status = prepare_destination(t, ai);
		if (status != GO_ON) {
			return status;
		}
		status = CLI_EXIT_ERROR;
		t->sock = cli_socket_open(ai, t->conn->secure, cfg, &bind_failed);
		if (t->sock < 0) {
			if (ai->ai_next != NULL) {
				continue;
			}
			if (bind_failed && t->sock == -EAFNOSUPPORT) {
				fprintf(stderr,
					"zcoap: -a %s: not an address of the family of %s\n",
					cfg->local_addr, t->where);
			} else if (bind_failed) {
				fprintf(stderr, "zcoap: cannot send from %s port %u: %s\n",
					cfg->local_addr != NULL ? cfg->local_addr : "any address",
					cfg->local_port, strerror(-t->sock));
			} else {
				fprintf(stderr, "zcoap: cannot reach %s: %s\n", t->where,
					strerror(-t->sock));
			}
			return CLI_EXIT_IO;
		}
		if (cfg->verbose > 0) {
			char local[NI_MAXHOST + NI_MAXSERV + 4] = "";

			/* a DTLS socket is bound by its handshake, unless -a/-p bound it; */
			/* an unconnected (group) socket is bound by its first send */
			if ((!t->conn->secure && t->group == NULL) || cfg->local_addr != NULL ||
			    cfg->local_port != 0) {
				cli_describe_local(t->sock, local, sizeof(local));
			}
			fprintf(stderr, "zcoap: %s %s -> %s%s%s%s\n",
				cfg->ping ? "PING" : cli_method_name(cfg->method), t->uri_text,
				t->where, local[0] != '\0' ? " (from " : "", local,
				local[0] != '\0' ? ")" : "");
		}
		if (t->conn->secure) {
			ret = cli_dtls_session_start(&t->dtls, t->sock, ai, cfg, t->out, x->t_start,
						     t->where, &status);
			if (ret == -EAGAIN) {
				drop_socket(t);
				continue;
			}
			if (ret < 0) {
				return status;
			}
		}
		ret = cli_exchange_send(x, &t->client, t->sock, &t->request.req, t->group);
		if (ret < 0) {
			if (ret == -ECONNREFUSED && ai->ai_next != NULL) {
				drop_socket(t);
				continue;
			}
			return not_sent(ret);
		}
		cli_exchange_wait(x);
		if (!cli_exchange_end(x, ai->ai_next != NULL)) {
			break;
		}
		if (cfg->verbose > 0) {
			fprintf(stderr, "zcoap: %s refused; trying the next address\n", t->where);
		}
		drop_socket(t);
	}
	return GO_ON;
}

/* What one URI set up: its socket, DTLS credentials, addresses and request. */
static void finish_uri(struct tool *t)
{
	if (t->sock >= 0) {
		cli_socket_close(t->sock, t->conn->secure);
		t->sock = -1;
	}
	cli_dtls_cleanup(&t->dtls);
	if (t->ais != NULL) {
		freeaddrinfo(t->ais);
		t->ais = NULL;
	}
	cli_request_free(&t->request);
}

/* The request to one URI (-G times); the exit status of the first that failed. */
static int run_uri(struct tool *t, const char *text)
{
	char err[512];
	int status;

	/* checked by parse_command_line() (warnings included): only fills t->uri again */
	if (cli_uri_parse(text, &t->uri, err, sizeof(err)) < 0) {
		return CLI_EXIT_USAGE;
	}
	t->uri_text = text;
	cli_output_set_uri(t->out, t->cfg.n_uris > 1 ? text : NULL);
	status = (int)cli_request_build(&t->request, &t->cfg, &t->uri,
					t->conn == &t->proxy ? &t->proxy : NULL);
	if (status != CLI_EXIT_OK) {
		return status;
	}
	t->exchange.upload_total = t->request.payload_len;
	status = (int)cli_resolve(t->conn, t->out, &t->ais);
	if (status != CLI_EXIT_OK) {
		return status;
	}
	if (t->conn->secure) {
		/* After coap_client_init(): finish_uri() unregisters and wipes the credentials. */
		status = (int)cli_dtls_setup(&t->dtls, &t->cfg, t->conn, err, sizeof(err));
		if (status != CLI_EXIT_OK) {
			fprintf(stderr, "zcoap: %s\n", err);
			return status;
		}
	}
	if (t->conn->tcp) {
		struct cli_tcp_args a = {
		    .cfg = &t->cfg,
		    .conn = t->conn,
		    .uri_text = text,
		    .request = &t->request,
		    .ais = t->ais,
		    .dtls = &t->dtls,
		    .out = t->out,
		    .wake_rd = t->exchange.wake_rd,
		    .wake_wr = t->exchange.wake_wr,
		    .where = t->where,
		    .where_size = sizeof(t->where),
		};

		return (int)cli_tcp_run(&a);
	}
	status = CLI_EXIT_OK;
	/* -G: one exchange after the other */
	for (unsigned long i = 0; i < t->cfg.repeat; i++) {
		int st = t->sock >= 0 ? exchange_again(t) : exchange(t);

		if (st == GO_ON) {
			st = (int)cli_exchange_outcome(&t->exchange, t->where, t->sock,
						       t->conn->secure);
		} else if (t->sock >= 0) {
			drop_socket(t); /* no request went out on it: start afresh */
		}
		if (status == CLI_EXIT_OK) {
			status = st; /* the first failure decides */
		}
		if (st == CLI_EXIT_INTERRUPTED || st == CLI_EXIT_USAGE) {
			break;
		}
	}
	return status;
}

static int cleanup(struct tool *t, int status)
{
	int ret;

	/* The client's thread must be gone before the DTLS session it used. */
	if (t->client_started) {
		zcoap_client_deinit(&t->client);
	}
	finish_uri(t);
	cli_exchange_cleanup(&t->exchange);
	/* -o FILE is replaced only on success: a failed request leaves it as it was. */
	ret = cli_output_close(t->out, status == CLI_EXIT_OK);
	if (ret < 0 && status == CLI_EXIT_OK) {
		fprintf(stderr, "zcoap: cannot write %s: %s\n",
			t->cfg.output != NULL ? t->cfg.output : "the output", strerror(-ret));
		status = CLI_EXIT_IO;
	}
	return status;
}

int main(int argc, char **argv)
{
	static struct tool t;
	int status;

	t.sock = -1;
	status = parse_command_line(&t, argc, argv);
	if (status != GO_ON) {
		goto out;
	}
	status = start(&t);
	if (status != GO_ON) {
		goto out;
	}
	status = CLI_EXIT_OK;
	/* Each URI in turn; the first failure decides the exit status. */
	for (size_t i = 0; i < t.cfg.n_uris; i++) {
		int st;

		if (i > 0) {
			finish_uri(&t);
		}
		st = run_uri(&t, t.cfg.uris[i]);
		if (status == CLI_EXIT_OK) {
			status = st;
		}
		if (st == CLI_EXIT_INTERRUPTED || st == CLI_EXIT_USAGE) {
			break;
		}
	}
out:
	return cleanup(&t, status);
}
