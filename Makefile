# SPDX-License-Identifier: GPL-2.0-or-later
# vfiomig: build, test, install.

VERSION := 0.1
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/vfiomig
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/vendor-completions
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system

CC ?= cc
CFLAGS ?= -O2 -g
CFLAGS += -pthread -std=gnu11 -Wall -Wextra -Wformat=2 -Wmissing-prototypes \
	  -Wstrict-prototypes -Wshadow -Wno-unused-parameter
# sysfs paths are bounded by PATH_MAX; a truncated one is simply not found.
CFLAGS += -Wno-format-truncation
PKGS := libxxhash libnl-3.0 libnl-genl-3.0 gnutls json-c
# pkg-config runs once, when a compile or link first needs it, never while
# make reads this file: on a fresh machine make check must get as far as
# its deps step, which installs pkg-config.
PKG_CFLAGS = $(eval PKG_CFLAGS := $$(shell pkg-config --cflags $(PKGS)))$(PKG_CFLAGS)
PKG_LIBS = $(eval PKG_LIBS := $$(shell pkg-config --libs $(PKGS)))$(PKG_LIBS)
CPPFLAGS += $(PKG_CFLAGS)
LDLIBS += $(PKG_LIBS) -pthread
CPPFLAGS += -D_GNU_SOURCE -DVFIOMIG_VERSION='"$(VERSION)"' -MMD -MP

SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	     -fno-sanitize-recover=all

ifeq ($(SANITIZE),1)
CFLAGS += $(SAN_FLAGS)
LDFLAGS += $(SAN_FLAGS)
endif

ifneq ($(V),1)
Q := @
quiet = @printf '  %-7s %s\n' $(1) $(2);
endif

