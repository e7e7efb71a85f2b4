// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * devlink ports over libnl-genl, the way iw's genl.c talks to nl80211:
 * one socket with extended ACKs, the family resolved by name, and one
 * request helper whose error/ack/finish/valid callbacks share one status.
 * Replies are checked against libnl policies and turned into the plain
 * structs of devlink.h; nothing outside this file sees libnl.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "compat.h"
#include "devlink.h"
#include "sysfs.h"
#include "reason.h"
#include "vm.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static struct nla_policy port_policy[DEVLINK_ATTR_MAX + 1] = {
	[DEVLINK_ATTR_BUS_NAME] = { .type = NLA_NUL_STRING },
	[DEVLINK_ATTR_DEV_NAME] = { .type = NLA_NUL_STRING },
	[DEVLINK_ATTR_PORT_INDEX] = { .type = NLA_U32 },
	[DEVLINK_ATTR_PORT_FLAVOUR] = { .type = NLA_U16 },
	[DEVLINK_ATTR_PORT_NETDEV_NAME] = { .type = NLA_NUL_STRING },
	[DEVLINK_ATTR_PORT_PCI_PF_NUMBER] = { .type = NLA_U16 },
	[DEVLINK_ATTR_PORT_PCI_VF_NUMBER] = { .type = NLA_U16 },
	[DEVLINK_ATTR_PORT_EXTERNAL] = { .type = NLA_U8 },
	[DEVLINK_ATTR_PORT_FUNCTION] = { .type = NLA_NESTED },
};

/* libnl 3.7 has no bitfield32 type: a binary of at least its size. */
static struct nla_policy fn_policy[VFIOMIG_DEVLINK_FN_ATTR_MAX + 1] = {
	[DEVLINK_PORT_FUNCTION_ATTR_HW_ADDR] = { .type = NLA_UNSPEC },
	[DEVLINK_PORT_FN_ATTR_STATE] = { .type = NLA_U8 },
	[DEVLINK_PORT_FN_ATTR_OPSTATE] = { .type = NLA_U8 },
	[DEVLINK_PORT_FN_ATTR_CAPS] = { .type = NLA_UNSPEC,
					.minlen = sizeof(struct nla_bitfield32) },
};

static struct nla_policy extack_policy[NLMSGERR_ATTR_MAX + 1] = {
	[NLMSGERR_ATTR_MSG] = { .type = NLA_STRING },
};

/* What the callbacks of one request share. */
struct req {
	struct dl *dl;
	int status;      /* 1 while waiting; then 0 or -errno */
	bool nomem;      /* a reply could not be stored */
	void (*store)(struct req *rq, const struct dl_port *p);
	void *arg;
	/* The reply's parser when it is not a port (dev info). */
	int (*valid)(struct nl_msg *msg, void *arg);
};

/*
 * The kernel's message, from the TLVs after an error (or after the error
 * code of a dump's DONE). off is where the TLVs start in the payload.
 */
static void save_extack(struct dl *dl, struct nlmsghdr *nlh, size_t off)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t len = nlmsg_datalen(nlh);
	struct nlattr *msg;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || len <= off)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)nlmsg_data(nlh) + off),
		      (int)(len - off), extack_policy) < 0)
		return;
	msg = tb[NLMSGERR_ATTR_MSG];
	if (msg)
		snprintf(dl->extack, sizeof(dl->extack), "%.*s",
			 (int)strnlen(nla_data(msg), nla_len(msg)),
			 (char *)nla_data(msg));
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct req *rq = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)e - 1;
	size_t off = sizeof(*e);

	/* Uncapped errors echo our request before the TLVs. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(e->msg.nlmsg_len) - sizeof(e->msg);
	save_extack(rq->dl, nlh, off);
	rq->status = e->error < 0 ? e->error : -EPROTO;
	return NL_STOP;
}

/* A dump ends with DONE, which carries the dump's own error code. */
static int on_finish(struct nl_msg *msg, void *arg)
{
	struct req *rq = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int e = 0;

	if (nlmsg_datalen(nlh) >= (int)sizeof(int))
		memcpy(&e, nlmsg_data(nlh), sizeof(e));
	if (e < 0)
		save_extack(rq->dl, nlh, NLMSG_ALIGN(sizeof(int)));
	rq->status = e < 0 ? e : 0;
	return NL_SKIP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct req *rq = arg;

	rq->status = 0;
	return NL_STOP;
}

