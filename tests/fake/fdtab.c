/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-process table of the file descriptors that stand for VFIO objects.
 *
 * Every fake fd is a real fd on a plain file inside the fake root, so
 * poll() and /proc/PID/fd behave without wrapping; ioctl() and close()
 * need to know what the fd means, and read()/write() too for data fds
 * (dataio.c). dup() is tracked for data fds only, which share the open
 * file description like the kernel's dups do: dd(1) moves its input to
 * fd 0 that way. vfiomig has no reason to dup a VFIO fd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake.h"

#define FDTAB_MAX 4096

static struct fake_fd tab[FDTAB_MAX];

static void release(struct fake_fd *e);
static pthread_mutex_t tab_mutex = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

void fdtab_lock(void)
{
	pthread_mutex_lock(&tab_mutex);
}

void fdtab_unlock(void)
{
	pthread_mutex_unlock(&tab_mutex);
}

/*
 * close_range(), dup2() over the fd or fclose(fdopen()) bypass our
 * close(): check that the fd still is the file we registered, so a
 * reused fd number never has its ioctls answered by the fake.
 */
struct fake_fd *fdtab_get(int fd)
{
	struct stat st;

	if (fd < 0 || fd >= FDTAB_MAX || tab[fd].kind == FK_NONE)
		return NULL;
	if (fstat(fd, &st) || st.st_dev != tab[fd].st_dev ||
	    st.st_ino != tab[fd].st_ino) {
		release(&tab[fd]);	/* late, but ownership must end */
		return NULL;
	}
	return &tab[fd];
}

enum fake_kind fdtab_kind(int fd)
{
	return fd < 0 || fd >= FDTAB_MAX ? FK_NONE : tab[fd].kind;
}

struct fake_fd *fdtab_add(int fd, enum fake_kind kind, const char *name)
{
	struct fake_fd *e;
	struct stat st;

	if (fd < 0 || fd >= FDTAB_MAX || fstat(fd, &st))
		return NULL;
	e = &tab[fd];
	if (e->kind != FK_NONE)
		release(e);	/* its close went past us */
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->lock_fd = -1;
	e->lock_fd2 = -1;
	e->container = -1;
	e->st_dev = st.st_dev;
	e->st_ino = st.st_ino;
	snprintf(e->name, sizeof(e->name), "%s", name ? name : "");
	return e;
}

/*
 * The read()/write() fast path: most fds are not ours, and telling so
 * must cost no lock and no system call.
 */
struct data_sess *fdtab_data(int fd)
{
	struct data_sess *ds = NULL;
	struct fake_fd *e;

	if (fd < 0 || fd >= FDTAB_MAX || !tab[fd].ds)
		return NULL;
	fdtab_lock();
	e = fdtab_get(fd);
	if (e)
		ds = e->ds;
	fdtab_unlock();
	return ds;
}

/*
 * A data fd of this process on the same file as @fd, @fd included. The
 * fake opens each session file once, so the same file is the same open
 * file description, whose fds share fault and rate state like dups.
 */
struct fake_fd *fdtab_twin(int fd)
{
	struct stat st;
	int i;

	if (fstat(fd, &st))
		return NULL;
	for (i = 0; i < FDTAB_MAX; i++) {
		if (tab[i].ds && tab[i].kind != FK_SOURCE &&
		    tab[i].st_dev == st.st_dev && tab[i].st_ino == st.st_ino &&
		    fdtab_get(i))
			return &tab[i];
	}
	return NULL;
}

/* Close an fd the library made and never handed out. */
void fdtab_drop(int fd)
{
	fdtab_lock();
	if (fdtab_get(fd))
		release(&tab[fd]);
	real.close(fd);
	fdtab_unlock();
}

/* How many fds of this process have device @name open. */
int fdtab_device_opens(const char *name)
{
	int fd, n = 0;

	for (fd = 0; fd < FDTAB_MAX; fd++) {
		struct fake_fd *e = &tab[fd];

		if (!strcmp(e->name, name) &&
		    (e->kind == FK_DEVICE || (e->kind == FK_CDEV && e->bound)))
			n++;
	}
	return n;
}

/* Does this process hold a data fd of @kind on device @name? */
bool fdtab_has(const char *name, enum fake_kind kind)
{
	bool has = false;

	fdtab_lock();
	for (int fd = 0; !has && fd < FDTAB_MAX; fd++)
		has = tab[fd].kind == kind && !strcmp(tab[fd].name, name) &&
		      fdtab_get(fd);
	fdtab_unlock();
	return has;
}

static void release(struct fake_fd *e)
{
	bool was_open = e->kind == FK_DEVICE ||
			(e->kind == FK_CDEV && e->bound);
	char name[FAKE_NAME_MAX];

	/* closing the lock fds is what ends group/cdev ownership */
	if (e->lock_fd >= 0)
		real.close(e->lock_fd);
	if (e->lock_fd2 >= 0)
		real.close(e->lock_fd2);
	strcpy(name, e->name);
	if (e->ds)
		data_detach(e->ds);
	e->ds = NULL;
	e->kind = FK_NONE;
	e->name[0] = '\0';
	if (was_open && fdtab_device_opens(name) == 0)
		device_closed(name);
}

FAKE_EXPORT int close(int fd)
{
	struct fake_fd *e;
	int ret;

	fake_init();
	fdtab_lock();
	e = fdtab_get(fd);
	ret = real.close(fd);
	if (e)
		release(e);
	fdtab_unlock();
	return ret;
}

/* @new is now a dup of @old (or, failing that, nothing of ours). */
static int dup_done(int old, int new)
{
	struct fake_fd *e, *n;

	if (new < 0 || new == old)
		return new;
	fdtab_lock();
	if (fdtab_get(new))
		release(&tab[new]);	/* dup2() closed it */
	e = fdtab_get(old);
	if (e && e->ds) {
		n = fdtab_add(new, e->kind, e->name);
		if (n)
			n->ds = data_ref(e->ds);
	}
	fdtab_unlock();
	return new;
}

FAKE_EXPORT int dup(int old)
{
	fake_init();
	return dup_done(old, real.dup(old));
}

FAKE_EXPORT int dup2(int old, int new)
{
	fake_init();
	return dup_done(old, real.dup2(old, new));
}

FAKE_EXPORT int dup3(int old, int new, int flags)
{
	fake_init();
	return dup_done(old, real.dup3(old, new, flags));
}
