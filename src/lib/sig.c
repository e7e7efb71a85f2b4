// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * SIGINT and SIGTERM: the flag and the wake-up pipe (sig.h). Must not
 * decide what an interrupted command does.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>

#include "sig.h"

/*
 * The only state a signal handler touches. Atomic, not just volatile
 * sig_atomic_t: the migration's device threads read it too (lock-free
 * atomics are async-signal-safe).
 */
static atomic_int caught;
static int pipe_fd[2] = { -1, -1 };
/* Set in a thread that sig_interrupt() was pointed at, by its handler. */
static _Thread_local volatile sig_atomic_t cancelled;

#define SIG_CANCEL SIGUSR1

static void on_cancel(int sig)
{
	cancelled = 1;
}

static void on_signal(int sig)
{
	int e = errno;

	atomic_store(&caught, sig);
	/* Non-blocking: a full pipe is readable already. */
	if (pipe_fd[1] >= 0)
		(void)!write(pipe_fd[1], "", 1);
	errno = e;
}

void sig_catch(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	if (pipe_fd[0] < 0 && pipe2(pipe_fd, O_CLOEXEC | O_NONBLOCK))
		pipe_fd[0] = pipe_fd[1] = -1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_cancel;
	sigaction(SIG_CANCEL, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

void sig_interrupt(pthread_t t)
{
	/* Its default action would end the process: only once handled. */
	if (pipe_fd[0] >= 0)
		pthread_kill(t, SIG_CANCEL);
}

bool sig_cancelled(void)
{
	return cancelled;
}

int sig_caught(void)
{
	return atomic_load(&caught);
}

int sig_fd(void)
{
	return pipe_fd[0];
}