static void parse_function(struct nlattr *nest, struct dl_port *p)
{
	struct nlattr *fn[VFIOMIG_DEVLINK_FN_ATTR_MAX + 1];
	struct nla_bitfield32 caps;
	int r = nla_parse_nested(fn, VFIOMIG_DEVLINK_FN_ATTR_MAX, nest, fn_policy);

	if (r < 0) {
		return;
	}
	if (fn[DEVLINK_PORT_FUNCTION_ATTR_HW_ADDR]) {
		const unsigned char *a = nla_data(fn[DEVLINK_PORT_FUNCTION_ATTR_HW_ADDR]);
		for (int i = 0; i < nla_len(fn[DEVLINK_PORT_FUNCTION_ATTR_HW_ADDR]) &&
				i < 32; i++)
			snprintf(p->hw_addr + 3 * i, sizeof(p->hw_addr) - 3 * i,
				 "%s%02x", i ? ":" : "", a[i]);
	}
	if (fn[DEVLINK_PORT_FN_ATTR_STATE])
		p->fn_state = nla_get_u8(fn[DEVLINK_PORT_FN_ATTR_STATE]);
	if (fn[DEVLINK_PORT_FN_ATTR_OPSTATE])
		p->fn_opstate = nla_get_u8(fn[DEVLINK_PORT_FN_ATTR_OPSTATE]);
	if (!fn[DEVLINK_PORT_FN_ATTR_CAPS])
		return;
	memcpy(&caps, nla_data(fn[DEVLINK_PORT_FN_ATTR_CAPS]), sizeof(caps));
	/* The selector says which capabilities the driver reported. */
	if (caps.selector & DEVLINK_PORT_FN_CAP_MIGRATABLE)
		p->migratable = (caps.value & DEVLINK_PORT_FN_CAP_MIGRATABLE) ?
				DL_ON : DL_OFF;
}

static void copy_str(char *dst, size_t len, struct nlattr *a)
{
	if (a)
		snprintf(dst, len, "%s", nla_get_string(a));
}

static int u16_or(struct nlattr *a, int dflt)
{
	return a ? nla_get_u16(a) : dflt;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[DEVLINK_ATTR_MAX + 1];
	struct req *rq = arg;
	struct dl_port p;
	int r = genlmsg_parse(nlmsg_hdr(msg), 0, tb, DEVLINK_ATTR_MAX, port_policy);

	if (r < 0) {
		note_dbg(rq->dl->x, "devlink reply skipped: %s", nl_geterror(r));
		return NL_SKIP;
	}
	memset(&p, 0, sizeof(p));
	p.fn_state = p.fn_opstate = -1;
	p.migratable = DL_UNREPORTED;
	copy_str(p.h.bus, sizeof(p.h.bus), tb[DEVLINK_ATTR_BUS_NAME]);
	copy_str(p.h.dev, sizeof(p.h.dev), tb[DEVLINK_ATTR_DEV_NAME]);
	copy_str(p.netdev, sizeof(p.netdev), tb[DEVLINK_ATTR_PORT_NETDEV_NAME]);
	if (tb[DEVLINK_ATTR_PORT_INDEX])
		p.h.index = nla_get_u32(tb[DEVLINK_ATTR_PORT_INDEX]);
	p.flavour = u16_or(tb[DEVLINK_ATTR_PORT_FLAVOUR], -1);
	p.pfnum = u16_or(tb[DEVLINK_ATTR_PORT_PCI_PF_NUMBER], -1);
	p.vfnum = u16_or(tb[DEVLINK_ATTR_PORT_PCI_VF_NUMBER], -1);
	p.external = tb[DEVLINK_ATTR_PORT_EXTERNAL] &&
		     nla_get_u8(tb[DEVLINK_ATTR_PORT_EXTERNAL]);
	if (tb[DEVLINK_ATTR_PORT_FUNCTION])
		parse_function(tb[DEVLINK_ATTR_PORT_FUNCTION], &p);
	if (rq->store)
		rq->store(rq, &p);
	return NL_OK;
}

