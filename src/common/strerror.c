/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * strerror.c -- zcoap_strerror(): thread-safe static text for errno values.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>

#include "coap_client.h"

struct errtext {
	int err;
	const char *text;
};

/*
 * A table rather than a switch: several names share a value on some systems
 * (EOPNOTSUPP/ENOTSUP, EWOULDBLOCK/EAGAIN, EDEADLOCK/EDEADLK on Linux), which
 * would be duplicate case labels. The first matching row wins, so the rows
 * for the errors zcoap itself reports come first and carry the CoAP meaning
 * the API documents (coap_client.h, coap.h). strerror() is not used because
 * it may return a buffer shared between threads. Names outside POSIX are
 * guarded so the table builds on any libc.
 */
static const struct errtext errtexts[] = {
    /* Reported by the library (see docs/errors.md). */
    {EINVAL, "Invalid argument"},
    {EAGAIN, "Resource temporarily unavailable (no free request slot or thread)"},
    {ENOSPC, "Message does not fit in the buffer"},
    {EMSGSIZE, "Message too long or truncated"},
    {EBADMSG, "Malformed CoAP message or inconsistent block-wise transfer"},
    {EILSEQ, "Malformed CoAP option or payload"},
    {ETIMEDOUT, "Request timed out (no response)"},
    {ECONNRESET, "Reset by the server (CoAP RST)"},
    {ECANCELED, "Request cancelled"},
    {EIO, "Input/output error"},
    {ENOTSUP, "Not supported"},
    {ECONNREFUSED, "Connection refused (ICMP port unreachable)"},
    {ENOENT, "Not found"},
    {EALREADY, "Already in progress or already initialised"},
#ifdef ESHUTDOWN
    {ESHUTDOWN, "Client not initialised or shut down"},
#endif
    {EDEADLK, "Would deadlock (called from the client thread)"},
    {ERANGE, "Value out of range"},
    {ENOMEM, "Out of memory"},
    {EPROTO, "Protocol error"},
    {ENETDOWN, "Network is down"},
    {EHOSTUNREACH, "No route to host"},
    {ENETUNREACH, "Network is unreachable"},
    /* Other errors a socket, poll or thread call may pass through. */
    {EPERM, "Operation not permitted"},
    {EACCES, "Permission denied"},
    {EINTR, "Interrupted system call"},
    {EBADF, "Bad file descriptor"},
    {EFAULT, "Bad address"},
    {EBUSY, "Device or resource busy"},
    {EMFILE, "Too many open files"},
    {ENFILE, "Too many open files in system"},
    {ENOBUFS, "No buffer space available"},
    {ENOSYS, "Function not implemented"},
    {EPIPE, "Broken pipe"},
    {EADDRINUSE, "Address already in use"},
    {EADDRNOTAVAIL, "Cannot assign requested address"},
    {EAFNOSUPPORT, "Address family not supported by protocol"},
#ifdef EPFNOSUPPORT
    {EPFNOSUPPORT, "Protocol family not supported"},
#endif
    {EPROTONOSUPPORT, "Protocol not supported"},
    {EPROTOTYPE, "Protocol wrong type for socket"},
    {ENOPROTOOPT, "Protocol not available"},
    {EOPNOTSUPP, "Operation not supported"},
    {EDESTADDRREQ, "Destination address required"},
    {ENOTSOCK, "Socket operation on non-socket"},
    {ENOTCONN, "Transport endpoint is not connected"},
    {EISCONN, "Transport endpoint is already connected"},
    {ECONNABORTED, "Software caused connection abort"},
#ifdef EHOSTDOWN
    {EHOSTDOWN, "Host is down"},
#endif
    {ENETRESET, "Network dropped connection on reset"},
    {EINPROGRESS, "Operation now in progress"},
    {EWOULDBLOCK, "Operation would block"},
    {EOVERFLOW, "Value too large for defined data type"},
    {ENODEV, "No such device"},
    {ENXIO, "No such device or address"},
    {ESRCH, "No such process"},
    {E2BIG, "Argument list too long"},
    {ENAMETOOLONG, "File name too long"},
    {ENOTDIR, "Not a directory"},
    {EEXIST, "File exists"},
    {EDOM, "Numerical argument out of domain"},
#ifdef ENODATA
    {ENODATA, "No data available"},
#endif
#ifdef ETIME
    {ETIME, "Timer expired"},
#endif
    {ENOTRECOVERABLE, "State not recoverable"},
    {EOWNERDEAD, "Owner died"},
#ifdef EKEYREJECTED
    {EKEYREJECTED, "Key was rejected by service"},
#endif
#ifdef ENOKEY
    {ENOKEY, "Required key not available"},
#endif
};

const char *zcoap_strerror(int err)
{
	size_t i;

	if (err == INT_MIN) {
		return "Unknown error";
	}
	if (err < 0) {
		err = -err;
	}
	if (err == 0) {
		return "Success";
	}
	for (i = 0; i < sizeof(errtexts) / sizeof(errtexts[0]); i++) {
		if (errtexts[i].err == err) {
			return errtexts[i].text;
		}
	}
	return "Unknown error";
}
