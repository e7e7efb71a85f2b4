// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * SIGINT and SIGTERM (sig.h), and the signal that interrupts one thread's
 * blocking call (struct cancel's interrupt). A signal handler can reach
 * only what is global: the cancellation below is this module's, and the
 * only state its handlers touch. Must not decide what an interrupted
 * command does.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>

#include "sig.h"

#define SIG_CANCEL SIGUSR1

static int pipe_fd[2] = { -1, -1 };
/* Set in a thread that interrupt() was pointed at, by its handler. */
static _Thread_local volatile sig_atomic_t hit;

static void interrupt(pthread_t t)
{
	/* Its default action would end the process: only once handled. */
	if (pipe_fd[0] >= 0)
		pthread_kill(t, SIG_CANCEL);
}

static bool was_hit(void)
{
	return hit;
}

/*
 * Atomic, not just volatile sig_atomic_t: the migration's device threads
 * read it too (lock-free atomics are async-signal-safe).
 */
static struct cancel token = { .fd = -1, .interrupt = interrupt, .hit = was_hit };

static void on_cancel(int sig)
{
	hit = 1;
}

static void on_signal(int sig)
{
	int e = errno;

	atomic_store(&token.sig, sig);
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
	token.fd = pipe_fd[0];
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_cancel;
	sigaction(SIG_CANCEL, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int sig_caught(void)
{
	return atomic_load(&token.sig);
}

int sig_fd(void)
{
	return pipe_fd[0];
}

const struct cancel *sig_cancel(void)
{
	return &token;
}