/* Send msg (consumed) and read replies until the kernel's final word. */
static int request(struct dl *dl, struct nl_msg *msg, struct req *rq)
{
	struct nl_cb *cb;
	int r;

	/* -vv: libnl prints every message in and out. */
	cb = nl_cb_alloc(dl->x && dl->x->netlink_debug ? NL_CB_DEBUG : NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	dl->extack[0] = '\0';
	rq->dl = dl;
	rq->status = 1;
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, rq);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, rq);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, rq);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, rq->valid ? rq->valid : on_valid, rq);

	r = nl_send_auto(dl->sk, msg);
	nlmsg_free(msg);
	if (r < 0) {
		snprintf(dl->extack, sizeof(dl->extack), "sending a devlink request: %s",
			 nl_geterror(r));
		rq->status = -EIO;
	}
	while (rq->status > 0) {
		r = nl_recvmsgs(dl->sk, cb);
		/*
		 * The callbacks, run inside nl_recvmsgs(), set rq->status; an
		 * error callback also makes libnl return < 0: ours wins.
		 */
		// cppcheck-suppress knownConditionTrueFalse
		if (r < 0 && rq->status > 0) {
			snprintf(dl->extack, sizeof(dl->extack), "receiving a devlink reply: %s",
				 nl_geterror(r));
			rq->status = -EIO;
		}
	}
	nl_cb_put(cb);
	if (!rq->status && rq->nomem)
		return -ENOMEM;
	return rq->status;
}

static struct nl_msg *new_msg(struct dl *dl, uint8_t cmd, int flags,
			      const struct dl_handle *h)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, dl->family, 0, flags,
			 cmd, DEVLINK_GENL_VERSION))
		goto fail;
	if (h && (nla_put_string(msg, DEVLINK_ATTR_BUS_NAME, h->bus) < 0 ||
		  nla_put_string(msg, DEVLINK_ATTR_DEV_NAME, h->dev) < 0 ||
		  nla_put_u32(msg, DEVLINK_ATTR_PORT_INDEX, h->index) < 0))
		goto fail;
	return msg;
fail:
	nlmsg_free(msg);
	return NULL;
}

