/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * fstat_count.h -- count the fstat() calls of the process (fstat_count.c
 * defines fstat() in the test executable, which the statically linked
 * library's calls bind to): the client's identity checks of descriptor
 * numbers (zc_port_fd_identity()). Link fstat_count.c as a source of the
 * test, not from an archive. The tests themselves use fstatat().
 */
#ifndef ZCOAP_TEST_FSTAT_COUNT_H
#define ZCOAP_TEST_FSTAT_COUNT_H

/** fstat() calls since the last fstat_count_reset(). */
int fstat_count(void);

void fstat_count_reset(void);

#endif
