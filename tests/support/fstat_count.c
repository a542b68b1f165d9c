/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * fstat_count.c -- fstat() that counts its calls (fstat_count.h).
 */
#define _GNU_SOURCE 1 /* AT_EMPTY_PATH */
#include <fcntl.h>
#include <stdatomic.h>
#include <sys/stat.h>

#include "fstat_count.h"

static atomic_int calls;

int fstat(int fd, struct stat *st)
{
	atomic_fetch_add(&calls, 1);
	return fstatat(fd, "", st, AT_EMPTY_PATH);
}

int fstat_count(void)
{
	return atomic_load(&calls);
}

void fstat_count_reset(void)
{
	atomic_store(&calls, 0);
}