# src/lib: the engine, built as an internal static library (never
# installed); src/cmd: the tool. A library module sees only src/lib's
# headers: including a command's header does not compile.
LIB_SRCS := $(wildcard src/lib/*.c)
CMD_SRCS := $(wildcard src/cmd/*.c)
LIB_INC := -Isrc/lib
CMD_INC := -Isrc/cmd -Isrc/lib

# $(call objs,DIR): the objects of both folders under build/DIR.
objs = $(LIB_SRCS:src/%.c=build/$(1)%.o) $(CMD_SRCS:src/%.c=build/$(1)%.o)
lib_objs = $(LIB_SRCS:src/%.c=build/$(1)%.o)
cmd_objs = $(CMD_SRCS:src/%.c=build/$(1)%.o)

.PHONY: all schema check check-host host-suites check-deps check-vm test-unit test-fake test-tsan \
	test-vm test-vm61 test-vm-debug test-deps test-package test-systemd demo deps deb install uninstall \
	clean fake lint

all: vfiomig

# One library per build flavour: plain, ASan+UBSan, TSan.
archive = $(call quiet,AR,$@)rm -f $@ && $(AR) rcs $@ $^

build/libvfiomig.a: $(call lib_objs,)
	$(archive)
build/asan/libvfiomig.a: $(call lib_objs,asan/)
	$(archive)
build/tsan/libvfiomig.a: $(call lib_objs,tsan/)
	$(archive)

vfiomig: $(call cmd_objs,) build/libvfiomig.a
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

build/lib/%.o: src/lib/%.c
	$(call quiet,CC,$@)mkdir -p $(@D) && $(CC) $(CPPFLAGS) $(LIB_INC) $(CFLAGS) -c -o $@ $<

build/cmd/%.o: src/cmd/%.c
	$(call quiet,CC,$@)mkdir -p $(@D) && $(CC) $(CPPFLAGS) $(CMD_INC) $(CFLAGS) -c -o $@ $<

# The sanitizer build the tests run (ASan + UBSan, errors fatal).
vfiomig-asan: $(call cmd_objs,asan/) build/asan/libvfiomig.a
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) $(SAN_FLAGS) -o $@ $^ $(LDLIBS)

build/asan/lib/%.o: src/lib/%.c
	$(call quiet,CC,$@)mkdir -p $(@D) && $(CC) $(CPPFLAGS) $(LIB_INC) $(CFLAGS) $(SAN_FLAGS) -c -o $@ $<

build/asan/cmd/%.o: src/cmd/%.c
	$(call quiet,CC,$@)mkdir -p $(@D) && $(CC) $(CPPFLAGS) $(CMD_INC) $(CFLAGS) $(SAN_FLAGS) -c -o $@ $<

# ThreadSanitizer: the migration's device threads and the holder, checked
# for data races (its own objects: TSan and ASan do not mix).
TSAN_FLAGS := -fsanitize=thread -fno-omit-frame-pointer
vfiomig-tsan: $(call cmd_objs,tsan/) build/tsan/libvfiomig.a
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) $(TSAN_FLAGS) -o $@ $^ $(LDLIBS)

build/tsan/lib/%.o: src/lib/%.c
	$(call quiet,CC,$@)mkdir -p $(@D) && $(CC) $(CPPFLAGS) $(LIB_INC) $(CFLAGS) $(TSAN_FLAGS) -c -o $@ $<

build/tsan/cmd/%.o: src/cmd/%.c
	$(call quiet,CC,$@)mkdir -p $(@D) && $(CC) $(CPPFLAGS) $(CMD_INC) $(CFLAGS) $(TSAN_FLAGS) -c -o $@ $<

build:
	$(Q)mkdir -p $@

fake:
	$(Q)$(MAKE) -s -C tests/fake

# Sends hand-made messages to a holder socket, for the holder tests.
tests/helpers/holdpoke: tests/helpers/holdpoke.c src/lib/holder-proto.h
	$(call quiet,CC,$@)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $<

# Rewrites fields of a saved stream and seals it again, for the reader tests.
tests/helpers/streamfix: tests/helpers/streamfix.c
	$(call quiet,CC,$@)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< -lxxhash

# Writes migration control frames, to play a source in the migration tests.
tests/helpers/migframes: tests/helpers/migframes.c build/libvfiomig.a
	$(call quiet,CC,$@)$(CC) $(CPPFLAGS) $(CFLAGS) $(LIB_INC) -o $@ $^ $(LDLIBS)

# Reads and writes an mtty port's FIFO through VFIO, for the VM tests.
tests/helpers/mtty-uart: tests/helpers/mtty-uart.c src/lib/compat.h
	$(call quiet,CC,$@)$(CC) $(CFLAGS) -o $@ $<

# Unprivileged CLI tests and fake-device tests run on the host; the
# real-kernel tests run in the test VM (scripts/testbed/run-vm.sh).
BATS ?= bats
TESTBIN ?= $(CURDIR)/vfiomig-asan

test-unit: vfiomig-asan fake tests/helpers/streamfix
	$(Q)VFIOMIG=$(TESTBIN) $(BATS) tests/bats/cli.bats tests/bats/devlink.bats tests/bats/layers.bats

test-fake: vfiomig-asan fake tests/helpers/holdpoke tests/helpers/streamfix \
	   tests/helpers/migframes
	$(Q)VFIOMIG=$(TESTBIN) $(BATS) tests/bats/fake.bats tests/bats/fake-save.bats \
		tests/bats/fake-check.bats tests/bats/fake-corpus.bats \
		tests/bats/fake-hold.bats tests/bats/fake-migrate.bats \
		tests/bats/fake-drivers.bats tests/bats/fake-events.bats \
		tests/bats/fake-fds.bats tests/bats/fake-pipeline.bats \
		tests/bats/fake-stall.bats tests/bats/fake-json.bats tests/bats/fake-answers.bats \
		tests/bats/fake-compat.bats tests/bats/ansible.bats

# The suites with threads, under TSan: any report fails the test (exit 66).
# save: its checksums are made on a second thread (hasher.c).
TSAN_SUITES ?= tests/bats/fake-migrate.bats tests/bats/fake-hold.bats \
	tests/bats/fake-save.bats tests/bats/fake-stall.bats
test-tsan: vfiomig-tsan fake tests/helpers/holdpoke
	$(Q)VFIOMIG=$(CURDIR)/vfiomig-tsan \
		TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1" \
		$(BATS) $(TSAN_SUITES)

# The real-kernel suites run in the test VM, with the sanitizer build too.
test-vm: vfiomig-asan tests/helpers/mtty-uart tests/helpers/holdpoke
	$(Q)scripts/testbed/run-vm.sh -- env VFIOMIG=$(TESTBIN) \
		$(BATS) tests/bats/kernel.bats tests/bats/kernel-save.bats \
		tests/bats/kernel-devlink.bats tests/bats/kernel-hold.bats \
		tests/bats/kernel-migrate.bats tests/bats/kernel-check.bats \
		tests/bats/kernel-netfault.bats tests/bats/kernel-compat.bats

# kernel-check.bats and check's kernel rules (kernel.log.clean,
# kernel.faults) on mtty in the debug kernel (KASAN, UBSAN, lockdep, fault
# injection: run-vm.sh --variant debug); kernel-check.bats first, as the
# KASAN report kernel-debug.bats provokes turns lockdep off for the boot.
# Not part of make check: the debug kernel is a second 6.12 build of 14 to
# 28 minutes (README, Tests).
test-vm-debug: vfiomig-asan
	$(Q)scripts/testbed/run-vm.sh --variant debug -- env VFIOMIG=$(TESTBIN) \
		$(BATS) tests/bats/kernel-check.bats tests/bats/kernel-debug.bats

# Debian 12's own kernel series, 6.1 (no VFIO cdev, mtty only as a module
# and without migration): one boot, a few tests of what vfiomig reports
# and refuses there.
test-vm61: vfiomig-asan tests/helpers/mtty-uart
	$(Q)scripts/testbed/run-vm.sh --series 6.1 -- env VFIOMIG=$(TESTBIN) \
		$(BATS) tests/bats/kernel61.bats

# libFuzzer targets (clang), built with -DVFIOMIG_FUZZ: the readers then
# compute every checksum but let a mismatch through, so that mutations
# reach the logic behind it (vfiomig itself is never built so; the bats
# suites check that it refuses bad checksums). Each target runs
# FUZZ_SECONDS: a few in make check, FUZZ_SECONDS=600 make fuzz for long.
#   stream  the stream reader (restore, inspect, receive's data)
#   mig     migration control frames, HELLO and ATTACH
#   holder  the holder's request and answer checks
#   arcs    the record of earlier arcs (arc-record.c)
#   idjson  the identity document compat --with reads (idjson.c)
FUZZ_SECONDS ?= 30
FUZZ_TARGETS := stream mig holder arcs idjson
FUZZ_FLAGS = -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
	      -DVFIOMIG_FUZZ -D_GNU_SOURCE -DVFIOMIG_VERSION='"$(VERSION)"' \
	      $(shell pkg-config --cflags $(PKGS))
# The targets link the engine (built again for fuzzing), and a target
# that prints what it decoded the tool's escaping too.
FUZZ_EXTRA_mig := src/cmd/escape.c
FUZZ_EXTRA_idjson := src/cmd/idjson.c src/cmd/output.c src/cmd/json.c src/cmd/escape.c \
	src/cmd/opts.c src/cmd/log.c

build/fuzz/lib/%.o: src/lib/%.c
	$(call quiet,CC,$@)mkdir -p $(@D) && clang $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link \
		$(LIB_INC) -c -o $@ $<

build/fuzz/libvfiomig.a: $(call lib_objs,fuzz/)
	$(archive)

.SECONDEXPANSION:
build/fuzz-%: tests/fuzz/fuzz-%.c build/fuzz/libvfiomig.a $$(FUZZ_EXTRA_$$*) \
		$(wildcard src/*/*.h) | build
	$(call quiet,CC,$@)clang $(FUZZ_FLAGS) -fsanitize=fuzzer $(CMD_INC) -o $@ $< \
		$(FUZZ_EXTRA_$*) build/fuzz/libvfiomig.a $(LDLIBS)

