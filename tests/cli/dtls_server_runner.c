/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * dtls_server_runner.c -- run libcoap's coap-server-openssl for the zcoap
 * tool's coaps tests, through the DTLS tests' helper (tests/dtls/dtls_server.c):
 * it finds a free port pair (libcoap puts coaps on PORT+1, so "-p 0" cannot be
 * used) and waits until the server answers.
 *
 * Usage: cli_dtls_server LOGFILE [SERVER OPTIONS...]
 * ($ZCOAP_CLI_SERVER_FLAVOUR=gnutls runs coap-server-gnutls instead; the
 * coaps port also takes coaps+tcp connections, RFC 8323.)
 * Prints the coaps port on the first line of stdout once the server is ready
 * (exit 77 when coap-server-openssl is not installed), then waits for SIGTERM
 * or SIGINT, or 120 s at most (a forgotten server must not outlive the test),
 * and stops the server.
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dtls_server.h"

int main(int argc, char **argv)
{
	struct dtls_srv srv;
	const char *flavour;
	struct timespec limit = {120, 0};
	sigset_t stop;
	int rc;

	if (argc < 2) {
		fprintf(stderr, "usage: %s LOGFILE [SERVER OPTIONS...]\n", argv[0]);
		return 2;
	}
	flavour = getenv("ZCOAP_CLI_SERVER_FLAVOUR");
	if (flavour == NULL || strcmp(flavour, "gnutls") != 0) {
		flavour = "openssl";
	}
	rc = dtls_srv_start(&srv, flavour, argv[1], (const char *const *)&argv[2]);
	if (rc == -ENOENT) {
		fprintf(stderr, "coap-server-%s is not installed\n", flavour);
		return 77;
	}
	if (rc < 0) {
		fprintf(stderr, "coap-server-%s did not start: %s\n", flavour, strerror(-rc));
		return 1;
	}

	/*
	 * Block the stop signals only now: the server was forked before, so it
	 * does not inherit the mask and still dies on dtls_srv_stop()'s SIGTERM.
	 * The test only signals us after reading the port printed below.
	 */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_BLOCK, &stop, NULL);

	printf("%u\n", (unsigned int)srv.port + 1u);
	fflush(stdout);

	while (sigtimedwait(&stop, NULL, &limit) < 0 && errno == EINTR) {
	}
	dtls_srv_stop(&srv);
	return 0;
}
