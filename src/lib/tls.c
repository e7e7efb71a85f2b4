// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TLS 1.3 with a pre-shared key (GnuTLS) on a connected socket: the
 * handshake and the session a channel wraps. Must not know what is
 * carried.
 */
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "tls.h"
#include "vm.h"

/*
 * TLS 1.3 only, key exchange by PSK with (EC)DHE so that a key leaked
 * later does not open recorded migrations. AES-128-GCM first: the PSK's
 * hash is SHA-256, which rules out AES-256-GCM's suite, and without this
 * GnuTLS falls to ChaCha20, 3.6 times slower here than AES with the
 * CPU's instructions (bench/migrate.sh).
 */
#define PRIORITY "NORMAL:-VERS-ALL:+VERS-TLS1.3:-KX-ALL:+ECDHE-PSK:+DHE-PSK:" \
		 "-CIPHER-ALL:+AES-128-GCM:+CHACHA20-POLY1305"
#define PSK_IDENTITY "vfiomig"
/* Not a GnuTLS code: the handshake gave up on a signal. */
#define TLS_INTERRUPTED 1

static int psk_check_file(int fd, const char *path, struct reason *why)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return fail(why, -VM_E_USAGE, "%s: not a regular file", path);
	if (st.st_uid != geteuid() && st.st_uid != 0)
		return fail(why, -VM_E_USAGE, "%s: owned by uid %u, not by us or root", path,
			    (unsigned)st.st_uid);
	if (st.st_mode & 077)
		return fail(why, -VM_E_USAGE, "%s: mode %04o lets others read it; chmod 600 it",
			    path, (unsigned)(st.st_mode & 07777));
	return 0;
}

/*
 * The first line of buf[0..n), as the key: bytes, not a C string. A NUL
 * in it is refused: a tool that wrote it meant text, and a key read up
 * to its NUL would make two different files one key.
 */
static int psk_take(const char *path, const char *buf, size_t n, struct psk *k,
		    struct reason *why)
{
	const char *nl = memchr(buf, '\n', n), *cr = memchr(buf, '\r', n);
	size_t len = nl ? (size_t)(nl - buf) : n;

	if (cr && (size_t)(cr - buf) < len)
		len = cr - buf;
	if (memchr(buf, '\0', len))
		return fail(why, -VM_E_USAGE, "%s: the key (its first line) has a NUL byte "
			    "at byte %zu; e.g. openssl rand -hex 32", path,
			    (size_t)((const char *)memchr(buf, '\0', len) - buf));
	if (len < PSK_MIN || len > PSK_MAX)
		return fail(why, -VM_E_USAGE, "%s: the key (its first line) must be %d to %d "
			    "bytes, it is %zu%s; e.g. openssl rand -hex 32", path, PSK_MIN,
			    PSK_MAX, len, len >= PSK_MAX + 2 ? " or more" : "");
	memcpy(k->key, buf, len);
	k->len = len;
	return 0;
}

