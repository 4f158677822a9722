# SPDX-License-Identifier: GPL-2.0
#
# tool.mk - what the Makefiles of the netlink tools (dsmd, dsmctl) share.
# Set before including it:
#   PROG       the program, built as $(O)/$(PROG), linked dynamically
#              against libnl and libc (the virtual cluster copies the
#              libraries into its guests: tools/vcluster/vcluster)
#   SRCS       its sources (tools/common/dsm_genl.c and dsm_ids.c are
#              added here)
#   UNIT_SRCS  the sources tests/unit.c is linked with
#   UNIT_LIBS  further libraries of the unit tests (dsmctl: libnl)
#   LIBS       further libraries (dsmd: -lnettle)
# The including Makefile adds its own `install: all` recipe.

SRCDIR	?= $(abspath ../..)
O	?= $(SRCDIR)/build/tools/$(PROG)
DESTDIR	?=
CC	?= gcc

NL_CFLAGS := $(shell pkg-config --cflags libnl-genl-3.0)
# Dynamic: a static libnl pulls in its address and protocol helpers
# (nl_addr_info(), nl_str2ip_proto()), whose getaddrinfo() and
# getprotobyname() glibc cannot link statically without a warning.
NL_LIBS	:= $(shell pkg-config --libs libnl-genl-3.0)
CFLAGS	?= -O2 -g
CFLAGS	+= -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE \
	   -I$(SRCDIR)/uapi -I$(SRCDIR)/tools/common -I. $(NL_CFLAGS)
SAN	:= -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer

SRCS	+= $(SRCDIR)/tools/common/dsm_genl.c $(SRCDIR)/tools/common/dsm_ids.c
HDRS	:= $(wildcard *.h) $(SRCDIR)/tools/common/dsm_genl.h \
	   $(SRCDIR)/tools/common/dsm_ids.h \
	   $(SRCDIR)/uapi/linux/dsm.h

.PHONY: all install unit clean

all: $(O)/$(PROG)

$(O)/$(PROG): $(SRCS) $(HDRS) | $(O)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(SRCS) $(NL_LIBS) $(LIBS)

$(O):
	mkdir -p $@

$(O)/unit: tests/unit.c $(UNIT_SRCS) $(HDRS) | $(O)
	$(CC) $(CFLAGS) $(SAN) -o $@ tests/unit.c $(UNIT_SRCS) $(LIBS) \
		$(UNIT_LIBS)

unit: $(O)/unit
	$(O)/unit

clean:
	rm -f $(O)/$(PROG) $(O)/unit
