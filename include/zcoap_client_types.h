/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * zcoap_client_types.h -- storage layout of struct coap_client.
 *
 * Included by coap_client.h only (after its typedefs) so that applications
 * can allocate a client statically. Nothing here is API: field names and
 * layout change freely.
 */

#ifndef ZCOAP_CLIENT_TYPES_H
#define ZCOAP_CLIENT_TYPES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "coap.h"
#include "zcoap_config.h"
#include "zcoap_core_types.h"

struct zc_deferred_send;

/*
 * Storage for the OS objects of the port (src/port/port.h): the client's
 * mutex, condition variable, receive thread and wake-up object, as opaque
 * bytes aligned for any scalar, so that this header needs no OS header.
 * The port casts them to its real types and checks with _Static_assert
 * that those fit (src/port/posix/).
 *
 * CMake measures the POSIX port's types when it configures the build
 * (cmake/profile.cmake) and records the sizes in zcoap_build_config.h. The
 * defaults below are for builds without CMake; they hold the pthread types
 * of glibc, musl and macOS on 32- and 64-bit targets. Another port (an
 * RTOS) defines its own sizes in its ZCOAP_CONFIG_FILE.
 */

/** Bytes for a mutex (POSIX: pthread_mutex_t). */
#ifndef ZCOAP_PORT_MUTEX_SIZE
#define ZCOAP_PORT_MUTEX_SIZE 64
#endif

/** Bytes for a condition variable (POSIX: pthread_cond_t). */
#ifndef ZCOAP_PORT_COND_SIZE
#define ZCOAP_PORT_COND_SIZE 64
#endif

/** Bytes for a thread (POSIX: pthread_t, entry function and argument). */
#ifndef ZCOAP_PORT_THREAD_SIZE
#define ZCOAP_PORT_THREAD_SIZE (3 * sizeof(void *))
#endif

/** Bytes for the wake-up object (POSIX: two descriptors). */
#ifndef ZCOAP_PORT_WAKE_SIZE
#define ZCOAP_PORT_WAKE_SIZE (2 * sizeof(int))
#endif

/* One storage type per object, so the port's casts are type-checked. */
#define ZCOAP_PORT_STORAGE(size)                                                                   \
	union {                                                                                    \
		unsigned char bytes[size];                                                         \
		long long align_ll;                                                                \
		void *align_p;                                                                     \
		double align_d;                                                                    \
	}

/** A mutex of the port. */
struct zcoap_port_mutex {
	ZCOAP_PORT_STORAGE(ZCOAP_PORT_MUTEX_SIZE) u;
};

/** A condition variable of the port. */
struct zcoap_port_cond {
	ZCOAP_PORT_STORAGE(ZCOAP_PORT_COND_SIZE) u;
};

/** A thread of the port. */
struct zcoap_port_thread {
	ZCOAP_PORT_STORAGE(ZCOAP_PORT_THREAD_SIZE) u;
};

/** The wake-up object of the port. */
struct zcoap_port_wake {
	ZCOAP_PORT_STORAGE(ZCOAP_PORT_WAKE_SIZE) u;
};

/** Everything a client owns. */
struct zcoap_client_private {
	struct zcoap_engine eng;
	struct zcoap_port_mutex lock;
	struct zcoap_port_cond cond;
	struct zcoap_port_thread thread;
	struct zcoap_port_wake wake; /* signalled to make the thread redo its poll() */
	/* callbacks the thread is running, innermost first (src/client/events.c) */
	struct zc_running_cb *running;
	uint32_t magic; /* ZC_CLIENT_MAGIC while initialised */
	bool stop;
	bool manual;     /* zcoap_client_init_manual(): no thread (zcoap_loop.h) */
	bool processing; /* manual mode: a thread is inside a processing call */
	/* callbacks run by the loop thread (the thread, or the manual-mode caller) */
	uint32_t loop_callbacks;
	/* threads waiting on cond for a running callback to return (events.c) */
	uint16_t cb_waiters;
	void (*trace_cb)(bool outgoing, const uint8_t *data, size_t len, void *user_data);
	void *trace_user;
	/*
	 * The sockets and deadline of the thread's current (or next) poll(),
	 * set under the lock just before it sleeps: coap_client_req() skips
	 * the wake-up when its socket is already polled and its deadline is
	 * not earlier. Sockets stay in the set after their last request ends
	 * ("sticky") for a short while, so a request-response-request
	 * sequence needs no wake-up at all. poll_dev/poll_ino identify the
	 * file each descriptor referred to when it was added (a closed and
	 * reused descriptor number must not pass for a watched one).
	 */
	int poll_socks[ZCOAP_CONFIG_MAX_REQUESTS];
	uint64_t poll_dev[ZCOAP_CONFIG_MAX_REQUESTS];
	uint64_t poll_ino[ZCOAP_CONFIG_MAX_REQUESTS];
	int n_poll_socks;
	int64_t poll_deadline;
	/* per entry of poll_socks: when it went idle, or -1 while it has requests */
	int64_t poll_since[ZCOAP_CONFIG_MAX_REQUESTS];
	bool polling; /* between setting those and retaking the lock */
	/*
	 * The descriptors of the loop's poll() (src/client/loop.c), laid out
	 * as struct pollfd: the wake-up object's, the poll set's, the
	 * lingering duplicates'. Written only by the thread running the loop;
	 * the first 1 + n_poll_socks are filled again only after the poll set
	 * changed (round_filled false).
	 */
	struct {
		int fd;
		short events;
		short revents;
	} round_fds[1 + 2 * ZCOAP_CONFIG_MAX_REQUESTS];
	bool round_filled;
	/* thread mode: a request was admitted during this poll() without an identity check */
	bool poll_trusted;
	/* thread mode: a closed and reused number was seen: admissions check identities */
	bool reuse_seen;
	/*
	 * Sockets read after their last exchange ended (src/client/linger.c):
	 * through a descriptor of the client's own (dup), until a deadline or
	 * until the server was told to stop with an RST.
	 */
	struct {
		int orig;      /* the application's descriptor, as requests name it */
		int dup;       /* the client's own descriptor for the same socket */
		int64_t until; /* stop reading then */
		uint64_t dev;  /* the socket's identity (zc_port_fd_identity()) */
		uint64_t ino;
		bool done;     /* over (a notification got RST, or released): close the duplicate */
		bool rst_sent; /* the engine answered the datagram being handled with RST */
		bool suspended; /* requests use the socket, or it is idle for less than the grace */
		bool unlisted; /* manual mode: over, left out of the last set; closed in the next */
		bool trusted;  /* a request took it in its grace, unchecked, since @verified */
		int64_t idle_since; /* when its last request ended; -1 while requests use it */
		int64_t verified;   /* when the number was last seen naming the socket */
	} linger[ZCOAP_CONFIG_MAX_REQUESTS];
	uint16_t n_linger;
	uint32_t linger_ms; /* 0: no linger (zcoap_client_set_linger()) */
	/* Where io_send copies the first datagram of coap_client_req() (api.c). */
	struct zc_deferred_send *defer;
	/* CSPRNG bytes fetched in bulk for tokens, Request-Tags and jitter. */
	uint16_t rand_left;
	uint32_t rand_fork_gen; /* zc_port_fork_generation() when the pool was filled */
	uint8_t rand_pool[ZCOAP_CONFIG_MAX_REQUESTS >= 8 ? 1024 : 64];
	uint8_t rx_buf[MAX_COAP_MSG_LEN];
};

#endif /* ZCOAP_CLIENT_TYPES_H */
