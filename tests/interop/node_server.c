/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * node_server.c -- start and stop the node-coap interop server.
 *
 * The server binds 127.0.0.1:0 itself and prints "PORT n" once it listens,
 * so there is no window in which another process could take the port. The
 * child asks for SIGKILL when the test process dies (PR_SET_PDEATHSIG), so a
 * crashing or sanitizer-aborted test leaves no server behind.
 */

#include "node_server.h"
#include "child_process.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "interop_util.h"

#ifndef ZCOAP_NODE_SERVER_DIR
#define ZCOAP_NODE_SERVER_DIR "."
#endif

/* node starts in ~0.1 s; allow for a loaded 2-core machine under sanitizers. */
#define START_WAIT_MS 20000
#define STOP_WAIT_MS  3000

static const char *server_dir(void)
{
	const char *env = getenv("ZCOAP_NODE_SERVER_DIR");

	return env != NULL && env[0] != '\0' ? env : ZCOAP_NODE_SERVER_DIR;
}

static const char *node_binary(void)
{
	static char found[PATH_MAX];
	const char *env = getenv("ZCOAP_NODE");
	const char *p = getenv("PATH");

	if (env != NULL && env[0] != '\0') {
		return access(env, X_OK) == 0 ? env : NULL;
	}
	if (p == NULL) {
		p = "/usr/local/bin:/usr/bin:/bin";
	}
	while (*p != '\0') {
		const char *end = strchr(p, ':');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);

		if (len > 0 && len + sizeof("/node") < sizeof(found)) {
			memcpy(found, p, len);
			memcpy(found + len, "/node", sizeof("/node"));
			if (access(found, X_OK) == 0) {
				return found;
			}
		}
		if (end == NULL) {
			break;
		}
		p = end + 1;
	}
	return NULL;
}

int node_server_available(const char **why)
{
	char path[PATH_MAX];
	struct stat st;

	if (node_binary() == NULL) {
		*why = "node is not installed";
		return 0;
	}
	snprintf(path, sizeof(path), "%s/server.js", server_dir());
	if (stat(path, &st) != 0) {
		*why = "server.js not found (set ZCOAP_NODE_SERVER_DIR)";
		return 0;
	}
	snprintf(path, sizeof(path), "%s/node_modules/coap/package.json", server_dir());
	if (stat(path, &st) != 0) {
		*why = "node_modules missing: run tests/interop/node/setup.sh";
		return 0;
	}
	return 1;
}

/* Read "PORT n\n" from @p fd before the deadline. */
static int read_port(int fd, pid_t pid, uint16_t *port)
{
	char line[64];
	size_t used = 0;
	int64_t deadline = interop_now_ms() + START_WAIT_MS;

	for (;;) {
		int64_t left = deadline - interop_now_ms();
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		ssize_t n;
		char *nl;
		int status;

		if (left <= 0) {
			return -ETIMEDOUT;
		}
		if (poll(&pfd, 1, left > 200 ? 200 : (int)left) < 0 && errno != EINTR) {
			return -errno;
		}
		if (pfd.revents == 0) {
			if (waitpid(pid, &status, WNOHANG) == pid) {
				return -ECHILD;
			}
			continue;
		}
		n = read(fd, line + used, sizeof(line) - 1 - used);
		if (n <= 0) {
			return n == 0 ? -ECHILD : -errno;
		}
		used += (size_t)n;
		line[used] = '\0';
		nl = strchr(line, '\n');
		if (nl != NULL) {
			unsigned int p;

			if (sscanf(line, "PORT %u", &p) != 1 || p == 0 || p > 65535) {
				return -EPROTO;
			}
			*port = (uint16_t)p;
			return 0;
		}
		if (used == sizeof(line) - 1) {
			return -EPROTO;
		}
	}
}

static void child(int out_fd, pid_t parent)
{
	const char *log = getenv("ZCOAP_INTEROP_LOG");
	const char *verbose = getenv("ZCOAP_NODE_LOG");
	const char *bin = node_binary();
	char script[PATH_MAX];
	int err_fd = -1;

	/* Die with the test process, even when a sanitizer aborts it. */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent) {
		_exit(127);
	}
	if (log != NULL && log[0] != '\0') {
		err_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	} else if (verbose == NULL || verbose[0] == '\0') {
		err_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	}
	if (err_fd >= 0) {
		dup2(err_fd, STDERR_FILENO);
	}
	dup2(out_fd, STDOUT_FILENO);
	snprintf(script, sizeof(script), "%s/server.js", server_dir());
	if (bin != NULL) {
		execl(bin, "node", script, "0", (char *)NULL);
	}
	_exit(127);
}

int node_server_start(struct node_server *s)
{
	int fds[2];
	pid_t parent = getpid();
	int rc;

	memset(s, 0, sizeof(*s));
	s->pid = -1;
	if (pipe(fds) != 0) {
		return -errno;
	}
	/* Neither end may leak into other children (e.g. coap-server-notls). */
	(void)fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	(void)fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	s->pid = fork();
	if (s->pid < 0) {
		rc = -errno;
		close(fds[0]);
		close(fds[1]);
		return rc;
	}
	if (s->pid == 0) {
		close(fds[0]);
		child(fds[1], parent);
	}
	close(fds[1]);
	rc = read_port(fds[0], s->pid, &s->port);
	/*
	 * server.js writes nothing else on stdout; closing our end means a
	 * stray write would fail with EPIPE instead of blocking on a full pipe.
	 */
	close(fds[0]);
	if (rc != 0) {
		node_server_stop(s);
		return rc;
	}
	s->addr.sin_family = AF_INET;
	s->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->addr.sin_port = htons(s->port);
	return 0;
}

void node_server_stop(struct node_server *s)
{
	child_stop(s->pid, STOP_WAIT_MS);
	s->pid = -1;
}
