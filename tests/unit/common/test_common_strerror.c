/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_common_strerror.c -- zcoap_strerror() texts.
 */
#include <errno.h>
#include <limits.h>

#include "codec_test_util.h"
#include "coap_client.h"

static void test_library_errors_have_text(void **state)
{
	static const int errs[] = {
	    EINVAL,    EAGAIN,     ENOSPC,       EMSGSIZE,    EBADMSG,    EILSEQ,
	    ETIMEDOUT, ECONNRESET, ECANCELED,    EIO,         ENOTSUP,    ECONNREFUSED,
	    ENOENT,    EALREADY,   ESHUTDOWN,    EDEADLK,     ERANGE,     ENOMEM,
	    EPROTO,    ENETDOWN,   EHOSTUNREACH, ENETUNREACH, EADDRINUSE, ENOBUFS,
	    EINTR,     EBADF,      EAFNOSUPPORT, ENOTCONN,    EMFILE,     EPIPE,
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(errs); i++) {
		const char *neg = zcoap_strerror(-errs[i]);
		const char *pos = zcoap_strerror(errs[i]);

		assert_non_null(neg);
		assert_ptr_equal(neg, pos);
		if (strcmp(neg, "Unknown error") == 0) {
			print_message("errno %d has no text\n", errs[i]);
			fail();
		}
	}
	/* Distinct errors used by the library get distinct texts. */
	assert_string_not_equal(zcoap_strerror(-ETIMEDOUT), zcoap_strerror(-ECONNRESET));
	assert_string_not_equal(zcoap_strerror(-EBADMSG), zcoap_strerror(-EILSEQ));
}

static void test_unknown_errors(void **state)
{
	(void)state;
	assert_string_equal(zcoap_strerror(0), "Success");
	assert_string_equal(zcoap_strerror(-99999), "Unknown error");
	assert_string_equal(zcoap_strerror(99999), "Unknown error");
	assert_string_equal(zcoap_strerror(INT_MIN), "Unknown error");
	assert_string_equal(zcoap_strerror(INT_MAX), "Unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_library_errors_have_text),
	    cmocka_unit_test(test_unknown_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
