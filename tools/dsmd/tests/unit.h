/* SPDX-License-Identifier: GPL-2.0 */
/* unit.h - the TAP helper of dsmd's unit tests (tests/unit.c). */
#ifndef DSMD_UNIT_H
#define DSMD_UNIT_H

#include <stdbool.h>

void ok(int cond, const char *name);
void test_proto(void);
void test_proto_mgr(void);
void test_wire(void);
void test_fence(void);
void test_home_adapt(void);

struct mgr_handover;
/* Two hand-overs say the same (proto_test.c). */
bool ho_same(const struct mgr_handover *a, const struct mgr_handover *b);

#endif /* DSMD_UNIT_H */
