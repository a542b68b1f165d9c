/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * child_process.c -- start and stop the tests' peer server processes.
 */

#include "child_process.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

pid_t child_spawn(const char *const *argv, const char *log, bool truncate)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid != 0) {
		return pid < 0 ? -errno : pid;
	}
	/* Die with the test process, even when a sanitizer aborts it. */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent) {
		_exit(127); /* the parent died before prctl() */
	}
	{
		int out =
		    open(log != NULL ? log : "/dev/null",
			 O_WRONLY | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : O_APPEND), 0644);

		if (out >= 0) {
			dup2(out, STDOUT_FILENO);
			dup2(out, STDERR_FILENO);
		}
	}
	execv(argv[0], (char *const *)argv);
	_exit(127);
}

void child_stop(pid_t pid, int grace_ms)
{
	const struct timespec tick = {0, 10 * 1000000L};
	int status;

	if (pid <= 0) {
		return;
	}
	kill(pid, SIGTERM);
	/* Bounded: escalate to SIGKILL if it does not go within the grace time. */
	for (int waited = 0; waited < grace_ms; waited += 10) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			return;
		}
		nanosleep(&tick, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

/* Whether one of @p pid's descriptors is the socket with inode @p inode. */
static bool child_has_socket(pid_t pid, unsigned long inode)
{
	char dir[64];
	char want[64];
	DIR *d;
	struct dirent *e;
	bool found = false;

	snprintf(dir, sizeof(dir), "/proc/%ld/fd", (long)pid);
	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	d = opendir(dir);
	if (d == NULL) {
		return false;
	}
	while (!found && (e = readdir(d)) != NULL) {
		char path[384];
		char target[64];
		ssize_t n;

		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = '\0';
			found = strcmp(target, want) == 0;
		}
	}
	closedir(d);
	return found;
}

/* Scan one /proc/net table for sockets bound to @p port (TCP: listening). */
static enum child_port scan_table(const char *table, pid_t pid, bool tcp, uint16_t port,
				  enum child_port seen)
{
	FILE *f = fopen(table, "r");
	char line[512];

	if (f == NULL) {
		return seen;
	}
	(void)fgets(line, sizeof(line), f); /* the column names */
	while (seen != CHILD_PORT_CHILD && fgets(line, sizeof(line), f) != NULL) {
		char local[64];
		unsigned int state;
		unsigned long inode;
		char *colon;

		/* sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode */
		if (sscanf(line, " %*s %63s %*s %x %*s %*s %*s %*s %*s %lu", local, &state,
			   &inode) != 3) {
			continue;
		}
		colon = strrchr(local, ':');
		if (colon == NULL || strtoul(colon + 1, NULL, 16) != port ||
		    (tcp && state != 0x0A /* TCP_LISTEN */)) {
			continue;
		}
		seen = child_has_socket(pid, inode) ? CHILD_PORT_CHILD : CHILD_PORT_OTHER;
	}
	fclose(f);
	return seen;
}

enum child_port child_port_owner(pid_t pid, bool tcp, uint16_t port)
{
	enum child_port seen = CHILD_PORT_FREE;

	seen = scan_table(tcp ? "/proc/net/tcp" : "/proc/net/udp", pid, tcp, port, seen);
	return scan_table(tcp ? "/proc/net/tcp6" : "/proc/net/udp6", pid, tcp, port, seen);
}
