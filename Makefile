# ucr: checkpoint/restart for Linux, with BLCR's interface.
#
#   make                 build everything into $(B)/
#   make check           build and run the whole test suite (TAP, prove),
#                        then BLCR's own suite when ../shared/blcr is there
#   make check-sanitize  the same with the tools built with ASan and UBSan
#   make demo            install what is missing, build, show a checkpoint
#   make install PREFIX=/usr/local DESTDIR=
#   make bench           the benchmarks in bench/
#   make fuzz            the context file reader under libFuzzer (FUZZ_TIME=600 s)
#   make soak            SOAK_CYCLES (1000) checkpoint-restart cycles per workload

PREFIX ?= /usr/local
DESTDIR ?=
B ?= build

CC ?= gcc
CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror
BASE_CFLAGS := -std=gnu11 -D_GNU_SOURCE $(WARN) -Iinclude -Isrc $(CFLAGS)
# The tools (not the agent, not the blob) can be built with sanitizers.
ifeq ($(SANITIZE),1)
TOOL_CFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
endif
# make fuzz: the same, and coverage for libFuzzer (clang)
ifeq ($(FUZZ),1)
TOOL_CFLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
endif
TOOL_LIBS := -lxxhash -lzstd -lpthread

VERSION := 0.1.0

# ---- the core: dumper, builder, image, resources (tools and libcr) -----------
CORE_SRCS := src/common/log.c src/common/io.c src/image/writer.c src/image/reader.c src/image/read_area.c \
	src/image/stream.c src/image/frames.c src/image/objects.c \
	src/proc/proc.c src/proc/pagemap.c src/res/memory.c src/res/page_reader.c src/res/memory_restart.c src/res/files.c src/res/files_restart.c src/res/pipes.c src/res/process.c \
	src/res/threads.c src/res/signals.c src/res/shared.c src/res/auxv.c src/res/fs.c \
	src/res/table.c src/res/unlinked.c src/res/increment.c src/res/shm.c src/res/sockets.c src/res/sockets_restart.c src/res/events.c src/res/epoll.c \
	src/image/machine.c src/checkpoint/scope.c src/checkpoint/handshake.c \
	src/checkpoint/dump.c src/checkpoint/output.c \
	src/restart/restart.c src/restart/child.c src/restart/userns.c src/restart/chain.c \
	src/restart/ids.c src/restart/report.c
CORE_SRCS += src/image/locks.c src/res/locks.c src/image/filedata.c src/image/sysv.c src/res/sysv.c src/res/sysv_restart.c
CORE_SRCS += src/res/inet.c src/res/inet_restart.c src/image/inet.c src/res/inotify.c \
	src/res/mqueue.c src/image/mqueue.c src/res/sockets_util.c src/res/sockets_queue.c
CORE_OBJS := $(CORE_SRCS:%.c=$(B)/obj/%.o) $(B)/obj/blob.o

# ---- libcr (the agent) ------------------------------------------------------
AGENT_SRCS := src/agent/agent.c src/agent/park.c src/agent/callbacks.c src/agent/api.c src/agent/libc.c \
	src/agent/sigwrap.c src/agent/sleepwrap.c src/agent/sysvwrap.c src/agent/procstate.c src/agent/cs.c \
	src/agent/request.c src/agent/request_checkpoint.c src/agent/request_restart.c \
	src/agent/hold.c src/agent/execwrap.c
AGENT_OBJS := $(AGENT_SRCS:%.c=$(B)/obj/%.pic.o) $(B)/obj/src/agent/resume.pic.o
LIBS := $(B)/lib/libcr.so.0 $(B)/lib/libcr_run.so.0 $(B)/lib/libcr_omit.so.0
DEV_LIBS := $(LIBS:%.so.0=%.so) $(LIBS:%.so.0=%_link.a)

# What the libraries export is decided by their version scripts.  The agent
# is built for size: it is mapped into every checkpointable program, and
# past the thin wrappers its code runs once per checkpoint.
$(B)/obj/%.pic.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -Os -fPIC -MMD -c -o $@ $<
$(B)/obj/%.pic.o: %.S Makefile
	@mkdir -p $(dir $@)
	$(CC) -fPIC -c -o $@ $<

# libcr is the agent alone, on libc alone: its requests run the commands.
$(B)/lib/libcr.so.0: $(AGENT_OBJS) src/agent/libcr.map
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-soname,libcr.so.0 -Wl,--version-script=src/agent/libcr.map \
		-Wl,-z,defs $(LDFLAGS) -o $@ $(AGENT_OBJS)