# Seeds for the frame targets, from the encoders vfiomig uses.
build/mkseed-frames: tests/fuzz/mkseed-frames.c build/libvfiomig.a | build
	$(call quiet,CC,$@)$(CC) $(CPPFLAGS) $(CFLAGS) $(LIB_INC) -o $@ $^ $(LDLIBS)

fuzz: $(FUZZ_TARGETS:%=build/fuzz-%) build/mkseed-frames vfiomig fake
	$(Q)rm -rf build/fuzz-seed && mkdir -p build/fuzz-seed
	$(Q)tests/fuzz/mkseed.sh $(CURDIR)/vfiomig build/fuzz-seed/stream build/fuzz-seed/idjson
	$(Q)build/mkseed-frames build/fuzz-seed
	$(Q)mkdir -p build/fuzz-seed/arcs && printf '# seed\nsave mlx5_vfio_pci 16777216 12034\nload mlx5_vfio_pci 16777216 14567\nsave mtty 96 40\nread mlx5_vfio_pci 16777216 80210\nwrite mtty 96 3\nload-precopy mlx5_vfio_pci 33554432 20113\n' \
		>build/fuzz-seed/arcs/two
	$(Q)for t in $(FUZZ_TARGETS); do \
		tests/fuzz/run.sh $$t $(FUZZ_SECONDS) || exit 1; done

