/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * peak_rss.c -- peak_rss FILE COMMAND [ARG...]: run COMMAND, write its peak
 * resident set size in KiB (wait4()'s ru_maxrss) to FILE and exit with its
 * exit status (128 + the signal when it was killed). The zcoap tool's memory
 * tests measure with it: being small, it adds little to the figure (a child
 * starts as a copy of its parent, and that copy counts towards the peak).
 */

#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct rusage ru;
	int status = 0;
	pid_t pid;
	FILE *f;

	if (argc < 3) {
		fprintf(stderr, "usage: peak_rss FILE COMMAND [ARG...]\n");
		return 2;
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror("execvp");
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) != pid) {
		perror("wait4");
		return 2;
	}
	f = fopen(argv[1], "w");
	if (f == NULL || fprintf(f, "%ld\n", ru.ru_maxrss) < 0 || fclose(f) != 0) {
		perror(argv[1]);
		return 2;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
