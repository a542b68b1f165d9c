/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * port.h -- everything zcoap needs from an operating system: a monotonic
 * clock, random bytes, a mutex, a condition variable, a thread, a wake-up
 * object, poll() over descriptors, the identity of an open descriptor, the
 * pending error of a socket, the identity of the process, and mutexes for
 * globals that work before any init call.
 *
 * src/port/posix/ implements it with POSIX (and Linux's eventfd). An RTOS
 * port replaces that folder only: the client layer (src/client/) calls no
 * OS function and includes no OS header but <sys/socket.h> for the socket
 * address types, and the transport layer (src/transport/) calls the OS
 * only for the socket operations on the application's descriptors (send,
 * recv, connect, getsockopt, close), which Zephyr's BSD sockets provide too.
 *
 * The storage of the mutex, condition variable, thread and wake-up object
 * lives in struct zcoap_client_private as opaque, aligned byte arrays
 * (include/zcoap_client_types.h) sized by ZCOAP_PORT_*_SIZE; a port checks
 * at compile time that its real types fit, and casts. A static mutex (below)
 * holds the same mutex storage.
 *
 * Contract of every function: thin, no allocation, and -- on the request
 * path (mutex, wake-up signal, clock) -- at most the system calls the
 * operation itself needs (docs/performance.md counts them per request).
 * See docs/design/threading.md, "The port".
 */
#ifndef ZCOAP_PORT_H
#define ZCOAP_PORT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The opaque storage (struct zcoap_port_mutex, _cond, _thread, _wake) is
 * defined in include/zcoap_client_types.h, which coap_client.h includes
 * after the typedefs it needs; struct zc_port_static_mutex below embeds a
 * struct zcoap_port_mutex, so the complete type is needed here.
 */
#include "coap_client.h"

/* ---- clock and random bytes ------------------------------------------- */

/** Monotonic milliseconds since an arbitrary origin (CLOCK_MONOTONIC). */
int64_t zc_port_now_ms(void);

/**
 * Fill @p buf with @p len bytes from the OS CSPRNG (getrandom()).
 * @retval 0 Success.
 * @retval -EIO The generator failed; @p buf is then filled from a weaker
 *         fallback so callers never use uninitialised bytes.
 */
int zc_port_random(void *buf, size_t len);

/* ---- mutex and condition variable ----------------------------------------
 * A plain (non-recursive) mutex: the client never locks it twice from one
 * thread, because callbacks run with it released.
 */

/** 0, or -EAGAIN when the OS has no resources for another mutex. */
int zc_port_mutex_init(struct zcoap_port_mutex *m);
void zc_port_mutex_destroy(struct zcoap_port_mutex *m);
void zc_port_mutex_lock(struct zcoap_port_mutex *m);
void zc_port_mutex_unlock(struct zcoap_port_mutex *m);

/* ---- static mutex -------------------------------------------------------
 * The lock of a global (the transport registry, the DTLS session table, the
 * credential store, the DTLS random generator). Those are used from the
 * first call any thread makes (zcoap_tls_credential_add() may come before
 * any client exists) and are never torn down, so their lock must be valid
 * without an init call and needs no destroy:
 *
 *     static struct zc_port_static_mutex lock = ZC_PORT_STATIC_MUTEX_INIT;
 *
 * ZC_PORT_STATIC_MUTEX_INIT is all zeroes, so the object sits in .bss and
 * no OS header is needed to define it. The port makes the first lock
 * initialise the mutex exactly once, also when several threads take it for
 * the first time together, and blocks the others meanwhile (no spinning: on
 * an RTOS with priorities a spinning thread could starve the one
 * initialising). The fields are the port's: `ready` is meant for a
 * "checked once" flag, published with release order, so that every later
 * lock costs one acquire load (a plain load on x86-64 and ARMv8) before the
 * mutex itself. POSIX serialises first uses with a mutex of its own that
 * PTHREAD_MUTEX_INITIALIZER makes valid; an RTOS can use a statically
 * defined kernel mutex (Zephyr's K_MUTEX_DEFINE) or a short critical
 * section. Same semantics as zc_port_mutex_*: plain, not recursive.
 */