# The host suites again, with the plain build under valgrind. Tests that
# time signals or move GiBs skip themselves there (VFIOMIG_VALGRIND=1).
check-valgrind: vfiomig fake tests/helpers/holdpoke tests/helpers/streamfix \
		tests/helpers/migframes
	$(Q)VFIOMIG=$(CURDIR)/tests/valgrind.sh VFIOMIG_REAL=$(CURDIR)/vfiomig \
		VFIOMIG_VALGRIND=1 $(BATS) tests/bats/cli.bats tests/bats/devlink.bats \
		tests/bats/fake.bats tests/bats/fake-save.bats tests/bats/fake-check.bats \
		tests/bats/fake-corpus.bats tests/bats/fake-hold.bats tests/bats/fake-migrate.bats \
		tests/bats/fake-events.bats tests/bats/fake-fds.bats tests/bats/fake-pipeline.bats \
		tests/bats/fake-stall.bats tests/bats/fake-json.bats tests/bats/fake-answers.bats

# Static analysis with the checked-in configuration; must stay silent.
analyze:
	$(Q)cppcheck -q --std=c11 --enable=warning,style,performance,portability \
		--inline-suppr --error-exitcode=1 -D_GNU_SOURCE -D__x86_64__ $(CMD_INC) \
		--suppressions-list=.cppcheck-suppressions src/ tests/helpers/ tests/fuzz/

# The modules of src/ depend on each other without a loop (nm + tsort).
check-deps: vfiomig
	$(Q)scripts/check-deps.sh build

# The Debian package (debian/): built from a copy of the work tree in
# build/deb, so that its clean step leaves this tree's builds alone.
DEB_DIR := build/deb

deb: deps
	$(Q)scripts/build-deb.sh $(VERSION) $(DEB_DIR)

# Builds the package, then checks its contents, lintian and the binary.
test-package: deb
	$(Q)DEB_DIR=$(CURDIR)/$(DEB_DIR) $(BATS) tests/bats/package.bats

# The hold unit: systemd-analyze verify, its command on the fake device,
# make install / uninstall (which need the plain build).
test-systemd: vfiomig vfiomig-asan fake
	$(Q)VFIOMIG=$(TESTBIN) $(BATS) tests/bats/systemd.bats

# install-deps.sh and the deps step on a simulated machine (deps.bats).
test-deps:
	$(Q)$(BATS) tests/bats/deps.bats