int dl_open(struct dl *dl, const struct vm_ctx *x)
{
	int one = 1, r;

	memset(dl, 0, sizeof(*dl));
	dl->x = x;
	dl->sk = nl_socket_alloc();
	if (!dl->sk) {
		snprintf(dl->extack, sizeof(dl->extack), "out of memory");
		r = -ENOMEM;
		goto fail;
	}
	/* Replies for many ports exceed a page: size reads by peeking. */
	nl_socket_enable_msg_peek(dl->sk);
	r = genl_connect(dl->sk);
	if (r < 0) {
		snprintf(dl->extack, sizeof(dl->extack),
			 "connecting to generic netlink: %s", nl_geterror(r));
		r = -EIO;
		goto fail;
	}
	/* The kernel's reason for a refusal; before 4.12 only the errno. */
	if (setsockopt(nl_socket_get_fd(dl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		       &one, sizeof(one)))
		note_dbg(x, "NETLINK_EXT_ACK: %s", errstr(errno));
	dl->family = genl_ctrl_resolve(dl->sk, DEVLINK_GENL_NAME);
	if (dl->family < 0) {
		snprintf(dl->extack, sizeof(dl->extack),
			 "resolving generic netlink family %s: %s (a kernel "
			 "without CONFIG_NET_DEVLINK)", DEVLINK_GENL_NAME,
			 nl_geterror(dl->family));
		r = -VM_E_OLDKERNEL;
		goto fail;
	}
	return 0;
fail:
	dl_close(dl);
	return r;
}

void dl_close(struct dl *dl)
{
	if (dl->sk)
		nl_socket_free(dl->sk);
	dl->sk = NULL;
}

static void store_list(struct req *rq, const struct dl_port *p)
{
	struct dl_ports *out = rq->arg;
	struct dl_port *v = realloc(out->v, (out->n + 1) * sizeof(*v));

	if (!v) {
		rq->nomem = true;
		return;
	}
	v[out->n++] = *p;
	out->v = v;
}

int dl_port_dump(struct dl *dl, struct dl_ports *out)
{
	struct req rq = { .store = store_list, .arg = out };
	struct nl_msg *msg = new_msg(dl, DEVLINK_CMD_PORT_GET, NLM_F_DUMP, NULL);

	out->v = NULL;
	out->n = 0;
	if (!msg)
		return -ENOMEM;
	return request(dl, msg, &rq);
}

void dl_ports_free(struct dl_ports *p)
{
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

static void store_one(struct req *rq, const struct dl_port *p)
{
	*(struct dl_port *)rq->arg = *p;
}

int dl_port_get(struct dl *dl, const struct dl_handle *h, struct dl_port *out)
{
	struct req rq = { .store = store_one, .arg = out };
	struct nl_msg *msg = new_msg(dl, DEVLINK_CMD_PORT_GET, 0, h);

	if (!msg)
		return -ENOMEM;
	return request(dl, msg, &rq);
}

int dl_port_set_migratable(struct dl *dl, const struct dl_handle *h, bool on)
{
	struct nla_bitfield32 caps = {
		.value = on ? DEVLINK_PORT_FN_CAP_MIGRATABLE : 0,
		.selector = DEVLINK_PORT_FN_CAP_MIGRATABLE,
	};
	struct req rq = { 0 };
	struct nl_msg *msg = new_msg(dl, DEVLINK_CMD_PORT_SET, 0, h);
	struct nlattr *fn;

	if (!msg)
		return -ENOMEM;
	/* libnl 3.7 does not mark nests; strict kernels want the flag. */
	fn = nla_nest_start(msg, DEVLINK_ATTR_PORT_FUNCTION | NLA_F_NESTED);
	if (!fn || nla_put(msg, DEVLINK_PORT_FN_ATTR_CAPS, sizeof(caps), &caps) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nla_nest_end(msg, fn);
	return request(dl, msg, &rq);
}

/* ---- dev info: driver, serial number, versions ------------------------ */

static struct nla_policy info_policy[DEVLINK_ATTR_MAX + 1] = {
	[DEVLINK_ATTR_BUS_NAME] = { .type = NLA_NUL_STRING },
	[DEVLINK_ATTR_DEV_NAME] = { .type = NLA_NUL_STRING },
	[DEVLINK_ATTR_INFO_DRIVER_NAME] = { .type = NLA_NUL_STRING },
	[DEVLINK_ATTR_INFO_SERIAL_NUMBER] = { .type = NLA_NUL_STRING },
	[DEVLINK_ATTR_INFO_BOARD_SERIAL_NUMBER] = { .type = NLA_NUL_STRING },
	[DEVLINK_ATTR_INFO_VERSION_FIXED] = { .type = NLA_NESTED },
	[DEVLINK_ATTR_INFO_VERSION_RUNNING] = { .type = NLA_NESTED },
	[DEVLINK_ATTR_INFO_VERSION_STORED] = { .type = NLA_NESTED },
};

static struct nla_policy version_policy[DEVLINK_ATTR_MAX + 1] = {
	[DEVLINK_ATTR_INFO_VERSION_NAME] = { .type = NLA_NUL_STRING },
	[DEVLINK_ATTR_INFO_VERSION_VALUE] = { .type = NLA_NUL_STRING },
};

static void add_version(struct dl_info *in, enum dl_version_kind kind, struct nlattr *nest)
{
	struct nlattr *tb[DEVLINK_ATTR_MAX + 1];
	struct dl_version *v;

	if (in->n >= DL_VERSIONS_MAX ||
	    nla_parse_nested(tb, DEVLINK_ATTR_MAX, nest, version_policy) < 0 ||
	    !tb[DEVLINK_ATTR_INFO_VERSION_NAME] || !tb[DEVLINK_ATTR_INFO_VERSION_VALUE])
		return;
	v = &in->v[in->n++];
	v->kind = kind;
	copy_str(v->name, sizeof(v->name), tb[DEVLINK_ATTR_INFO_VERSION_NAME]);
	copy_str(v->value, sizeof(v->value), tb[DEVLINK_ATTR_INFO_VERSION_VALUE]);
}

/* Versions come as repeated nests, each kind its own attribute type. */
static int on_info(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[DEVLINK_ATTR_MAX + 1], *a;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct req *rq = arg;
	struct dl_info *in = rq->arg;
	int r = genlmsg_parse(nlh, 0, tb, DEVLINK_ATTR_MAX, info_policy);
	int rem;

	if (r < 0) {
		note_dbg(rq->dl->x, "devlink info reply skipped: %s", nl_geterror(r));
		return NL_SKIP;
	}
	copy_str(in->h.bus, sizeof(in->h.bus), tb[DEVLINK_ATTR_BUS_NAME]);
	copy_str(in->h.dev, sizeof(in->h.dev), tb[DEVLINK_ATTR_DEV_NAME]);
	copy_str(in->driver, sizeof(in->driver), tb[DEVLINK_ATTR_INFO_DRIVER_NAME]);
	copy_str(in->serial, sizeof(in->serial), tb[DEVLINK_ATTR_INFO_SERIAL_NUMBER]);
	copy_str(in->board_serial, sizeof(in->board_serial),
		 tb[DEVLINK_ATTR_INFO_BOARD_SERIAL_NUMBER]);
	nlmsg_for_each_attr(a, nlh, GENL_HDRLEN, rem) {
		switch (nla_type(a)) {
		case DEVLINK_ATTR_INFO_VERSION_FIXED:
			add_version(in, DL_VER_FIXED, a);
			break;
		case DEVLINK_ATTR_INFO_VERSION_RUNNING:
			add_version(in, DL_VER_RUNNING, a);
			break;
		case DEVLINK_ATTR_INFO_VERSION_STORED:
			add_version(in, DL_VER_STORED, a);
			break;
		}
	}
	return NL_OK;
}

int dl_info_get(struct dl *dl, const struct dl_handle *h, struct dl_info *out)
{
	struct req rq = { .arg = out, .valid = on_info };
	struct nl_msg *msg = new_msg(dl, DEVLINK_CMD_INFO_GET, 0, NULL);

	memset(out, 0, sizeof(*out));
	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, DEVLINK_ATTR_BUS_NAME, h->bus) < 0 ||
	    nla_put_string(msg, DEVLINK_ATTR_DEV_NAME, h->dev) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return request(dl, msg, &rq);
}

const char *dl_version_kind_name(enum dl_version_kind k)
{
	return k == DL_VER_FIXED ? "fixed" : k == DL_VER_RUNNING ? "running" : "stored";
}

/* ---- handles, names and the PCI side; no libnl below ---------------- */

static bool parse_index(const char *s, uint32_t *v)
{
	char *end;
	unsigned long n;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno || *end || n > UINT32_MAX)
		return false;
	*v = (uint32_t)n;
	return true;
}

static bool copy_part(char *dst, size_t len, const char *s, size_t n)
{
	if (!n || n >= len || memchr(s, '/', n))
		return false;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return true;
}

bool dl_dev_parse(const char *s, struct dl_handle *h)
{
	const char *slash = strchr(s, '/');

	memset(h, 0, sizeof(*h));
	return slash && copy_part(h->bus, sizeof(h->bus), s, slash - s) &&
	       copy_part(h->dev, sizeof(h->dev), slash + 1, strlen(slash + 1));
}

bool dl_handle_parse(const char *s, struct dl_handle *h)
{
	const char *first = strchr(s, '/'), *last = strrchr(s, '/');

	memset(h, 0, sizeof(*h));
	return first && last != first &&
	       copy_part(h->bus, sizeof(h->bus), s, first - s) &&
	       copy_part(h->dev, sizeof(h->dev), first + 1, last - first - 1) &&
	       parse_index(last + 1, &h->index);
}

void dl_handle_str(const struct dl_handle *h, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s/%u", h->bus, h->dev, h->index);
}

const char *dl_flavour_name(int flavour)
{
	static const char *const names[] = {
		[DEVLINK_PORT_FLAVOUR_PHYSICAL] = "physical",
		[DEVLINK_PORT_FLAVOUR_CPU] = "cpu",
		[DEVLINK_PORT_FLAVOUR_DSA] = "dsa",
		[DEVLINK_PORT_FLAVOUR_PCI_PF] = "pcipf",
		[DEVLINK_PORT_FLAVOUR_PCI_VF] = "pcivf",
		[DEVLINK_PORT_FLAVOUR_VIRTUAL] = "virtual",
		[DEVLINK_PORT_FLAVOUR_UNUSED] = "unused",
		[DEVLINK_PORT_FLAVOUR_PCI_SF] = "pcisf",
	};

	if (flavour >= 0 && (size_t)flavour < ARRAY_SIZE(names) && names[flavour])
		return names[flavour];
	return "unknown";
}

const char *dl_fn_state_name(int state)
{
	return state == DEVLINK_PORT_FN_STATE_ACTIVE ? "active" :
	       state == DEVLINK_PORT_FN_STATE_INACTIVE ? "inactive" : "unknown";
}

const char *dl_fn_opstate_name(int opstate)
{
	return opstate == DEVLINK_PORT_FN_OPSTATE_ATTACHED ? "attached" :
	       opstate == DEVLINK_PORT_FN_OPSTATE_DETACHED ? "detached" : "unknown";
}

int dl_pci_vf_of(const char *vfdir, char *pf, size_t len, int *vfnum)
{
	char p[PATH_MAX], link[PATH_MAX + 300], name[64], self[64];
	const char *base = strrchr(vfdir, '/');
	struct dirent *e;
	DIR *d;

	snprintf(self, sizeof(self), "%s", base ? base + 1 : vfdir);
	snprintf(p, sizeof(p), "%s/physfn", vfdir);
	if (sysfs_link_name(p, pf, len))
		return -ENOENT;
	/* The PF names its VFs: virtfnN -> ../VF */
	d = opendir(p);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "virtfn", 6) || !isdigit((unsigned char)e->d_name[6]))
			continue;
		snprintf(link, sizeof(link), "%s/%s", p, e->d_name);
		if (!sysfs_link_name(link, name, sizeof(name)) && !strcmp(name, self)) {
			*vfnum = atoi(e->d_name + 6);
			closedir(d);
			return 0;
		}
	}
	closedir(d);
	return -ENOENT;
}