int psk_load(const char *path, struct psk *k, struct reason *why)
{
	char buf[PSK_MAX + 2];
	ssize_t n;
	/* A FIFO must not block us before it is found not to be a file. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC), r;

	if (fd < 0 && errno == ELOOP)
		return fail(why, -VM_E_USAGE, "%s: a symbolic link; name the key file itself",
			    path);
	if (fd < 0) {
		r = -errno;
		return fail(why, r, "%s: %s", path, errstr(r));
	}
	r = psk_check_file(fd, path, why);
	n = r ? 0 : read(fd, buf, sizeof(buf));
	close(fd);
	if (r)
		return r;
	if (n < 0)
		return fail(why, -EIO, "%s: %s", path, errstr(errno));
	r = psk_take(path, buf, n, k, why);
	explicit_bzero(buf, sizeof(buf));
	return r;
}

/* The server side looks the key up by identity: there is only ours. */
static int server_key(gnutls_session_t s, const char *user, gnutls_datum_t *key)
{
	const struct psk *k = gnutls_session_get_ptr(s);

	if (strcmp(user, PSK_IDENTITY))
		return -1;
	key->data = gnutls_malloc(k->len);
	if (!key->data)
		return -1;
	memcpy(key->data, k->key, k->len);
	key->size = k->len;
	return 0;
}

static int set_credentials(gnutls_session_t s, const struct psk *k, bool server,
			   void **cred)
{
	gnutls_datum_t key = { (unsigned char *)k->key, (unsigned)k->len };
	int r;

	if (server) {
		gnutls_psk_server_credentials_t c;

		r = gnutls_psk_allocate_server_credentials(&c);
		if (r)
			return r;
		gnutls_psk_set_server_credentials_function(c, server_key);
		*cred = c;
		return gnutls_credentials_set(s, GNUTLS_CRD_PSK, c);
	}
	gnutls_psk_client_credentials_t c;

	r = gnutls_psk_allocate_client_credentials(&c);
	if (r)
		return r;
	*cred = c;
	r = gnutls_psk_set_client_credentials(c, PSK_IDENTITY, &key, GNUTLS_PSK_KEY_RAW);
	return r ? r : gnutls_credentials_set(s, GNUTLS_CRD_PSK, c);
}

/*
 * Until the handshake ends, a signal comes or the deadline passes. The
 * socket is non-blocking meanwhile, so that every wait is our poll():
 * GnuTLS's own retries on EINTR/EAGAIN never look at the signal flag.
 */
static int handshake(const struct vm_ctx *x, gnutls_session_t s, int fd,
		     unsigned int timeout_ms)
{
	double deadline = monotonic_secs() + timeout_ms / 1000.0;
	int r, flags = fcntl(fd, F_GETFL);

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK))
		return GNUTLS_E_PUSH_ERROR;
	for (;;) {
		struct pollfd p[2] = { { .fd = fd }, { .fd = cancel_fd(x), .events = POLLIN } };
		int ms = (int)((deadline - monotonic_secs()) * 1000);

		r = gnutls_handshake(s);
		if (r >= 0 || gnutls_error_is_fatal(r) || r == GNUTLS_E_TIMEDOUT)
			break;
		if (cancelled(x)) {
			r = TLS_INTERRUPTED;
			break;
		}
		if (ms <= 0) {
			r = GNUTLS_E_TIMEDOUT;
			break;
		}
		p[0].events = gnutls_record_get_direction(s) ? POLLOUT : POLLIN;
		if (poll(p, 2, ms) < 0 && errno != EINTR) {
			r = GNUTLS_E_PULL_ERROR;
			break;
		}
	}
	fcntl(fd, F_SETFL, flags);
	return r;
}

int tls_start(struct chan *c, const struct psk *k, bool server,
	      unsigned int timeout_ms, char *why, size_t why_len)
{
	gnutls_session_t s;
	void *cred = NULL;
	int r;

	r = gnutls_init(&s, (server ? GNUTLS_SERVER : GNUTLS_CLIENT) | GNUTLS_NO_SIGNAL);
	if (r) {
		snprintf(why, why_len, "%s", gnutls_strerror(r));
		return -VM_E_AUTH;
	}
	gnutls_session_set_ptr(s, (void *)k);
	r = gnutls_priority_set_direct(s, PRIORITY, NULL);
	if (!r)
		r = set_credentials(s, k, server, &cred);
	if (!r) {
		gnutls_transport_set_int(s, c->fd);
		/*
		 * Ours is the only deadline: with one of its own GnuTLS waits
		 * in its pull-timeout function, where no signal pipe is polled.
		 */
		gnutls_handshake_set_timeout(s, 0);
		r = handshake(c->x, s, c->fd, timeout_ms);
	}
	if (r) {
		snprintf(why, why_len, "%s", r == TLS_INTERRUPTED ? "interrupted" :
			 gnutls_strerror(r));
		gnutls_deinit(s);
		if (cred && server)
			gnutls_psk_free_server_credentials(cred);
		else if (cred)
			gnutls_psk_free_client_credentials(cred);
		return r == TLS_INTERRUPTED ? -VM_E_INTERRUPTED :
		       r == GNUTLS_E_TIMEDOUT ? -ETIMEDOUT : -VM_E_AUTH;
	}
	/* The credentials must outlive the session: chan_close() frees both. */
	c->tls = s;
	c->cred = cred;
	c->server = server;
	return 0;
}