# libcr_run and libcr_omit (what cr_run preloads) load libcr.so.0 beside
# them with dlopen(RTLD_LOCAL), and export only the calls it interposes
# (preload.c): the API stays out of the program's global scope.
$(B)/lib/libcr_%.so.0: $(B)/obj/src/agent/%.pic.o $(B)/obj/src/agent/preload.pic.o \
		src/agent/libcr_%.map $(B)/lib/libcr.so.0
	$(CC) -shared -Wl,-soname,libcr_$*.so.0 -Wl,--version-script=src/agent/libcr_$*.map \
		-Wl,-z,defs $(LDFLAGS) -o $@ $< $(B)/obj/src/agent/preload.pic.o

# libX.so, what -lX finds, is a linker script: libX_link.a (see link.c),
# then the shared library.
$(B)/obj/link/%.o: src/agent/link.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -fPIC -DLINK_ME=$*_link_me -DANCHOR=ucr_$*_anchor \
		-DLINK_ME_REF=ucr_$*_link_ref -DLINK_ME_REF_CR=ucr_$*_link_ref_cr -c -o $@ $<
$(B)/lib/lib%_link.a: $(B)/obj/link/%.o
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $<
$(B)/lib/lib%.so: $(B)/lib/lib%_link.a $(B)/lib/lib%.so.0
	@rm -f $@	# an older build made it a symlink to lib%.so.0
	printf '/* GNU ld script: keeps lib$*.so.0 a dependency (src/agent/link.c) */\nINPUT(-l:lib$*_link.a -l:libcr.so.0 -l:lib$*.so.0)\n' > $@

# ---- the restorer blob: freestanding, position independent, no relocations --
BLOB_CFLAGS := -std=gnu11 -D_GNU_SOURCE $(WARN) -Isrc -O2 -ffreestanding -fPIE -nostdlib \
	-fno-stack-protector -fno-asynchronous-unwind-tables -fno-unwind-tables \
	-fno-builtin -fno-jump-tables -fcf-protection=none -mno-red-zone -fvisibility=hidden

# The test build's blob (restorer-faults) can fail where the tests ask
# (src/restart/faults.h); the installed one has no such code.
$(B)/obj/restorer.o $(B)/obj/restorer-faults.o: src/restorer/restorer.c src/restorer/plan.h \
		src/common/sys.h Makefile
	@mkdir -p $(dir $@)
	$(CC) $(BLOB_CFLAGS) $(if $(findstring -faults,$@),-DUCR_FAULTS=1) -MMD -c -o $@ $<
	@# only PC-relative relocations: the blob runs wherever it is mapped
	@if readelf -rW $@ | awk 'NR>2 && /R_X86_64/ && !/R_X86_64_(PC32|PLT32)/' | grep .; then \
		echo "restorer: position-dependent relocation" >&2; exit 1; fi
$(B)/restorer.bin $(B)/restorer-faults.bin: $(B)/%.bin: $(B)/obj/%.o src/restorer/blob.lds
	$(CC) -nostdlib -static -Wl,-T,src/restorer/blob.lds -Wl,--build-id=none \
		-o $(B)/$*.elf $<
	@if nm -u $(B)/$*.elf | grep .; then echo "restorer: undefined symbols" >&2; exit 1; fi
	objcopy -O binary $(B)/$*.elf $@
blob_object = printf '\t.section .rodata\n\t.globl restorer_blob, restorer_blob_end\n\t.balign 4096\nrestorer_blob:\n\t.incbin "%s"\nrestorer_blob_end:\n\t.section .note.GNU-stack,"",@progbits\n' \
		$< > $(@:.o=.S) && $(CC) -c -o $@ $(@:.o=.S)
$(B)/obj/blob.o: $(B)/restorer.bin
	$(blob_object)
$(B)/obj/blob-faults.o: $(B)/restorer-faults.bin
	$(blob_object)

# ---- the tools ----------------------------------------------------------------
TOOLS := cr_checkpoint cr_restart cr_info cr_run
TOOL_BINS := $(TOOLS:%=$(B)/bin/%)

$(B)/obj/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(TOOL_CFLAGS) -MMD -c -o $@ $<