void dl_pci_vf_name(const char *pf, int vfnum, char *buf, size_t len)
{
	char p[PATH_MAX];

	buf[0] = '\0';
	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/virtfn%d", pf, vfnum);
	if (sysfs_link_name(p, buf, len))
		buf[0] = '\0';
}

/*
 * The port of VF vfnum of the PCI PF pf: a pcivf port of the PF's own
 * instance (pci/PF) for a function of this host. A PF of a multi-PF
 * card may list other PFs' VFs; prefer the pfnum that is pf's function.
 */
int dl_find_vf_port(const struct dl_ports *ports, const char *pf, int vfnum,
		    struct dl_port *out)
{
	int fn = pf[0] ? pf[strlen(pf) - 1] - '0' : -1;
	const struct dl_port *best = NULL;

	for (size_t i = 0; i < ports->n; i++) {
		const struct dl_port *p = &ports->v[i];

		if (strcmp(p->h.bus, "pci") || strcmp(p->h.dev, pf) ||
		    p->flavour != DEVLINK_PORT_FLAVOUR_PCI_VF ||
		    p->vfnum != vfnum || p->external)
			continue;
		if (!best || p->pfnum == fn)
			best = p;
	}
	if (!best)
		return -ENOENT;
	*out = *best;
	return 0;
}

void dl_explain(int r, const char *extack, char *buf, size_t len)
{
	const char *name = strerrorname_np(-r);
	const char *why = extack;

	if (!why || !why[0]) {
		if (r == -EOPNOTSUPP)
			why = "the port's driver does not support this";
		else if (r == -EPERM)
			why = "permission denied: devlink changes need CAP_NET_ADMIN";
		else if (r == -ENODEV)
			why = "no such devlink instance or port";
		else
			why = strerror(-r);
	}
	snprintf(buf, len, "%s (%s)", why, name ? name : "E?");
}
