/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libvfiofake: an LD_PRELOAD fake of the VFIO uAPI for tests.
 *
 * Paths under /sys/, /dev/vfio/ and /dev/iommu are redirected into
 * $VFIOMIG_FAKE_ROOT, and ioctl()s on the fake nodes are answered the way
 * the Linux 6.12 VFIO core (drivers/vfio/vfio_main.c, group.c,
 * device_cdev.c) and the mtty sample driver answer them, or, for a device
 * with a personality= key, the in-tree driver it names (below).
 *
 * Environment, read at each call:
 *   VFIOMIG_FAKE_ROOT=/abs/dir       enables the fake (else pass-through)
 *   VFIOMIG_FAKE_FAIL=[NAME@]FROM>TO[:ERRNO][:error],...  fail a driver
 *                                    arc (NAME@: only on that device)
 *   VFIOMIG_FAKE_EBUSY=1             group open and cdev bind are EBUSY
 *   VFIOMIG_FAKE_EPERM=1             opening /dev/vfio/ nodes is EACCES
 *   VFIOMIG_FAKE_STATE_ERRNO=ERRNO   MIG_DEVICE_STATE GET fails
 *   VFIOMIG_FAKE_UNKNOWN_FEATURE=enotty|einval  unknown feature answer
 *                                    (else as the release below says)
 *   VFIOMIG_FAKE_KERNEL=RELEASE      the release uname() reports, and the
 *                                    core's answers follow (kernel.c);
 *                                    default 6.12.118
 *   VFIOMIG_FAKE_TRACE=FILE          append "NAME FROM>TO" per driver arc
 *   VFIOMIG_FAKE_BUG=KIND[,KIND...]  behave as a buggy driver, below
 *
 * and, read when a data fd is opened (each fault fires once per session,
 * so EINTR/EAGAIN retries can be tested):
 *   VFIOMIG_FAKE_READ_FAIL=OFFSET[:ERRNO]   the first read() of a saving
 *       session that would transfer byte OFFSET fails with ERRNO (EIO)
 *   VFIOMIG_FAKE_WRITE_FAIL=OFFSET[:ERRNO]  the same for write() while
 *       RESUMING; the failed call transfers nothing, a retry goes on
 *   VFIOMIG_FAKE_SHORT=1             data fd read()/write() move at most
 *                                    4093 bytes per call
 *   VFIOMIG_FAKE_BACKING_DIR=/dir    where backing=file devices keep
 *                                    their image files (else $ROOT/.fake)
 *
 * Driver bugs, VFIOMIG_FAKE_BUG (bug.c), for testing `vfiomig check`.
 * Only the driver misbehaves: what the core in vfio_main.c does (EINVAL
 * for ERROR, unknown or unsupported targets, the next-hop walk) stays.
 * A KIND may be given more than once (two arcs); unknown ones are
 * ignored. FROM>TO names one driver arc, i.e. one hop of the walk, as
 * VFIOMIG_FAKE_TRACE prints it, so a request RUNNING -> STOP on a P2P
 * device is hit by RUNNING_P2P>STOP.
 *   wrong_state=FROM>TO  the arc does its work and the request goes on,
 *       but the state is not recorded: GET (and debugfs) still say FROM
 *       until a later hop of the same request records its own state.
 *   extra_fd=FROM>TO  an arc that hands out no file does its work and
 *       then also opens a saving session as STOP -> STOP_COPY would
 *       (whole image readable, any older session ended) and returns it.
 *       On a hop that is not the last of the request the driver's own
 *       loop (mtty_set_state()'s WARN_ON) catches it: EINVAL, the
 *       device left at TO. No effect on arcs that return a file.
 *   no_fd=FROM>TO  an arc that returns a file makes its session as
 *       usual but drops the file: data_fd -1, state TO, and the session
 *       lives on inside the driver (PRE_COPY -> STOP_COPY continues it).
 *   precopy_info_anywhere  VFIO_MIG_GET_PRECOPY_INFO skips the state
 *       check: on a live saving fd in any state it answers as in
 *       PRE_COPY, initial_bytes the unread part of the precopy bytes,
 *       dirty_bytes the rest readable now (in STOP_COPY, of the image).
 *       A dead session is still ENODEV.
 *   size_estimate=N  MIG_DATA_SIZE GET reports N as stop_copy_length.
 *   reset_keeps_state  VFIO_DEVICE_RESET returns 0 but the migration
 *       side never hears of it (no reset_done hook): the state stays,
 *       ERROR included, and open sessions stay usable. The reset on
 *       open/close of a close=reset device is another path, unchanged.
 *   accept_truncated  RESUMING -> STOP skips the length check. An exact
 *       image becomes the bytes written, zeros up to size; a pattern
 *       image takes the declared seed if the 32-byte header was written
 *       (a wrong byte is still EINVAL), else it stays as it was.
 *   mig_flags=N  the MIGRATION GET reports N as the flags.
 *   illegal_errno=N  a request the core's walk refuses (ERROR, an
 *       unsupported or unknown state) answers errno N, not EINVAL.
 *   read_drops  a saving read() of 2 to 15 bytes returns them but moves
 *       the session on by 16 (the rest of a record is lost).
 *   stop_copy_enomsg  the end of STOP_COPY data is ENOMSG, not 0.
 *   nonblock_eio  read() of a saving fd set O_NONBLOCK fails EIO.
 *   session_outlives=leave|resume|reset  the session is not ended by
 *       leaving the saving group (STOP_COPY -> STOP, PRE_COPY(_P2P) ->
 *       RUNNING(_P2P)); by RESUMING -> STOP (the resuming fd takes
 *       writes again from 0); or by VFIO_DEVICE_RESET. A new session
 *       still ends the old one.
 *   early_close  leaving STOP_COPY or PRE_COPY fails EBUSY when the
 *       saving session was read part of the way and this process holds
 *       no fd on it (the fd was closed early).
 *   precopy_initial_stuck  PRECOPY_INFO's initial_bytes does not fall
 *       as the initial bytes are read.
 *   precopy_end_early  the temporary end of PRE_COPY data comes after
 *       half the initial bytes.
 *   write_drops  a resuming write() of fewer than 16 bytes returns its
 *       length and stores nothing (after the ENOMEM and ENODEV checks).
 *   accept_oversize  a resuming write() past the image's size stores
 *       what fits and returns the whole length, instead of ENOMEM.
 *   get_mid_read  a GET while a STOP_COPY session is read part of the
 *       way reports STOP.
 *   log_stop_fails  DMA_LOGGING_STOP fails EIO.
 *   log_report_fails  DMA_LOGGING_REPORT fails EIO.
 *
 * The driver bugs that shipped (tests/bats/check-corpus.tsv, the fix
 * that ended each named; kernel source at the function):
 *   read_restarts, write_restarts  every saving read copies from, every
 *       resuming write copies to, the start of the buffer while the
 *       position moves on (hisi_acc_vf_save_read() and _resume_write()
 *       before 6.8, still in 6.1.192).
 *   reset_oops  a read or write of a session that a reset ended kills
 *       the process, as the kernel kills a task that oopses (pds before
 *       6.9: the file's state freed on reset).
 *   not_migratable  every driver arc fails EIO (mlx5 before 6.3 on a VF
 *       whose firmware does not allow migration).
 *   log_start_fails  DMA_LOGGING_START fails EIO after the core's checks
 *       (mlx5's tracker message size on 64K-page hosts, before 6.13).
 *   blocked_arc_spins  STOP_COPY -> PRE_COPY(_P2P) loops in the core, as
 *       on 6.2 to 7.1 (fsm.c: 3 s with the device lock held, then
 *       EINVAL; the kernel never returns).
 *   resume_write_race  the size check of a resuming write reads the
 *       position before the session's lock, and the lock comes 2 ms
 *       later: two threads writing at once both pass it and the state
 *       takes more than its size (qat_vf_resume_write() before 7.2;
 *       mtty_resume_write() and hisi_acc_vf_resume_write() in 6.12.118).
 *   save_read_race  the same for a saving read's position: two threads
 *       read the same bytes (no driver known to ship it).
 *   reader_not_woken  a blocking read waiting for data in flight is not
 *       woken when the session ends (mlx5vf_disable_fd() before 6.7),
 *       and the data of the ended session never comes: it waits until
 *       a signal.
 *   dirty_underreport  PRECOPY_INFO past the initial bytes reports half
 *       the unread bytes as dirty_bytes (mlx5 before 6.3 counted only
 *       the buffer at the read position).
 *   report_offset, report_overrun  DMA_LOGGING_REPORT (feature.c): pds
 *       before 6.8 checking the range from IOVA 0; the iova_bitmap
 *       before 6.8 writing whole words around an unaligned bitmap.
 *   resume_cap=N  a resuming write ending past N bytes fails ENOMEM
 *       (mlx5 before 6.3: MAX_MIGRATION_SIZE, 512 MiB).
 *   match_once  once a pattern image loaded, a wrong header is no longer
 *       refused: the image stays (hisi_acc's match_done, 6.12.118).
 *   save_stale  a save's bytes past its pre-copy part are those a
 *       resuming session left in the buffer without a load (qat before
 *       "zero the VF migration state buffer on save", 6.12.117).
 *   unknown_feature_einval  an unknown feature is EINVAL whatever the
 *       release (a kernel claiming the ENOTTY change without it).
 *   splat=FROM>TO  the arc does its work and logs a WARN to the fake's
 *       /dev/kmsg (kmsg.c), as a WARN_ON() in a driver would.
 *   splat=reset  VFIO_DEVICE_RESET logs "BUG: sleeping function called
 *       from invalid context" (pds's reset under a spinlock), and resets.
 *   fault_splat, fault_no_unwind  failure paths of allocations (faults.c).
 *
 * The kernel's log and fault injection: /dev/kmsg is $ROOT/dev/kmsg
 * (kmsg.c); failslab's debugfs files and /proc/thread-self/fail-nth are
 * files under $ROOT (faults.c, which lists where the fake allocates).
 *
 * Device keys (.fake/NAME/config, written by fakeroot.bash):
 *   size=N            bytes a save yields (stop_copy_length), default 96
 *   precopy=N         initial bytes readable in PRE_COPY, default 24
 *   dirty=N           more bytes readable in PRE_COPY once the initial
 *                     ones were read; PRECOPY_INFO reports them as
 *                     dirty_bytes. They are the image's next N bytes, so
 *                     the stream is always the image and nothing else.
 *   redirty=N         the device keeps dirtying, default 0: a read() in
 *                     pre-copy that finds the reader caught up (the
 *                     temporary end, which it still returns) makes
 *                     dirty= more bytes readable, the image's next ones,
 *                     up to N times and never past size (the last time
 *                     may give fewer; a large N is "for ever").
 *                     PRECOPY_INFO's dirty_bytes is what is readable and
 *                     unread; STOP_COPY reads on to size as ever.
 *   precopy_end=zero|enomsg|eagain   what read() gives at the temporary
 *                     end of PRE_COPY data: 0 (mtty), ENOMSG (mlx5,
 *                     virtio) or EAGAIN. After STOP_COPY the end is 0.
 *   rate=N            data fd (and source) read()/write() run at N
 *                     bytes/s, 0: unlimited. Sleep-based against an
 *                     absolute deadline from the first transfer, so the
 *                     average is exact; a call moves at most
 *                     max(N/10, 4096) bytes and a signal cuts the sleep.
 *   image=auto|exact|pattern   how the image is kept (auto: exact up to
 *                     FAKE_EXACT_MAX = 16 MiB, pattern above; pattern
 *                     needs size >= 32)
 *   backing=none|file  none (default): a saving fd's read() copies the
 *                     image in the reading process, no system call.
 *                     file: the image (same bytes, exact or pattern) is
 *                     materialised once as a real file, and every read()
 *                     of a saving fd or source is one pread() on it at
 *                     the session position, so the kernel copies, as a
 *                     real data_fd does. Session semantics are unchanged
 *                     (ENODEV, pre-copy ends, READ_FAIL, SHORT, rate);
 *                     restores are still checked in the write wrapper.
 *                     The file is $VFIOMIG_FAKE_BACKING_DIR (else
 *                     $ROOT/.fake) /vfiofake-SEED-SIZE.img for a pattern
 *                     image (16 hex digits of seed, decimal size), or
 *                     vfiofake-xHASH-SIZE.img for exact bytes; it is made
 *                     when a saving fd or source is opened and missing,
 *                     reused while seed and size (or the bytes) stay the
 *                     same, never deleted: the directory is the caller's.
 *                     .fake/NAME/backing links to the current one. If it
 *                     cannot be made the open (or SET_STATE) fails with
 *                     its errno and a line on stderr.
 *
 * Driver keys, each defaulted by the personality (below), else off:
 *   personality=NAME  mtty (the default: everything above), mlx5,
 *                     hisi_acc, pds, virtio, qat, xe. Applied before
 *                     every other key, so any key given overrides it.
 *   open=keep|running running: RUNNING on open (every variant driver's
 *                     open_device()); keep: mtty, the state survives.
 *   chunk=N           no read() crosses a multiple of N (mlx5's buffers)
 *   arc_ms=N          the arcs that save or load the state (to PRE_COPY,
 *                     to STOP_COPY, RESUMING -> STOP) take N ms more, as
 *                     a driver's SAVE or LOAD command to its firmware
 *                     does; the device's lock is held meanwhile, the
 *                     process's table is not (a kernel's arcs on two
 *                     devices run at once). VFIOMIG_FAKE_TRACE gets a
 *                     "NAME FROM>TO begin" line before the wait.
 *   load_ms=N         RESUMING -> STOP takes N ms more (after arc_ms=):
 *                     a driver that loads the whole state there, pre-copy
 *                     or not, as mtty does.
 *   inflight_ms=N     data the driver fetches (on entering PRE_COPY, on
 *                     PRECOPY_INFO at the end of the data, on entering
 *                     STOP_COPY) arrives N ms later: a blocking read()
 *                     waits for it (a signal cuts the wait: EINTR), an
 *                     O_NONBLOCK one gets EAGAIN, poll() says not ready.
 *                     Non-zero also means poll() follows the data (mlx5
 *                     has a poll op); otherwise poll() always says ready,
 *                     as the kernel does for a file without one.
 *   query_ms=N        PRECOPY_INFO asks the device at most once in N ms
 *                     (virtio's ratelimit); other calls report no
 *                     pending data and fetch none.
 *   estimate=N        MIG_DATA_SIZE reports N, whatever the state (pds)
 *   estimate=left     MIG_DATA_SIZE reports what a stop-copy from now
 *                     would still read: size less what the live saving
 *                     session has read (mlx5's remaining_total_size in
 *                     chunk mode); size when there is no session. Else
 *                     it is size, whatever was read (mtty_data_size()).
 *   reinit=N          once the initial bytes were read, a PRECOPY_INFO in
 *                     PRE_COPY makes N new bytes readable, once. For a
 *                     caller that opted in to PRECOPY_INFOv2 they are,
 *                     with the unread dirty data, initial again, and
 *                     flags says VFIO_PRECOPY_INFO_REINIT (1 << 0); one
 *                     that did not sees its own flags back and the bytes
 *                     as dirty_bytes (initial_bytes never grows in v1).
 *   precopy_info_v2=0|1  the kernel has feature 12 (7.1): SET (no data)
 *                     opts in until the device is closed; PROBE with SET
 *                     says 0, with GET EINVAL; a device without PRE_COPY
 *                     is EINVAL. 0: feature 12 is an unknown feature.
 *   match=ok|fail     hisi_acc: the destination refuses the source's
 *                     match header (another device type, queue config or
 *                     version): the write() that completes its 40 bytes
 *                     fails EFAULT, the bytes counted.
 *
 * The personalities. Each is what its driver's source (Linux 6.12 from
 * Debian's linux-source-6.12; virtio's migration and xe from mainline,
 * after 6.12) makes visible through the uAPI. A driver's own stream
 * format is not imitated: the stream is the image, as for mtty.
 *
 *   mtty (samples/vfio-mdev/mtty.c): flags STOP_COPY|P2P|PRE_COPY, 0 at
 *     the temporary end (mtty_save_read()), state kept on close
 *     (mtty_close_device()), size = stop_copy_length, 96 bytes for a
 *     2-port device, 24 of them pre-copy.
 *   mlx5 (drivers/vfio/pci/mlx5/main.c, cmd.c): flags STOP_COPY|P2P|
 *     PRE_COPY. mlx5vf_save_read(): ENOMSG at the temporary end of
 *     pre-copy; data of a SAVE command still running is waited for by a
 *     blocking read and EAGAIN with O_NONBLOCK; mlx5vf_save_poll() is
 *     the only poll op of all these drivers. mlx5vf_precopy_ioctl():
 *     dirty_bytes is the unread data plus what the firmware reports
 *     (QUERY_VHCA_MIGRATION_STATE, every call), and at the end of the
 *     read data it issues a new SAVE (here: dirty= bytes, redirty=
 *     times, inflight_ms= later); reads never make dirty data.
 *     mlx5vf_pci_open_device() sets RUNNING, mlx5vf_pci_close_device()
 *     -> mlx5vf_cmd_close_migratable() resets (close=reset).
 *     MIG_DATA_SIZE is a firmware query of what is left to save
 *     (mlx5vf_pci_get_data_size(): remaining_total_size in chunk
 *     mode, cmd.c; estimate=left). MAX_CHUNK_SIZE 8 MiB buffers
 *     (mlx5vf_prep_stop_copy() in chunk mode): chunk=8388608.
 *     PRECOPY_INFOv2/REINIT: the 2026 series, mlx5 its first user.
 *     The devlink migratable capability (before bind) is not the
 *     fake's: it has no devlink.
 *   hisi_acc (drivers/vfio/pci/hisilicon/hisi_acc_vfio_pci.c): flags
 *     STOP_COPY|PRE_COPY, no P2P (hisi_acc_vfio_pci_migrn_init_dev()).
 *     Pre-copy is the match data, QM_MATCH_SIZE = 40 bytes
 *     (hisi_acc_vf_pre_copy()), read() gives 0 at its end
 *     (hisi_acc_vf_save_read()); hisi_acc_vf_precopy_ioctl() answers
 *     in PRE_COPY only, dirty_bytes always 0. The save is
 *     sizeof(struct acc_vf_data) = 176 bytes, MIG_DATA_SIZE says so
 *     (hisi_acc_vfio_pci_get_data_size()). hisi_acc_vf_resume_write() checks
 *     the match data once 40 bytes are in (vf_qm_check_match()):
 *     EFAULT (match=fail). RUNNING on open
 *     (hisi_acc_vfio_pci_open_device()), files dropped on close.
 *   pds (drivers/vfio/pci/pds/vfio_dev.c, lm.c): flags STOP_COPY|P2P
 *     (pds_vfio_init_device()). MIG_DATA_SIZE is
 *     PDS_LM_DEVICE_STATE_LENGTH = 65536 whatever the state
 *     (pds_vfio_get_device_state_size()) while the save is the size the
 *     firmware reports (pds_vfio_get_lm_state_size_cmd(); 12 KiB here).
 *     pds_vfio_set_device_state() never walks from ERROR and returns
 *     -EIO whenever the device is, or ends, in ERROR: only
 *     VFIO_DEVICE_RESET (pds_vfio_reset() from reset_done) leaves it.
 *     RUNNING on open (pds_vfio_open_device()).
 *   virtio (drivers/vfio/pci/virtio/migrate.c, mainline): flags
 *     STOP_COPY|P2P|PRE_COPY (virtiovf_set_migratable()).
 *     virtiovf_save_read(): ENOMSG at the temporary end of pre-copy;
 *     its EINVAL for an end of data in a file neither in pre-copy nor
 *     complete cannot be reached through the uAPI (the file is complete
 *     before the STOP_COPY arc returns), so the fake has none.
 *     virtiovf_precopy_ioctl() asks the device for its context size at
 *     most once a second (pre_copy_rl_state; query_ms=1000) and only
 *     then reads a new context at the end of the data; reads never make
 *     dirty data. P2P arcs put the device in DEV_MODE_F_STOPPED: no
 *     dirtying there. RUNNING on open (virtiovf_open_migration()),
 *     files dropped on close; MIG_DATA_SIZE an admin command (the
 *     real size).
 *   qat (drivers/vfio/pci/qat/main.c): flags STOP_COPY|P2P|PRE_COPY
 *     (qat_vf_pci_init_dev()); pre-copy is the setup data, read() 0 at
 *     its end (qat_vf_save_read()), dirty_bytes always 0
 *     (qat_vf_precopy_ioctl()); the state is one
 *     ADF_GEN4_VF_MSTATE_SIZE = 4096-byte block, MIG_DATA_SIZE says so
 *     (qat_vf_pci_get_data_size()). P2P suspends the whole device
 *     (qat_vf_pci_step_device_state()): no dirtying in PRE_COPY_P2P.
 *     RUNNING on open (qat_vf_pci_open_device()). The setup data's
 *     check on each RESUMING write (qat_vf_resume_write()) is not
 *     imitated.
 *   xe (drivers/vfio/pci/xe/main.c, mainline): flags STOP_COPY|P2P
 *     (xe_vfio_pci_migration_init()); RUNNING on open
 *     (xe_vfio_pci_open_device()) and xe_vfio_pci_reset() on close
 *     (xe_vfio_pci_close_device()); RUNNING_P2P is handled as STOP
 *     (xe_vfio_set_state()), not observable without DMA; the size is
 *     the PF's sum over GTs, VRAM included (GBs on real parts; 1 MiB
 *     here, size= for benchmarks); MIG_DATA_SIZE says it.
 *
 * The image rule. An exact image is bytes: a counter seeded by the name,
 * replaced by whatever was last restored (any content is accepted, as
 * mtty accepts any ports). A pattern image is generated from a seed:
 *   [0, 32)    "VFAKEIMG", seed, size, mix64(seed ^ size)  (LE u64s)
 *   block b = offset / 65536 starts with LE64(mix64(seed ^ b)) (b > 0),
 *   every other byte is table[offset % 65536], the table being 8192
 *   LE splitmix64 outputs from state = seed (state += 0x9e3779b97f4a7c15,
 *   then the finaliser), and mix64(x) the output for state x.
 * The seed is FNV-1a-64 of the device name until an image is restored.
 * A restore must write a complete pattern image of the device's size,
 * of any seed: it is checked as it is written, and RESUMING -> STOP
 * fails with EINVAL (the device stays RESUMING) if it was short or any
 * byte differed; on success the device takes that seed (.fake/NAME/seed),
 * so save -> restore -> save yields the same bytes on either device.
 *
 * Sessions, as mtty: a RESUMING write() that would end past size fails
 * ENOMEM before anything else; read()/write() of a session that was
 * disabled (the state left the saving/resuming group, VFIO_DEVICE_RESET,
 * the device's last fd closed, a new session) fail ENODEV. Data fds
 * cannot seek (lseek/pread/pwrite: ESPIPE) nor splice (copy_file_range,
 * sendfile, splice: EINVAL, so cat falls back to read()); dup()s share
 * the session. Closing a data fd never ends its session, in any process.
 *
 * Passing data fds (passfd.c). A data fd sent to another process with
 * SCM_RIGHTS works there as in the process that got it from the ioctl:
 * recvmsg() and recvmmsg() register every data fd they deliver, with the
 * same session (ENODEV once it ends, pre-copy ends, STOP_COPY extension,
 * PRECOPY_INFO, backing=file, rate=) and the receiver's own
 * VFIOMIG_FAKE_READ_FAIL, WRITE_FAIL and SHORT, read at the recvmsg(); a
 * fault thus fires once per session per process. Rate deadlines and
 * faults are per process. Only data fds are recognised: a passed device,
 * group, container, iommufd or cdev fd, or a source, stays a plain fd on
 * its file in the receiver, and its ioctls are not answered.
 *
 * Data fds are real fds on .fake/NAME/save or resume, whose first page
 * (struct fake_page) is mapped by every process holding the fd, so the
 * driver side can end a session (ENODEV) or extend it (STOP_COPY)
 * without the reader making a system call to find out. read(), write()
 * and friends are wrapped for these fds only; stdio is not.
 *
 * fakeroot.bash's fake_data_source prints $ROOT/.fake/NAME/source: an
 * open() of that path, made under the fake, gives an fd whose reads
 * produce the device's current image through the same code as a saving
 * data fd (rate= and VFIOMIG_FAKE_SHORT apply), for `cat` benchmarks.
 * For a backing=file device it prints the backing file itself (making
 * it first): plain kernel reads, no preload needed, no rate.
 */
#ifndef VFIOFAKE_H
#define VFIOFAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <dirent.h>
#include <time.h>

#include "compat.h"

/*
 * Only the libc wrappers may be visible: the library is preloaded, so any
 * other global of ours could bind to a same-named symbol of vfiomig (or
 * capture its references), whichever way round the lookup goes.
 */
#pragma GCC visibility push(hidden)
#define FAKE_EXPORT __attribute__((visibility("default")))

#define FAKE_NAME_MAX	128
#define FAKE_NSTATES	8	/* ERROR .. PRE_COPY_P2P */

/* ---- paths.c: root, path rewriting and the real libc functions ---- */
struct real_fns {
	int (*open)(const char *, int, ...);
	int (*openat)(int, const char *, int, ...);
	int (*close)(int);
	int (*ioctl)(int, unsigned long, ...);
	int (*stat)(const char *, struct stat *);
	int (*lstat)(const char *, struct stat *);
	int (*fstatat)(int, const char *, struct stat *, int);
	int (*access)(const char *, int);
	ssize_t (*readlink)(const char *, char *, size_t);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*pread)(int, void *, size_t, off_t);
	ssize_t (*pwrite)(int, const void *, size_t, off_t);
	off_t (*lseek)(int, off_t, int);
	int (*dup)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	ssize_t (*copy_file_range)(int, off_t *, int, off_t *, size_t,
				   unsigned int);
	ssize_t (*sendfile)(int, int, off_t *, size_t);
	ssize_t (*splice)(int, off_t *, int, off_t *, size_t, unsigned int);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	int (*recvmmsg)(int, struct mmsghdr *, unsigned int, int,
			struct timespec *);
	char *(*realpath)(const char *, char *);
	DIR *(*opendir)(const char *);
	int (*poll)(struct pollfd *, nfds_t, int);
};

extern struct real_fns real;
extern const char *fake_root;		/* NULL: the fake is disabled */

void fake_init(void);
bool fake_trapped(const char *path);
/* Rewrite @path into @buf when trapped; returns the path to use. */
const char *fake_path(const char *path, char *buf, size_t len);
/* Is @path "$ROOT/.fake/NAME/source"? NAME goes to @name. */
bool fake_source_name(const char *path, char *name, size_t len);
/* Build "$ROOT/<fmt>" into @buf; returns -1 on overflow. */
int fake_rootf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- nodes.c: opening the fake device nodes ---- */
int fake_open_node(const char *path, const char *real_path, int flags,
		   mode_t mode);
int fake_trylock(const char *file, int how, bool cloexec);

/* ---- fdtab.c: per-process table of fake file descriptors ---- */
enum fake_kind {
	FK_NONE,
	FK_CONTAINER,	/* /dev/vfio/vfio */
	FK_GROUP,	/* /dev/vfio/N */
	FK_IOMMUFD,	/* /dev/iommu */
	FK_DEVICE,	/* from VFIO_GROUP_GET_DEVICE_FD */
	FK_CDEV,	/* /dev/vfio/devices/vfioN */
	FK_SAVE,	/* saving data_fd */
	FK_RESUME,	/* resuming data_fd */
	FK_SOURCE,	/* .fake/NAME/source: a save without a session */
	FK_KMSG,	/* /dev/kmsg (kmsg.c) */
};

struct data_sess;

struct fake_fd {
	enum fake_kind kind;
	char name[FAKE_NAME_MAX];	/* device name or group number */
	int lock_fd;		/* flock held while this fd lives, or -1 */
	int lock_fd2;		/* second lock (cdev bind), or -1 */
	int container;		/* group: attached container/iommufd fd */
	bool iommu_set;		/* container: SET_IOMMU done */
	int groups;		/* container: attached groups */
	bool bound;		/* cdev: BIND_IOMMUFD done */
	dev_t st_dev;		/* identity of the file behind the fd, */
	ino_t st_ino;		/* to notice a close we did not see */
	struct data_sess *ds;	/* data fds: what read()/write() need */
};

struct fake_fd *fdtab_get(int fd);
/* What fd was registered as, without a lock or a check: a fast "no". */
enum fake_kind fdtab_kind(int fd);
struct fake_fd *fdtab_twin(int fd);
struct fake_fd *fdtab_add(int fd, enum fake_kind kind, const char *name);
struct data_sess *fdtab_data(int fd);
void fdtab_drop(int fd);
void fdtab_lock(void);
void fdtab_unlock(void);
int fdtab_device_opens(const char *name);
bool fdtab_has(const char *name, enum fake_kind kind);

/* ---- state.c: persistent per-device state and configuration ---- */
struct fake_cfg {
	bool migration;		/* false: no mig_ops at all */
	uint32_t flags;		/* VFIO_MIGRATION_* */
	bool close_reset;
	bool logging;
	bool mdev;
	int image;		/* image=: 0 auto, 1 exact, 2 pattern */
	bool pattern;		/* the outcome: generated, not stored */
	bool backing;		/* backing=file: reads pread() a real file */
	uint64_t size;
	uint64_t precopy;
	uint64_t dirty;
	uint64_t redirty;	/* more times the device dirties @dirty */
	uint64_t rate;		/* bytes/s, 0: unlimited */
	int precopy_end;	/* 0, ENOMSG or EAGAIN */
	char group[32];
	/* the driver's own conventions (personality.c) */
	int pers;		/* enum fake_pers */
	bool open_running;	/* open=running: RUNNING on open */
	uint64_t chunk;		/* reads stop at multiples, 0: none */
	uint64_t inflight_ms;	/* new data arrives that much later */
	uint64_t arc_ms;	/* a save or load arc's firmware command */
	uint64_t load_ms;	/* and RESUMING -> STOP's, more */
	uint64_t query_ms;	/* PRECOPY_INFO asks the device this often */
	uint64_t estimate;	/* MIG_DATA_SIZE answer, 0: the real size */
	bool estimate_left;	/* MIG_DATA_SIZE: what a save has left */
	uint64_t reinit;	/* bytes of new initial data, once, 0: never */
	bool v2;		/* feature 12 exists (a 7.1 kernel) */
	bool match_fail;	/* match=fail: RESUMING writes refused */
	bool sticky_error;	/* ERROR: every SET is EIO until reset */
	bool dirty_on_info;	/* PRECOPY_INFO makes the dirty data */
	bool dirty_none;	/* PRECOPY_INFO: dirty 0, EINVAL past initial */
	bool p2p_stop;		/* P2P stops the device: no dirtying */
	bool pollable;		/* poll() on a saving fd says when data is */
};

#define FAKE_EXACT_MAX	(16ULL << 20)

int cfg_load(const char *name, struct fake_cfg *cfg);

/* ---- personality.c: the in-tree drivers the fake can be ---- */
enum fake_pers {
	PERS_MTTY, PERS_MLX5, PERS_HISI, PERS_PDS, PERS_VIRTIO, PERS_QAT,
	PERS_XE,
};

/* Set @cfg to personality @name's defaults; -1 for an unknown name. */
int pers_apply(const char *name, struct fake_cfg *cfg);
const char *pers_name(int pers);
/* hisi_acc: the bytes of the match header, checked once written */
#define HISI_MATCH_SIZE	40
int dev_lock(const char *name);		/* returns lock fd or -1 */
void dev_unlock(int lock_fd);
int state_get(const char *name);
void state_put(const char *name, int state);
int dev_file(char *buf, size_t len, const char *name, const char *file);
const char *state_name(int state);
int state_parse(const char *s);
int errno_parse(const char *s, int def);

/* ---- bug.c: VFIOMIG_FAKE_BUG ---- */
bool bug_on(const char *kind);
bool bug_arc(const char *kind, int from, int to);
/* Is @kind=N given? N goes to *val. */
bool bug_u64(const char *kind, uint64_t *val);
/* Is @kind=@val given (e.g. session_outlives=reset)? */
bool bug_is(const char *kind, const char *val);

/* ---- kernel.c: the release the fake stands for ---- */
const char *fake_kernel(void);
/* Has the release a fix of mainline @ma.@mi or of a listed stable
 * point ({major, minor, point}..., ended by {0})? */
bool fake_kernel_has(int ma, int mi, const int (*stable)[3]);

/* ---- fsm.c: the kernel's next-hop table and the driver steps ---- */
int fsm_next_state(uint32_t flags, int cur, int new, int *next);
/* Returns a new data fd, -1 for none, or -errno. Caller holds dev_lock. */
int fsm_set_state(const char *name, const struct fake_cfg *cfg, int new);
void fsm_reset(const char *name);

/* ---- pattern.c: the bytes a device saves ---- */
#define PAT_BLOCK	65536
#define PAT_HDR		32

struct pattern {
	uint64_t seed;
	uint64_t size;
	uint8_t hdr[PAT_HDR];
	uint8_t table[PAT_BLOCK];
};

struct pattern *pattern_new(uint64_t seed, uint64_t size);
void pattern_read(const struct pattern *p, uint8_t *buf, uint64_t off,
		  size_t len);
/* Offset of the first byte that differs, or UINT64_MAX. */
uint64_t pattern_cmp(const struct pattern *p, const uint8_t *buf,
		     uint64_t off, size_t len);
/* Does @hdr start a pattern image of @size? Its seed goes to *seed. */
bool pattern_header(const uint8_t *hdr, uint64_t size, uint64_t *seed);
uint64_t image_seed(const char *name);
uint8_t *image_exact(const char *name, uint64_t size);

/* ---- backing.c: backing=file, the image as a real file ---- */
int backing_open(const char *name, const struct pattern *pat,
		 const uint8_t *exact, uint64_t size);

/* ---- datafd.c: migration data sessions ---- */
#define FAKE_PAGE	4096	/* exact resume bytes follow the page */
#define FAKE_PAGE_MAGIC	0x53564656	/* "VFVS": a session file */

/* First page of a session file, shared by the driver and the fd. */
struct fake_page {
	uint32_t dead;		/* session disabled: read/write ENODEV */
	uint32_t stop_copy;	/* the whole image is readable */
	uint64_t size;
	uint64_t precopy;
	uint64_t dirty;
	uint64_t redirty;	/* redirty= times the device has yet to dirty */
	uint64_t redirtied;	/* bytes those times made readable */
	uint64_t pos;		/* bytes moved through the data fd */
	uint64_t seed;		/* save: pattern seed; resume: declared */
	uint32_t pattern;	/* pattern image, else exact */
	uint32_t bad;		/* resume: not a pattern image */
	uint64_t bad_at;	/* resume: first wrong byte */
	uint8_t hdr[PAT_HDR];	/* resume: the header as written */
	/* driver conventions (personality.c), saving sessions */
	uint64_t init_end;	/* initial data ends here; REINIT moves it */
	uint64_t extra;		/* bytes REINIT made readable */
	uint64_t ready_ns;	/* unread data arrives then (CLOCK_MONOTONIC) */
	uint64_t query_ns;	/* the last device query, 0: none yet */
	uint32_t on_info;	/* dirty data is made by PRECOPY_INFO */
	uint32_t dirtied;	/* on_info: the first dirty= bytes were made */
	uint32_t reinit_done;	/* the one REINIT happened */
	uint32_t pad;
	/* what a process that receives the fd needs to know what it is */
	uint32_t magic;		/* FAKE_PAGE_MAGIC */
	uint32_t resume;	/* resuming session, else saving */
	char name[FAKE_NAME_MAX];	/* the device */
};

uint64_t page_avail(const struct fake_page *pg);
void page_redirty(struct fake_page *pg);
uint64_t page_pending(const struct fake_page *pg);
uint64_t now_ns(void);
int data_save_open(const char *name, const struct fake_cfg *cfg,
		   bool stop_copy);
int data_save_finish(const char *name, const struct fake_cfg *cfg);
bool data_save_exists(const char *name);
/* Bytes the live saving session has read, at most @size (0: none). */
uint64_t data_save_read(const char *name, uint64_t size);
bool data_save_part_read(const char *name);
bool data_save_midway(const char *name);
int data_resume_open(const char *name, const struct fake_cfg *cfg);
int data_resume_load(const char *name, const struct fake_cfg *cfg);
void data_disable(const char *name);
/* The same for VFIO_DEVICE_RESET: the page's dead says FAKE_DEAD_RESET. */
#define FAKE_DEAD_RESET	2
void data_reset(const char *name);
/* save_stale: lay a dead resuming session's bytes over @img from @from. */
void data_stale(const char *name, uint8_t *img, uint64_t size,
		uint64_t from);
int data_adopt(int fd);
int data_ioctl(struct fake_fd *e, int fd, unsigned long req, void *arg);

/* ---- dataio.c: read()/write() on data fds ---- */
int data_attach(struct fake_fd *e, int fd, const char *path,
		const struct fake_cfg *cfg);
void data_detach(struct data_sess *ds);	/* drops one reference */
struct data_sess *data_ref(struct data_sess *ds);
struct fake_page *data_page(struct data_sess *ds);
/* poll.c: POLLIN now for a saving fd of a pollable driver, or -1 */
int data_poll_ready(struct data_sess *ds);
int data_source_open(const char *name, const char *path, int flags,
		     mode_t mode);

/* ---- ioctl.c / feature.c ---- */
int device_ioctl(struct fake_fd *e, unsigned long req, void *arg);
int device_feature(const char *name, void *arg);
/* PRECOPY_INFOv2 (feature 12, Linux 7.1): the opt-in of the open device */
#define FAKE_PRECOPY_INFO_REINIT	(1u << 0)
bool v2_opted(const char *name);
void v2_clear(const char *name);
void device_opened(const char *name);
void device_closed(const char *name);

/* dataio.c: map a session file's first page (struct fake_page). */
struct fake_page *map_page(const char *path);

/* ---- kmsg.c: /dev/kmsg, the kernel's log ---- */
int kmsg_open(const char *real_path, int flags);
bool kmsg_is(int fd);
ssize_t kmsg_read(int fd, void *buf, size_t len);	/* or -errno */
void fake_kmsg_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The first lines of a report: kind "kasan", "atomic" or a WARN. */
void fake_kmsg_splat(const char *kind, const char *where);

/* ---- faults.c: allocation failures (failslab and fail-nth) ---- */
/* One allocation: 0, or -ENOMEM when fail-nth says this one fails. */
int fault_alloc(const char *where);
/* The allocations of a new session: 0, -ENOMEM or -EBUSY. */
int fault_session(const char *name);

#endif /* VFIOFAKE_H */