struct zc_port_static_mutex {
	atomic_bool ready;         /* m is initialised (the port's use) */
	struct zcoap_port_mutex m; /* the mutex, initialised on first lock */
};

/* The initialiser: all zeroes. */
/* clang-format off */
#define ZC_PORT_STATIC_MUTEX_INIT {0}
/* clang-format on */

void zc_port_static_mutex_lock(struct zc_port_static_mutex *sm);
void zc_port_static_mutex_unlock(struct zc_port_static_mutex *sm);

/** 0, or -EAGAIN. */
int zc_port_cond_init(struct zcoap_port_cond *c);
void zc_port_cond_destroy(struct zcoap_port_cond *c);
/** Release @p m, sleep until woken (spurious wake-ups allowed), retake @p m. */
void zc_port_cond_wait(struct zcoap_port_cond *c, struct zcoap_port_mutex *m);
/** Wake every waiter of @p c; called with the mutex the waiters use held. */
void zc_port_cond_broadcast(struct zcoap_port_cond *c);

/* ---- thread ----------------------------------------------------------- */

/**
 * Start a thread running @p fn(@p arg), named @p name (at most 15
 * characters are kept; a port without names ignores it), with every signal
 * blocked: process signals belong to the application's threads.
 * @retval 0 Started.
 * @retval -EAGAIN The OS could not create it.
 */
int zc_port_thread_create(struct zcoap_port_thread *t, const char *name, void (*fn)(void *arg),
			  void *arg);

/** Wait for a thread started by zc_port_thread_create() to return. */
void zc_port_thread_join(struct zcoap_port_thread *t);

/** Whether the caller is the thread @p t (which must have been started). */
bool zc_port_thread_is_self(const struct zcoap_port_thread *t);

/* ---- wake-up object ------------------------------------------------------
 * A descriptor that zc_port_poll() can watch, made readable by a signal from
 * any thread: an eventfd, or a pipe where there is none. Signals coalesce.
 */

/** 0, or -EAGAIN. */
int zc_port_wake_init(struct zcoap_port_wake *w);
void zc_port_wake_destroy(struct zcoap_port_wake *w);
/** Make the descriptor readable (one write; a pending signal is enough). */
void zc_port_wake_signal(struct zcoap_port_wake *w);
/** Consume every pending signal, so the descriptor is no longer readable. */
void zc_port_wake_drain(struct zcoap_port_wake *w);
/** The descriptor to watch for POLL_IN. */
int zc_port_wake_fd(const struct zcoap_port_wake *w);

/* ---- poll -------------------------------------------------------------
 * The layout and flag values of struct pollfd on every POSIX system and of
 * Zephyr's struct zsock_pollfd, so a port can hand the array over as is.
 */

#define ZC_PORT_POLL_IN   0x001 /* readable */
#define ZC_PORT_POLL_OUT  0x004 /* writable (room in the send buffer) */
#define ZC_PORT_POLL_ERR  0x008 /* error pending (zc_port_socket_error()) */
#define ZC_PORT_POLL_HUP  0x010 /* hung up */
#define ZC_PORT_POLL_NVAL 0x020 /* not an open descriptor */

struct zc_port_pollfd {
	int fd;        /* descriptor; a negative one is ignored */
	short events;  /* ZC_PORT_POLL_IN and/or ZC_PORT_POLL_OUT */
	short revents; /* set by zc_port_poll() */
};

/**
 * Wait until one of @p fds is ready or @p timeout_ms passes (-1: no
 * timeout). With @p n == 0 it only sleeps for @p timeout_ms.
 * @return The number of ready entries, 0 on timeout, or a negative errno
 *         (-EINTR when interrupted).
 */
int zc_port_poll(struct zc_port_pollfd *fds, unsigned int n, int timeout_ms);

/* ---- descriptors ------------------------------------------------------- */

