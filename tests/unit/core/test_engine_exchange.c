/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_engine_exchange.c -- issue 14 on the fake clock: long option values
 * (ZCOAP_CONFIG_EXTENDED_OPTIONS_LEN), No-Response (RFC 7967) and the other
 * kinds of exchange of docs/design/exchanges.md.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fake_io.h"

static int setup(void **state)
{
	*state = fk_new();
	return 0;
}

static int teardown(void **state)
{
	fk_free(*state);
	return 0;
}

static int u1;

/* ---- long option values (issue 14 point 4) ---- */

/* A 255-byte Uri-Host (RFC 7252 §5.10.1's limit) and a long Proxy-Uri go out intact. */
static void test_long_options_sent(void **state)
{
#if MAX_COAP_CLIENT_OPTION_LEN < 255
	(void)state;
	skip(); /* the constrained profile keeps Zephyr's 12-byte option values */
#else
	struct fk *f = *state;
	static struct coap_client_option opts[2];
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "", &u1);
	const struct fk_opt *o;
	struct fk_msg m;
	size_t proxy_len = MAX_COAP_CLIENT_OPTION_LEN;

	memset(opts, 0, sizeof(opts));
	opts[0].code = COAP_OPTION_URI_HOST;
	opts[0].len = 255;
	memset(opts[0].value, 'h', 255);
	opts[1].code = COAP_OPTION_PROXY_URI;
	opts[1].len = (uint16_t)proxy_len;
	memcpy(opts[1].value, "coap://", 7);
	memset(opts[1].value + 7, 'p', proxy_len - 7);
	r.options = opts;
	r.num_options = 2;
	assert_int_equal(fk_submit(f, &r, NULL), 0);
	fk_sent_msg(f, 0, &m);
	o = fk_opt_get(&m, COAP_OPTION_URI_HOST, 0);
	assert_non_null(o);
	assert_int_equal(o->len, 255);
	assert_memory_equal(o->val, opts[0].value, 255);
	o = fk_opt_get(&m, COAP_OPTION_PROXY_URI, 0);
	assert_non_null(o);
	assert_int_equal(o->len, proxy_len);
	assert_memory_equal(o->val, opts[1].value, proxy_len);
	/* and the retransmission too (the copy in the slot is what is sent) */
	memset(opts, 0, sizeof(opts));
	assert_true(fk_step(f));
	fk_sent_msg(f, 1, &m);
	o = fk_opt_get(&m, COAP_OPTION_URI_HOST, 0);
	assert_non_null(o);
	assert_int_equal(o->len, 255);
	assert_int_equal(o->val[254], 'h');
#endif
}

/* An option value longer than MAX_COAP_CLIENT_OPTION_LEN is -EINVAL, and nothing is sent. */
static void test_option_too_long_einval(void **state)
{
	struct fk *f = *state;
	static struct coap_client_option opt;
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "x", &u1);

	memset(&opt, 0, sizeof(opt));
	opt.code = COAP_OPTION_URI_HOST;
	opt.len = MAX_COAP_CLIENT_OPTION_LEN + 1;
	r.options = &opt;
	r.num_options = 1;
	assert_int_equal(fk_submit(f, &r, NULL), -EINVAL);
	assert_int_equal(fk_nsent(f), 0);
	assert_false(zc_engine_busy(&f->eng));
	opt.len = MAX_COAP_CLIENT_OPTION_LEN;
	assert_int_not_equal(fk_submit(f, &r, NULL), -EINVAL);
}

/* Options that together cannot fit in a message: -ENOSPC, slot free again. */
static void test_options_too_many_bytes_enospc(void **state)
{
	struct fk *f = *state;
	static struct coap_client_option opts[ZCOAP_CONFIG_MAX_EXTRA_OPTIONS];
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "x", &u1);
	size_t total = 0;

	memset(opts, 0, sizeof(opts));
	for (unsigned int i = 0; i < ZCOAP_CONFIG_MAX_EXTRA_OPTIONS; i++) {
		opts[i].code = COAP_OPTION_URI_QUERY;
		opts[i].len = MAX_COAP_CLIENT_OPTION_LEN;
		memset(opts[i].value, 'q', MAX_COAP_CLIENT_OPTION_LEN);
		total += MAX_COAP_CLIENT_OPTION_LEN;
	}
	r.options = opts;
	r.num_options = ZCOAP_CONFIG_MAX_EXTRA_OPTIONS;
	if (total + 4 + 8 + 2 <= MAX_COAP_MSG_LEN) {
		skip(); /* every option at its largest fits in a message in this build */
	}
	assert_int_equal(fk_submit(f, &r, NULL), -ENOSPC);
	assert_int_equal(fk_nsent(f), 0);
	assert_false(zc_engine_busy(&f->eng));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_long_options_sent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_option_too_long_einval, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_options_too_many_bytes_enospc, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