# What the Makefile and the tests need, from scripts/install-deps.sh (the
# one list): as root it installs whatever is missing. For anyone else
# with something missing, make stops before any other step with the
# script's one line naming what and how, as make's only error line.
deps:
	$(Q)$(if $(DEPS_REFUSAL),$(error $(DEPS_REFUSAL)))scripts/install-deps.sh
DEPS_REFUSAL = $(shell scripts/install-deps.sh --refusal)

# Five fuzz targets of 8 s each: about the 40 s a check can spend.
host-suites: test-unit test-fake test-tsan test-deps test-package test-systemd lint analyze \
		check-deps
	$(Q)$(MAKE) -s fuzz FUZZ_SECONDS=8

# The two commands of a fresh machine (and check-host): deps first, then
# the rest in a second make, which reads pkg-config's answers.
check-host: deps
	$(Q)$(MAKE) --no-print-directory host-suites

check: deps
	$(Q)$(MAKE) --no-print-directory host-suites test-vm test-vm61

# The JSON contract: man/vfiomig.schema.json is written by its generator.
schema:
	$(Q)python3 scripts/json-schema.py >man/vfiomig.schema.json.tmp
	$(Q)mv man/vfiomig.schema.json.tmp man/vfiomig.schema.json

lint:
	$(Q)for m in man/*.[0-9]; do \
		out=$$(man --warnings -l -Tutf8 $$m 2>&1 >/dev/null); \
		[ -z "$$out" ] || { echo "$$m: $$out"; exit 1; }; done
	$(Q)shellcheck -x -s bash scripts/*.sh scripts/testbed/*.sh scripts/testbed/*.bash \
		bench/*.sh tests/*.sh tests/fuzz/*.sh \
		completions/vfiomig.bash tests/bats/*.bash
	$(Q)shellcheck -s sh debian/tests/suites

# Benchmarks print figures and ratios; they pass or fail nothing.
bench: vfiomig fake
	$(Q)bench/run.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory vfiomig tests/helpers/mtty-uart
	$(Q)scripts/testbed/run-vm.sh -- scripts/demo.sh $(CURDIR)/vfiomig

install: vfiomig
	install -D -m 0755 vfiomig $(DESTDIR)$(BINDIR)/vfiomig
	install -D -m 0644 man/vfiomig.8 $(DESTDIR)$(MANDIR)/man8/vfiomig.8
	install -D -m 0644 man/vfiomig-stream.5 $(DESTDIR)$(MANDIR)/man5/vfiomig-stream.5
	install -D -m 0644 man/vfiomig.schema.json $(DESTDIR)$(DATADIR)/vfiomig.schema.json
	install -D -m 0644 completions/vfiomig.bash $(DESTDIR)$(BASHCOMPDIR)/vfiomig
	install -D -m 0644 completions/_vfiomig $(DESTDIR)$(ZSHCOMPDIR)/_vfiomig
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	sed 's|@BINDIR@|$(BINDIR)|g' systemd/vfiomig-hold@.service.in \
		>$(DESTDIR)$(SYSTEMDUNITDIR)/vfiomig-hold@.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/vfiomig-hold@.service

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/vfiomig $(DESTDIR)$(MANDIR)/man8/vfiomig.8 \
	      $(DESTDIR)$(MANDIR)/man5/vfiomig-stream.5 \
	      $(DESTDIR)$(DATADIR)/vfiomig.schema.json \
	      $(DESTDIR)$(BASHCOMPDIR)/vfiomig $(DESTDIR)$(ZSHCOMPDIR)/_vfiomig \
	      $(DESTDIR)$(SYSTEMDUNITDIR)/vfiomig-hold@.service

clean:
	rm -rf build vfiomig vfiomig-asan tests/helpers/mtty-uart tests/helpers/holdpoke \
	      tests/helpers/streamfix tests/helpers/migframes vfiomig-tsan
	-$(MAKE) -s -C tests/fake clean 2>/dev/null

-include $(patsubst %.o,%.d,$(call objs,) $(call objs,asan/) $(call objs,tsan/))