/**
 * The file an open descriptor refers to, as two numbers (on POSIX the device
 * and inode of fstat()). A closed descriptor whose number the application
 * got again for a new socket has another identity, which is how the
 * receive thread notices that it is not the socket it watches.
 * @return false when @p fd is not open.
 */
bool zc_port_fd_identity(int fd, uint64_t *a, uint64_t *b);

/**
 * A second descriptor for the socket @p fd refers to (POSIX: fcntl
 * F_DUPFD_CLOEXEC). The client reads a socket after its last exchange ended
 * only through such a descriptor of its own: the application may close its
 * number at any moment, and the number may then name another file
 * (docs/design/threading.md, "Linger").
 * @return The new descriptor, or a negative errno.
 */
int zc_port_fd_dup(int fd);

/** Close a descriptor zc_port_fd_dup() returned. */
void zc_port_fd_close(int fd);

/**
 * Make @p fd non-blocking (@p on) or blocking again (POSIX: fcntl O_NONBLOCK).
 * The TCP client's event-loop mode connects without blocking
 * (docs/design/tcp.md, "Manual mode").
 * @return 0, or a negative errno.
 */
int zc_port_fd_set_nonblocking(int fd, bool on);

/**
 * Take the pending error of a socket that zc_port_poll() reported with
 * ZC_PORT_POLL_ERR (SO_ERROR, e.g. ECONNREFUSED after an ICMP port
 * unreachable, RFC 1122 §4.1.3.3).
 * @return The positive errno, 0 for none, or -EIO when it cannot be read.
 */
int zc_port_socket_error(int sock);

/* ---- socket error queue --------------------------------------------------
 * With IP_RECVERR / IPV6_RECVERR set, Linux queues every ICMP error of a
 * socket with the address the failed datagram was sent to, and poll()
 * reports POLLERR until the queue is empty (RFC 1122 §4.1.3.3 asks UDP to
 * pass ICMP errors up). The transport reads an entry with recvmsg() and
 * MSG_ERRQUEUE, a socket call; what the control data of the entry says is
 * the OS's format (struct sock_extended_err), so the port reads it.
 */

/** Bytes of control buffer a recvmsg(MSG_ERRQUEUE) needs for zc_port_errqueue_errno(). */
#define ZC_PORT_ERRQUEUE_CONTROL_SIZE 128

/**
 * The error an entry read from a socket's error queue reports.
 * @param control The control data recvmsg() returned (msg_control).
 * @param len Its length (msg_controllen).
 * @return The positive errno (ECONNREFUSED for a port unreachable), or 0
 *         when the control data holds no socket error.
 */
int zc_port_errqueue_errno(const void *control, size_t len);

/**
 * Have the OS queue the ICMP errors of socket @p sock with their addresses
 * (Linux: IP_RECVERR, and IPV6_RECVERR on an IPv6 socket, whose IPv4-mapped
 * destinations report through IP_RECVERR). Best effort: a port or socket
 * without an error queue leaves it as it is.
 * @param family The socket's address family (AF_INET or AF_INET6).
 */
void zc_port_errqueue_enable(int sock, int family);

/* ---- process ----------------------------------------------------------- */

/**
 * An identifier of the running process that differs in a child made by
 * fork() (POSIX: getpid()). The DTLS random generator reseeds when it
 * changes, so that a child never repeats its parent's random stream. A
 * port without processes returns a constant.
 */
unsigned long zc_port_process_id(void);

/**
 * Start counting fork()s (POSIX: a pthread_atfork() child handler, installed
 * once; later calls cost a load). Called before random bytes are fetched
 * to be kept (the client's random pool, src/client/io.c).
 */
void zc_port_fork_watch(void);

/**
 * A counter that differs in a child made by fork() after
 * zc_port_fork_watch(), read without a system call: the client's random
 * pool drops the bytes it fetched before a fork(), so a child never hands
 * out the tokens its parent does. A port without processes returns 0.
 */
unsigned int zc_port_fork_generation(void);

#endif /* ZCOAP_PORT_H */
