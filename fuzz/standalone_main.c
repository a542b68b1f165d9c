/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * standalone_main.c -- replay corpus files through LLVMFuzzerTestOneInput without libFuzzer.
 *
 * Usage: <replay> <dir-or-file>... Every regular file is fed once. Exits 1
 * when nothing could be replayed, so an empty or missing corpus fails the
 * test instead of passing silently; a broken invariant aborts.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long len;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		perror(path);
		fclose(f);
		return -1;
	}
	buf = malloc(len > 0 ? (size_t)len : 1);
	if (buf == NULL || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "%s: read failed\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	return 0;
}

static int replay_path(const char *path, unsigned long *count)
{
	struct stat st;
	DIR *dir;
	struct dirent *de;
	int failed = 0;

	if (stat(path, &st) != 0) {
		perror(path);
		return -1;
	}
	if (S_ISREG(st.st_mode)) {
		if (replay_file(path) != 0) {
			return -1;
		}
		(*count)++;
		return 0;
	}
	dir = opendir(path);
	if (dir == NULL) {
		perror(path);
		return -1;
	}
	while ((de = readdir(dir)) != NULL) {
		char child[4096];

		if (de->d_name[0] == '.') {
			continue; /* ., .., hidden files */
		}
		if ((size_t)snprintf(child, sizeof(child), "%s/%s", path, de->d_name) >=
		    sizeof(child)) {
			failed = 1;
			continue;
		}
		if (stat(child, &st) == 0 && S_ISREG(st.st_mode)) {
			if (replay_file(child) != 0) {
				failed = 1;
			} else {
				(*count)++;
			}
		}
	}
	closedir(dir);
	return failed ? -1 : 0;
}

int main(int argc, char **argv)
{
	unsigned long count = 0;
	int failed = 0;
	int i;

	for (i = 1; i < argc; i++) {
		if (replay_path(argv[i], &count) != 0) {
			failed = 1;
		}
	}
	printf("replayed %lu input(s)\n", count);
	return failed || count == 0 ? 1 : 0;
}
