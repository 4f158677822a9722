# SPDX-License-Identifier: GPL-2.0
#
# dsm: top-level build.
#
#   make              build dsm.ko (for KDIR) and every tool
#   make deps         install every Debian package the project needs
#   make module       build dsm.ko against KDIR (default: see below)
#   make modules      build dsm.ko for every supported kernel (6.1, 6.12),
#                     and dsm_rdma.ko where the kernel has InfiniBand
#   make tools        build dsmd, dsmctl, libdsm, selftests, benchmarks and
#                     applications (into build/guest/usr/lib/dsm/bench)
#   make unit         unit tests of kmod/core, dsmd, dsmctl (ASan, UBSan)
#   make fuzz         run each libFuzzer target for FUZZ_SECONDS (600)
#   make lint         checkpatch and sparse on the module, both kernels
#   make model        check the protocol models with spin (make check runs
#                     the bounded configuration)
#   make check        everything above, then the selftests in the virtual
#                     cluster on 6.1 and 6.12; ends with "N passed, N failed"
#                     (budget: 30 minutes on 2 cores)
#   make check-full   make check, then what does not fit its budget: make fuzz
#                     (FUZZ_SECONDS, here 300) and the applications on 2 and 4
#                     nodes; same last line
#   make check-load   the selftests of both kernels with one host core kept
#                     busy by a CPU hog (LOAD_ARGS=--check: all of make check)
#   make stress       3 nodes run the applications in a loop while node 1
#                     attacks nodes 0 and 2 with dsm_adversary (STRESS_SECONDS,
#                     600; STRESS_SEED; STRESS_KERNEL 6.1|6.12; STRESS_KINDS)
#   make check-debug  the selftests on a debug kernel (KASAN, lockdep, UBSAN,
#                     KFENCE, ...) built once from Debian's linux-source-6.1
#                     (about 40 minutes the first time); not part of make check
#   make demo         boot a 3-node cluster and show dsm at work
#   make bench        benchmarks
#   make install      install dsm.ko for KDIR and the tools (DESTDIR, prefix /usr)
#   make deb          the Debian packages dsm-dkms, dsm-utils, libdsm1 and
#                     libdsm-dev into build/deb (dpkg-buildpackage on a copy
#                     of the tree), then lintian (no errors)
#
# All output goes below $(BUILD) (default ./build).

SRCDIR	:= $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
BUILD	?= $(SRCDIR)/build
export BUILD SRCDIR

KERNELS	:= $(SRCDIR)/scripts/kernels.sh

# KDIR: the kernel headers to build against. Default: the running kernel's
# when it has headers, else Debian's 6.1 headers.
KDIR	?= $(shell $(KERNELS) default-kdir)

CC	?= gcc
USER_CFLAGS := -O2 -g -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE \
	       -I$(SRCDIR)/uapi -I$(SRCDIR)/tools/lib
export USER_CFLAGS

.PHONY: all deps module modules tools unit fuzz fuzz-short fuzz-short-core \
	fuzz-short-dsmd lint model check \
	check-full check-load stress check-debug demo bench install deb clean \
	check-deps help

all: module tools

help:
	@sed -n 's/^#   make/make/p' $(SRCDIR)/Makefile

deps:
	$(SRCDIR)/scripts/deps.sh

check-deps:
	@$(SRCDIR)/scripts/deps.sh --check

# Out-of-tree kbuild writes objects next to the sources, so each kernel
# gets its own tree of symlinks under $(BUILD)/module/<release>.
module: check-deps
	@$(SRCDIR)/scripts/build-module.sh "$(KDIR)" $(if $(W),W=$(W)) \
		$(if $(C),C=$(C))

modules: check-deps
	@for v in $$($(KERNELS) versions); do \
		$(SRCDIR)/scripts/build-module.sh "$$($(KERNELS) kdir $$v)" \
			$(if $(W),W=$(W)) $(if $(C),C=$(C)) || exit 1; \
	done

# Tools are installed into $(BUILD)/guest, the root the virtual cluster's
# nodes boot with; `make install DESTDIR=/` installs them for real.
GUEST	:= $(BUILD)/guest

tools: check-deps
	$(MAKE) -C $(SRCDIR)/tools/lib O=$(BUILD)/tools/lib \
		DESTDIR=$(GUEST) install
	$(MAKE) -C $(SRCDIR)/tools/dsmd O=$(BUILD)/tools/dsmd \
		DESTDIR=$(GUEST) install
	$(MAKE) -C $(SRCDIR)/tools/dsmctl O=$(BUILD)/tools/dsmctl \
		DESTDIR=$(GUEST) install
	$(MAKE) -C $(SRCDIR)/selftests/dsm O=$(BUILD)/selftests \
		LIBDSM_O=$(BUILD)/tools/lib DESTDIR=$(GUEST) install
	$(MAKE) -C $(SRCDIR)/tools/bench O=$(BUILD)/bench \
		DESTDIR=$(GUEST) install

