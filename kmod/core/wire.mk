# SPDX-License-Identifier: GPL-2.0
#
# The wire codec's sources (dsm_wire.h), for the builds that compile
# kmod/core in userspace: its unit tests and fuzzers (kmod/core/tests),
# dsmd and its fuzzers (tools/dsmd), the selftests' adversary
# (selftests/dsm). Each includes this file after setting CORE to this
# directory. The module's own list is kmod/Kbuild (objects).
DSM_WIRE_SRCS := $(addprefix $(CORE)/,dsm_wire.c dsm_wire_enc.c \
		 dsm_wire_enc_lrc.c dsm_wire_err.c dsm_wire_iter.c \
		 dsm_wire_xfer.c dsm_wire_dir.c dsm_wire_shadow.c \
		 dsm_wire_rejoin.c)
