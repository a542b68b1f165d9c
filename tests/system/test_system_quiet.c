/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_system_quiet.c -- thread mode when the receive thread is asleep in
 * poll() each time a request comes (a quiet machine, or an application that
 * takes its time between requests; issue 13, docs/design/threading.md, "The
 * sticky poll set"): a sequential loop on a watched socket costs no
 * identity check (fstat(), counted by tests/support/fstat_count.c); a
 * socket the application closed and whose number it got again is still
 * served, and from then on the client checks numbers again. The tests wait
 * until the client thread is blocked in poll() (/proc/self/task/TID/syscall),
 * an observable state, not a fixed sleep.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "fstat_count.h"
#include "sys_util.h"

/* The client thread (named "sys" by sys_setup()) is blocked in poll()/ppoll(). */
static bool thread_in_poll(bool *can)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	bool in_poll = false;

	*can = d != NULL;
	while (d != NULL && (e = readdir(d)) != NULL) {
		char path[300];
		char buf[64] = "";
		FILE *fp;
		long nr = -1;

		if (e->d_name[0] == '.') {
			continue;
		}
		(void)snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		fp = fopen(path, "r");
		if (fp == NULL || fgets(buf, sizeof(buf), fp) == NULL ||
		    strcmp(buf, "sys\n") != 0) {
			if (fp != NULL) {
				fclose(fp);
			}
			continue;
		}
		fclose(fp);
		(void)snprintf(path, sizeof(path), "/proc/self/task/%s/syscall", e->d_name);
		fp = fopen(path, "r");
		if (fp == NULL) {
			*can = false;
			break;
		}
		if (fscanf(fp, "%ld", &nr) != 1) {
			nr = -1; /* "running" */
		}
		fclose(fp);
#ifdef SYS_poll
		in_poll = nr == SYS_poll;
#endif
#ifdef SYS_ppoll
		in_poll = in_poll || nr == SYS_ppoll;
#endif
	}
	if (d != NULL) {
		closedir(d);
	}
	return in_poll;
}

/* Wait (up to 10 s) until the client thread sleeps in poll(); skip where /proc cannot tell. */
static void wait_in_poll(void)
{
	struct timespec ms = {.tv_sec = 0, .tv_nsec = 1000000};

	for (int i = 0; i < 10000; i++) {
		bool can;

		if (thread_in_poll(&can)) {
			return;
		}
		if (!can) {
			skip();
		}
		(void)nanosleep(&ms, NULL);
	}
	fail_msg("the client thread never slept in poll()");
}

/* One CON GET on s->sock, answered at once; the callback has run when this returns. */
static void request(struct sys *s, size_t nth)
{
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "q");

	sys_send(s, &req, &params);
	assert_int_equal(peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "a", 1),
			 0);
	assert_true(recorder_wait(&s->rec, nth, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, nth - 1, COAP_RESPONSE_CODE_CONTENT, "a", true);
}

/* The application closes its socket and gets the number again for a new one. */
static void reopen(struct sys *s)
{
	int fresh = sys_udp_socket();

	assert_true(fresh >= 0);
	assert_int_equal(dup2(fresh, s->sock), s->sock);
	assert_int_equal(close(fresh), 0);
}

/* Issue 13: no fstat() per request while the thread sleeps on the socket. */
static void test_quiet_sequential_no_identity_check(void **state)
{
	struct sys *s = *state;

	request(s, 1); /* the socket is new to the client: checked once */
	wait_in_poll();
	fstat_count_reset();
	for (size_t i = 2; i <= 10; i++) {
		request(s, i);
		wait_in_poll();
	}
	assert_int_equal(fstat_count(), 0);
}

/*
 * The socket of a sequential loop stays watched for as long as the loop
 * goes on, not only for the first second after it first went idle (the
 * requests end within the thread's poll() rounds, so the thread never sees
 * the socket with a request): no wake-up and no new identity check for
 * it. The pause only lets more than that second pass, with every gap far
 * below it.
 */
static void test_quiet_socket_stays_watched(void **state)
{
	struct sys *s = *state;
	struct timespec pause = {.tv_sec = 0, .tv_nsec = 50 * 1000000L};

	request(s, 1);
	wait_in_poll();
	fstat_count_reset();
	for (size_t i = 2; i <= 26; i++) {
		(void)nanosleep(&pause, NULL);
		request(s, i);
		wait_in_poll();
	}
	assert_int_equal(fstat_count(), 0);
}

/*
 * A closed and reused number while the thread sleeps: its poll() watches
 * the old socket, so the answer on the new one is read at its deadline (at
 * most 1 s later). The thread then checks the numbers of its requests,
 * sees the reuse, and from then on a request while it sleeps checks its
 * number at once (and wakes the thread for a new socket).
 */
static void test_quiet_reused_number(void **state)
{
	struct sys *s = *state;

	request(s, 1);
	wait_in_poll();
	reopen(s);
	fstat_count_reset();
	request(s, 2); /* read once the thread's poll() timed out */
	assert_true(fstat_count() >= 1);

	wait_in_poll();
	reopen(s);
	fstat_count_reset();
	request(s, 3);
	assert_true(fstat_count() >= 1);
	wait_in_poll();
	fstat_count_reset();
	request(s, 4); /* the same socket again: checked, and no wake-up needed */
	assert_int_equal(fstat_count(), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_quiet_sequential_no_identity_check, sys_setup,
					    sys_teardown),
	    cmocka_unit_test_setup_teardown(test_quiet_socket_stays_watched, sys_setup,
					    sys_teardown),
	    cmocka_unit_test_setup_teardown(test_quiet_reused_number, sys_setup, sys_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