$(B)/bin/%: $(B)/obj/src/cmd/%.o $(B)/obj/src/cmd/cmdline.o $(CORE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(TOOL_CFLAGS) $(LDFLAGS) -o $@ $^ $(TOOL_LIBS)
$(B)/bin/cr_info: $(B)/obj/src/cmd/info_sockets.o
# cr_info's listing of SysV IPC objects, in a file of its own
$(B)/bin/cr_info: $(B)/obj/src/cmd/cr_info_sysv.o

# ---- tests --------------------------------------------------------------------
# cr_restart with the faults of src/restart/faults.h, for the tests only:
# never installed nor packaged.
FAULT_SRCS := src/restart/restart.c src/restart/child.c src/restart/chain.c src/restart/faults.c
FAULT_OBJS := $(FAULT_SRCS:%.c=$(B)/obj-faults/%.o) $(B)/obj/blob-faults.o
$(B)/obj-faults/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(TOOL_CFLAGS) -DUCR_FAULTS=1 -MMD -c -o $@ $<
$(B)/tests/cr_restart-faults: $(B)/obj/src/cmd/cr_restart.o $(B)/obj/src/cmd/cmdline.o \
		$(filter-out $(B)/obj/src/restart/restart.o $(B)/obj/src/restart/child.o \
		$(B)/obj/src/restart/chain.o $(B)/obj/blob.o,$(CORE_OBJS)) $(FAULT_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(TOOL_CFLAGS) $(LDFLAGS) -o $@ $^ $(TOOL_LIBS)

WORKLOADS := $(patsubst tests/workloads/%.c,$(B)/tests/%,$(wildcard tests/workloads/*.c))
UNIT_TESTS := $(patsubst tests/unit/%.c,$(B)/tests/unit/%.t,$(wildcard tests/unit/*.c))

$(B)/tests/%: tests/workloads/%.c tests/workloads/wl.h
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -o $@ $< -lm $(WL_LIBS)
# workloads that use the libcr API link it as a BLCR program would (-lcr)
$(B)/tests/memory $(B)/tests/sigflood $(B)/tests/rawblock $(B)/tests/threads $(B)/tests/robust $(B)/tests/sigtimers $(B)/tests/family $(B)/tests/attrs $(B)/tests/churn: WL_LIBS = -lpthread -lrt
$(B)/tests/callbacks $(B)/tests/cs $(B)/tests/selfckpt $(B)/tests/forwarder $(B)/tests/tempfail $(B)/tests/restarter $(B)/tests/cbthreads $(B)/tests/forkcs $(B)/tests/barrier $(B)/tests/restartcb $(B)/tests/cowwriter: WL_LIBS = -lpthread -L$(B)/lib -lcr -Wl,-rpath,$(abspath $(B)/lib)
$(B)/tests/callbacks $(B)/tests/cs $(B)/tests/selfckpt $(B)/tests/forwarder $(B)/tests/tempfail $(B)/tests/restarter $(B)/tests/cbthreads $(B)/tests/forkcs $(B)/tests/barrier $(B)/tests/restartcb $(B)/tests/cowwriter: $(B)/lib/libcr.so $(B)/lib/libcr.so.0
# the API's unit test is a program linked with -lcr, as BLCR programs are
$(B)/tests/unit/api.t: tests/unit/api.c $(B)/lib/libcr.so $(B)/lib/libcr.so.0
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -o $@ $< -L$(B)/lib -lcr -Wl,-rpath,$(abspath $(B)/lib)
# BLCR's math and cr_tryenter_cs tests, strict: linked with -lcr as those above
$(B)/tests/fpcb $(B)/tests/backtoback $(B)/tests/requester: WL_LIBS = -lpthread -L$(B)/lib -lcr -Wl,-rpath,$(abspath $(B)/lib)
$(B)/tests/fpcb $(B)/tests/backtoback $(B)/tests/requester: $(B)/lib/libcr.so $(B)/lib/libcr.so.0
# tools of the tests that load context files in process (flipcheck)
TEST_TOOLS := $(patsubst tests/tools/%.c,$(B)/tests/tools/%,$(wildcard tests/tools/*.c))
$(B)/tests/tools/%: tests/tools/%.c $(CORE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(TOOL_CFLAGS) -o $@ $^ $(TOOL_LIBS)
# the reader's fuzzing target, on the inputs kept in tests/fuzz/regress/
$(B)/tests/unit/fuzzregress.t: tests/unit/fuzzregress.c tests/fuzz/reader.c $(CORE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(TOOL_CFLAGS) -o $@ $^ $(TOOL_LIBS)
$(B)/tests/unit/%.t: tests/unit/%.c $(CORE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(TOOL_CFLAGS) -o $@ $^ $(TOOL_LIBS)

# ---- top-level targets ----------------------------------------------------------
all: $(LIBS) $(DEV_LIBS) $(TOOL_BINS) $(WORKLOADS) $(UNIT_TESTS) $(TEST_TOOLS) \
	$(B)/tests/cr_restart-faults

check: all
	UCR_BUILD=$(abspath $(B)) prove --exec '' --timer $(UNIT_TESTS) tests/e2e/*.t
	@$(MAKE) -s check-blcr

# BLCR's own test suite, when it is beside the checkout (as in CI), against
# an install of this build, judged by tests/blcr/check.sh.
BLCR_SUITE ?= $(abspath ../shared/blcr)
check-blcr: all
	@if [ -x "$(BLCR_SUITE)/blcr-suite.sh" ]; then \
		$(MAKE) -s install PREFIX=$(abspath $(B))/blcr-prefix >/dev/null && \
		tests/blcr/check.sh "$(BLCR_SUITE)" $(abspath $(B))/blcr-prefix; \
	else \
		echo "BLCR's test suite is not at $(BLCR_SUITE): not run (BLCR_SUITE=DIR names it)"; \
	fi

# A sanitized cr_checkpoint that a program under cr_run starts (BLCR's
# system("cr_checkpoint") tests) inherits its LD_PRELOAD: ASan must not
# refuse to run behind it (tests/lib.sh does the same).
check-sanitize:
	ASAN_OPTIONS=$${ASAN_OPTIONS:+$$ASAN_OPTIONS:}verify_asan_link_order=0 \
		$(MAKE) B=build-sanitize SANITIZE=1 check

demo:
	@./tools/demo.sh

# Checkpoint-restart cycles of self-checking workloads, SOAK_CYCLES each:
# divergences and growth (tools/soak.sh).
SOAK_CYCLES ?= 1000
soak: all
	./tools/soak.sh $(B) $(SOAK_CYCLES)

# The reader under libFuzzer (clang, ASan, UBSan) for FUZZ_TIME seconds,
# seeded with context files of several kinds (tools/fuzz-seeds.sh); what
# it finds lands in $(FUZZ_B)/crashes, for tests/fuzz/regress/.
FUZZ_TIME ?= 600
FUZZ_B := build-fuzz
fuzz: all
	$(MAKE) B=$(FUZZ_B) CC=clang FUZZ=1 $(FUZZ_B)/fuzz/reader
	./tools/fuzz-seeds.sh $(B) $(FUZZ_B)/seeds
	mkdir -p $(FUZZ_B)/corpus $(FUZZ_B)/crashes
	$(FUZZ_B)/fuzz/reader -max_total_time=$(FUZZ_TIME) -timeout=10 -rss_limit_mb=4096 \
		-max_len=1048576 -len_control=0 \
		-print_final_stats=1 -artifact_prefix=$(FUZZ_B)/crashes/ \
		$(FUZZ_B)/corpus $(FUZZ_B)/seeds tests/fuzz/regress

$(B)/fuzz/reader: tests/fuzz/reader.c $(CORE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(TOOL_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(TOOL_LIBS)

# Debian packages (debian/), built from a copy of the sources in $(B)/deb,
# where the .deb files land; lintian checks them.
deb:
	rm -rf $(B)/deb && mkdir -p $(B)/deb/ucr-$(VERSION)
	tar -c --exclude=./build --exclude=./build-sanitize --exclude=./.git . | tar -x -C $(B)/deb/ucr-$(VERSION)
	cd $(B)/deb/ucr-$(VERSION) && dpkg-buildpackage -us -uc -b
	lintian --fail-on error $(B)/deb/ucr_$(VERSION)_amd64.changes

bench: all $(B)/bench/anon-read
	./bench/checkpoint-restart.sh

$(B)/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -o $@ $<

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man3 \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 755 $(TOOL_BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 755 $(LIBS) $(DESTDIR)$(PREFIX)/lib/
	install -m 644 $(DEV_LIBS) $(DESTDIR)$(PREFIX)/lib/
	install -m 644 include/libcr.h include/blcr_common.h include/blcr_errcodes.h \
		$(DESTDIR)$(PREFIX)/include/
	install -m 644 docs/man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 docs/man/*.3 $(DESTDIR)$(PREFIX)/share/man/man3/
	@# bash completion, loaded by bash-completion under each command's name
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	for c in $(TOOLS); do \
		install -m 644 dist/bash-completion/ucr $(DESTDIR)$(PREFIX)/share/bash-completion/completions/$$c; \
	done
	@# modulefiles for Environment Modules and Lmod, naming the PREFIX
	install -d $(DESTDIR)$(PREFIX)/share/modulefiles/ucr $(DESTDIR)$(PREFIX)/share/lmod/modulefiles/ucr
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' dist/modulefiles/ucr.tcl.in \
		> $(DESTDIR)$(PREFIX)/share/modulefiles/ucr/$(VERSION)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' dist/modulefiles/ucr.lua.in \
		> $(DESTDIR)$(PREFIX)/share/lmod/modulefiles/ucr/$(VERSION).lua
	chmod 644 $(DESTDIR)$(PREFIX)/share/modulefiles/ucr/$(VERSION) \
		$(DESTDIR)$(PREFIX)/share/lmod/modulefiles/ucr/$(VERSION).lua

include examples/examples.mk

clean:
	rm -rf build build-sanitize build-fuzz

.SECONDARY:
.PHONY: all check check-blcr check-sanitize deb demo bench fuzz soak install clean
.DEFAULT_GOAL := all
-include $(shell find $(B)/obj $(B)/obj-faults -name '*.d' 2>/dev/null)
