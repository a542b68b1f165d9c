/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * child_process.c -- start and stop the tests' peer server processes.
 */

#include "child_process.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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
