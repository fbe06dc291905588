// SPDX-License-Identifier: GPL-2.0
/*
 * profile-mark: opens or closes a window of tests/bench/tcg-profile.c's
 * instruction counts. It does nothing but exit; what matters is where its
 * first instruction is: bench.sh links it static at a fixed address that
 * no other program of the guest uses and gives the plugin that address.
 */
void _start(void)
{
	__asm__ volatile("mov $60, %eax\n\txor %edi, %edi\n\tsyscall");
}
