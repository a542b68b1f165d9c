/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * alloc_count.c -- LD_PRELOAD interposer that counts heap calls.
 *
 * LD_PRELOAD=libzbench_alloc.so prog ...   prints, when the process exits,
 *   "allocs=<malloc+calloc+realloc+aligned> frees=<free of non-NULL>"
 * on stderr. bench/run.sh runs a client for N and for 2N requests and
 * divides the difference by N, so start-up and shutdown cancel out.
 *
 * The real allocator is reached through glibc's __libc_* entry points, not
 * dlsym(RTLD_NEXT), because dlsym itself may call calloc.
 */
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t align, size_t size);
extern void __libc_free(void *p);

static atomic_ulong allocs;
static atomic_ulong frees;

void *malloc(size_t size)
{
	atomic_fetch_add_explicit(&allocs, 1, memory_order_relaxed);
	return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	atomic_fetch_add_explicit(&allocs, 1, memory_order_relaxed);
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
	atomic_fetch_add_explicit(&allocs, 1, memory_order_relaxed);
	return __libc_realloc(p, size);
}

void *memalign(size_t align, size_t size)
{
	atomic_fetch_add_explicit(&allocs, 1, memory_order_relaxed);
	return __libc_memalign(align, size);
}

void *aligned_alloc(size_t align, size_t size)
{
	return memalign(align, size);
}

int posix_memalign(void **out, size_t align, size_t size)
{
	void *p = memalign(align, size);

	if (p == NULL) {
		return 12; /* ENOMEM */
	}
	*out = p;
	return 0;
}

void free(void *p)
{
	if (p != NULL) {
		atomic_fetch_add_explicit(&frees, 1, memory_order_relaxed);
	}
	__libc_free(p);
}

__attribute__((destructor)) static void report(void)
{
	char line[96];
	int n = snprintf(line, sizeof(line), "allocs=%lu frees=%lu\n", atomic_load(&allocs),
			 atomic_load(&frees));

	/* write(2), not stdio: stdio may allocate, and stderr may be closed already. */
	if (n > 0) {
		(void)write(2, line, (size_t)n);
	}
}
