/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kernel-espvti: charon's kernel_ipsec_t over espvti interfaces.
 */
#ifndef KERNEL_ESPVTI_IPSEC_H_
#define KERNEL_ESPVTI_IPSEC_H_

#include <library.h>
#include <kernel/kernel_ipsec.h>

/* The kernel_ipsec_t of espvti: NULL when the module is not loaded. */
kernel_ipsec_t *kernel_espvti_ipsec_create(void);

#endif /* KERNEL_ESPVTI_IPSEC_H_ */
