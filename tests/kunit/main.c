// SPDX-License-Identifier: GPL-2.0
/*
 * espvti_kunit: the KUnit suites of espvti, as a module of their own.
 * They test the code of espvti.ko in place, through the symbols it exports
 * in the ESPVTI_KUNIT namespace when the kernel has KUnit.
 */
#include <linux/module.h>

#include "espvti.h"

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit suites for espvti");
MODULE_IMPORT_NS(ESPVTI_KUNIT_NS);
