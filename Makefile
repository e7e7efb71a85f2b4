# SPDX-License-Identifier: GPL-2.0-or-later
# vfiomig: build, test, install.

VERSION := 0.1
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/vendor-completions

CC ?= cc
CFLAGS ?= -O2 -g
CFLAGS += -pthread -std=gnu11 -Wall -Wextra -Wformat=2 -Wmissing-prototypes \
	  -Wstrict-prototypes -Wshadow -Wno-unused-parameter
# sysfs paths are bounded by PATH_MAX; a truncated one is simply not found.
CFLAGS += -Wno-format-truncation
PKGS := libxxhash libnl-3.0 libnl-genl-3.0 gnutls
CPPFLAGS += $(shell pkg-config --cflags $(PKGS))
LDLIBS += $(shell pkg-config --libs $(PKGS)) -pthread
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

SRCS := $(wildcard src/*.c)
OBJS := $(SRCS:src/%.c=build/%.o)
ASAN_OBJS := $(SRCS:src/%.c=build/asan/%.o)
TSAN_OBJS := $(SRCS:src/%.c=build/tsan/%.o)

.PHONY: all check check-host check-vm test-unit test-fake test-tsan test-vm demo \
	install uninstall clean fake lint

all: vfiomig

vfiomig: $(OBJS)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

build/%.o: src/%.c | build
	$(call quiet,CC,$@)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# The sanitizer build the tests run (ASan + UBSan, errors fatal).
vfiomig-asan: $(ASAN_OBJS)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) $(SAN_FLAGS) -o $@ $^ $(LDLIBS)

build/asan/%.o: src/%.c | build/asan
	$(call quiet,CC,$@)$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN_FLAGS) -c -o $@ $<

# ThreadSanitizer: the migration's device threads and the holder, checked
# for data races (its own objects: TSan and ASan do not mix).
TSAN_FLAGS := -fsanitize=thread -fno-omit-frame-pointer
vfiomig-tsan: $(TSAN_OBJS)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) $(TSAN_FLAGS) -o $@ $^ $(LDLIBS)

build/tsan/%.o: src/%.c | build/tsan
	$(call quiet,CC,$@)$(CC) $(CPPFLAGS) $(CFLAGS) $(TSAN_FLAGS) -c -o $@ $<

build build/asan build/tsan:
	$(Q)mkdir -p $@

fake:
	$(Q)$(MAKE) -s -C tests/fake

# Sends hand-made messages to a holder socket, for the holder tests.
tests/helpers/holdpoke: tests/helpers/holdpoke.c src/holder-proto.h
	$(call quiet,CC,$@)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $<

# Reads and writes an mtty port's FIFO through VFIO, for the VM tests.
tests/helpers/mtty-uart: tests/helpers/mtty-uart.c src/compat.h
	$(call quiet,CC,$@)$(CC) $(CFLAGS) -o $@ $<

# Unprivileged CLI tests and fake-device tests run on the host; the
# real-kernel tests run in the test VM (scripts/testbed/run-vm.sh).
BATS ?= bats
TESTBIN ?= $(CURDIR)/vfiomig-asan

test-unit: vfiomig-asan fake
	$(Q)VFIOMIG=$(TESTBIN) $(BATS) tests/bats/cli.bats tests/bats/devlink.bats

test-fake: vfiomig-asan fake tests/helpers/holdpoke
	$(Q)VFIOMIG=$(TESTBIN) $(BATS) tests/bats/fake.bats tests/bats/fake-save.bats \
		tests/bats/fake-check.bats tests/bats/fake-hold.bats \
		tests/bats/fake-migrate.bats

# The suites with threads, under TSan: any report fails the test (exit 66).
TSAN_SUITES ?= tests/bats/fake-migrate.bats tests/bats/fake-hold.bats
test-tsan: vfiomig-tsan fake tests/helpers/holdpoke
	$(Q)VFIOMIG=$(CURDIR)/vfiomig-tsan \
		TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1" \
		$(BATS) $(TSAN_SUITES)

# The real-kernel suites run in the test VM, with the sanitizer build too.
test-vm: vfiomig-asan tests/helpers/mtty-uart tests/helpers/holdpoke
	$(Q)scripts/testbed/run-vm.sh -- env VFIOMIG=$(TESTBIN) \
		$(BATS) tests/bats/kernel.bats tests/bats/kernel-save.bats \
		tests/bats/kernel-devlink.bats tests/bats/kernel-hold.bats \
		tests/bats/kernel-migrate.bats

# The stream reader under libFuzzer (clang): a short run in make check,
# FUZZ_SECONDS=600 make fuzz for a long one.
FUZZ_SECONDS ?= 30
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_SRCS := src/stream.c src/chan.c src/sig.c
build/fuzz-stream: tests/fuzz/fuzz-stream.c $(FUZZ_SRCS) src/stream.h src/chan.h | build
	$(call quiet,CC,$@)clang $(FUZZ_FLAGS) -D_GNU_SOURCE -Isrc -o $@ \
		tests/fuzz/fuzz-stream.c $(FUZZ_SRCS) $(LDLIBS)

fuzz: build/fuzz-stream vfiomig fake
	$(Q)mkdir -p build/fuzz-corpus
	$(Q)tests/fuzz/mkseed.sh $(CURDIR)/vfiomig build/fuzz-seed
	$(Q)build/fuzz-stream -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
		-print_final_stats=1 build/fuzz-corpus build/fuzz-seed 2>build/fuzz.log \
		|| { tail -n 40 build/fuzz.log; exit 1; }
	$(Q)grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' build/fuzz.log

# The host suites again, with the plain build under valgrind. Tests that
# time signals or move GiBs skip themselves there (VFIOMIG_VALGRIND=1).
check-valgrind: vfiomig fake tests/helpers/holdpoke
	$(Q)VFIOMIG=$(CURDIR)/tests/valgrind.sh VFIOMIG_REAL=$(CURDIR)/vfiomig \
		VFIOMIG_VALGRIND=1 $(BATS) tests/bats/cli.bats tests/bats/devlink.bats \
		tests/bats/fake.bats tests/bats/fake-save.bats tests/bats/fake-check.bats \
		tests/bats/fake-hold.bats tests/bats/fake-migrate.bats

# Static analysis with the checked-in configuration; must stay silent.
analyze:
	$(Q)cppcheck -q --std=c11 --enable=warning,style,performance,portability \
		--inline-suppr --error-exitcode=1 -D_GNU_SOURCE -D__x86_64__ -Isrc \
		--suppressions-list=.cppcheck-suppressions src/ tests/helpers/ tests/fuzz/

check-host: test-unit test-fake test-tsan lint analyze
	$(Q)$(MAKE) -s fuzz FUZZ_SECONDS=20

check: check-host test-vm

lint:
	$(Q)for m in man/*.[0-9]; do \
		out=$$(man --warnings -l -Tutf8 $$m 2>&1 >/dev/null); \
		[ -z "$$out" ] || { echo "$$m: $$out"; exit 1; }; done
	$(Q)shellcheck -x -s bash scripts/*.sh scripts/testbed/*.sh scripts/testbed/*.bash \
		bench/*.sh tests/*.sh tests/fuzz/*.sh \
		completions/vfiomig.bash tests/bats/*.bash

# Benchmarks print figures and ratios; they pass or fail nothing.
bench: vfiomig fake
	$(Q)bench/run.sh

demo: vfiomig tests/helpers/mtty-uart
	$(Q)scripts/testbed/run-vm.sh -- scripts/demo.sh $(CURDIR)/vfiomig

install: vfiomig
	install -D -m 0755 vfiomig $(DESTDIR)$(BINDIR)/vfiomig
	install -D -m 0644 man/vfiomig.8 $(DESTDIR)$(MANDIR)/man8/vfiomig.8
	install -D -m 0644 man/vfiomig-stream.5 $(DESTDIR)$(MANDIR)/man5/vfiomig-stream.5
	install -D -m 0644 completions/vfiomig.bash $(DESTDIR)$(BASHCOMPDIR)/vfiomig
	install -D -m 0644 completions/_vfiomig $(DESTDIR)$(ZSHCOMPDIR)/_vfiomig

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/vfiomig $(DESTDIR)$(MANDIR)/man8/vfiomig.8 \
	      $(DESTDIR)$(MANDIR)/man5/vfiomig-stream.5 \
	      $(DESTDIR)$(BASHCOMPDIR)/vfiomig $(DESTDIR)$(ZSHCOMPDIR)/_vfiomig

clean:
	rm -rf build vfiomig vfiomig-asan vfiomig-tsan tests/helpers/mtty-uart tests/helpers/holdpoke
	-$(MAKE) -s -C tests/fake clean 2>/dev/null

-include $(OBJS:.o=.d) $(ASAN_OBJS:.o=.d) $(TSAN_OBJS:.o=.d)