# Unit tests, all under ASan and UBSan: the protocol core, dsmd, dsmctl,
# libdsm, the lrc applications' algorithms against their serial runs
# on the host and their message-passing baselines (1 against 3 processes
# on 127.0.0.1). Each prints TAP; every suite runs even when an earlier one
# failed.
unit:
	@rc=0; \
	$(MAKE) -C $(SRCDIR)/kmod/core/tests O=$(BUILD)/unit run || rc=1; \
	$(MAKE) -C $(SRCDIR)/tools/lib O=$(BUILD)/tools/lib unit || rc=1; \
	$(MAKE) -C $(SRCDIR)/tools/dsmd O=$(BUILD)/tools/dsmd unit || rc=1; \
	$(MAKE) -C $(SRCDIR)/tools/dsmctl O=$(BUILD)/tools/dsmctl unit || rc=1; \
	$(MAKE) -C $(SRCDIR)/tools/bench O=$(BUILD)/bench apps-lrc-test || rc=1; \
	$(MAKE) -C $(SRCDIR)/tools/bench O=$(BUILD)/bench mp-test || rc=1; \
	exit $$rc

# The libFuzzer targets: the kernel's wire codec and diffs (kmod/core),
# dsmd's peer protocol codec and its managers (tools/dsmd/fuzz).
# fuzz-short runs the kernel's targets beside dsmd's (each output kept
# whole): 30 s each, one after the other they took 2 minutes of make
# check's host lane at the least.
fuzz-short:
	@$(MAKE) --no-print-directory -j2 --output-sync=target \
		fuzz-short-core fuzz-short-dsmd

fuzz-short-core:
	$(MAKE) -C $(SRCDIR)/kmod/core/tests O=$(BUILD)/unit fuzz-short

fuzz-short-dsmd:
	$(MAKE) -C $(SRCDIR)/tools/dsmd O=$(BUILD)/tools/dsmd fuzz-short

fuzz:
	$(MAKE) -C $(SRCDIR)/kmod/core/tests O=$(BUILD)/unit fuzz
	$(MAKE) -C $(SRCDIR)/tools/dsmd O=$(BUILD)/tools/dsmd fuzz

lint: check-deps
	$(SRCDIR)/scripts/lint.sh

# The protocol models, checked with spin (Documentation/model.md); make
# check runs the bounded configuration (model.sh --check).
model:
	$(SRCDIR)/scripts/model.sh

check:
	$(SRCDIR)/scripts/check.sh

# FUZZ_SECONDS, when given, reaches check.sh through the environment.
check-full:
	$(SRCDIR)/scripts/check.sh --full

check-load:
	$(SRCDIR)/scripts/check-under-load.sh $(LOAD_ARGS)

# Not part of make check: STRESS_SECONDS (default 600) of the applications
# under a hostile node. STRESS_* reach stress.sh through the environment.
stress: modules tools
	$(SRCDIR)/scripts/stress.sh

# DEBUG_TIMEOUT_FACTOR, when given, reaches check-debug.sh through the
# environment.
check-debug:
	$(SRCDIR)/scripts/check-debug.sh

demo:
	$(SRCDIR)/scripts/demo.sh

bench:
	$(SRCDIR)/scripts/bench.sh

# Install for real use: the module for KDIR under /lib/modules/<release>/
# updates/ (and dsm_rdma.ko where it was built; then depmod), the tools, their man pages and systemd unit,
# libdsm (header, static and shared library, dsm(3)), the udev rule that
# gives /dev/dsm group dsm (and, installing into /, the group itself).
install: module tools
	@rel=$$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$$/\1/p' \
		$(KDIR)/include/generated/utsrelease.h); \
	install -D -m 0644 $(BUILD)/module/$$rel/dsm.ko \
		$(DESTDIR)/lib/modules/$$rel/updates/dsm.ko; \
	if [ -f $(BUILD)/module/$$rel/dsm_rdma.ko ]; then \
		install -D -m 0644 $(BUILD)/module/$$rel/dsm_rdma.ko \
			$(DESTDIR)/lib/modules/$$rel/updates/dsm_rdma.ko; fi; \
	install -D -m 0644 $(SRCDIR)/uapi/linux/dsm.h \
		$(DESTDIR)/usr/include/linux/dsm.h; \
	install -D -m 0644 $(SRCDIR)/udev/60-dsm.rules \
		$(DESTDIR)/lib/udev/rules.d/60-dsm.rules; \
	cd $(GUEST) && find usr lib etc \( -type f -o -type l \) \
		! -path 'usr/lib/dsm/selftests/*' 2>/dev/null | \
		while read -r f; do \
		if [ -L "$$f" ]; then \
			mkdir -p "$(DESTDIR)/$$(dirname "$$f")"; \
			cp -P "$$f" "$(DESTDIR)/$$f"; \
		else install -D "$$f" "$(DESTDIR)/$$f"; fi; done; \
	if [ -z "$(DESTDIR)" ]; then depmod "$$rel"; ldconfig; \
		getent group dsm >/dev/null || groupadd --system dsm; fi

deb: check-deps
	$(SRCDIR)/scripts/deb.sh

clean:
	rm -rf $(BUILD)
