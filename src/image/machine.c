/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a context file needs of the machine that restarts it: the same
 * kernel (the vDSO is mapped back at its saved address and must be the same
 * code) and the CPU features the saved code may use, with the same XSAVE
 * layout (the saved signal frames hold XSAVE areas).
 */
#include <cpuid.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "image.h"
#include "blcr_common.h"

static void cpu_features(struct img_header *h)
{
	unsigned int a, b, c, d;

	if (__get_cpuid(1, &a, &b, &c, &d)) {
		h->cpuid1_ecx = c;
		h->cpuid1_edx = d;
	}
	if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
		h->cpuid7_ebx = b;
		h->cpuid7_ecx = c;
	}
	if (h->cpuid1_ecx & bit_OSXSAVE) {
		uint32_t lo, hi;

		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		h->xcr0 = (uint64_t)hi << 32 | lo;
	}
}

void image_header_fill(struct img_header *h, uint32_t n_processes)
{
	struct utsname u;

	memset(h, 0, sizeof(*h));
	h->version = IMG_VERSION;
	h->page_size = IMG_PAGE_SIZE;
	h->created = time(NULL);
	uname(&u);
	snprintf(h->kernel, sizeof(h->kernel), "%.*s", (int)sizeof(h->kernel) - 1, u.release);
	snprintf(h->machine, sizeof(h->machine), "%.*s", (int)sizeof(h->machine) - 1, u.machine);
	cpu_features(h);
	h->n_processes = n_processes;
}

int image_header_check(const struct img_header *saved, char *err, size_t err_len)
{
	struct img_header now;

	image_header_fill(&now, 0);
	if (strcmp(saved->machine, now.machine)) {
		snprintf(err, err_len, "it is for %s, this machine is %s", saved->machine,
			 now.machine);
		return -CR_EBADARCH;
	}
	if (strcmp(saved->kernel, now.kernel)) {
		snprintf(err, err_len, "it was made on kernel %s, this is %s", saved->kernel,
			 now.kernel);
		return -EINVAL;
	}
	if (saved->xcr0 != now.xcr0 || (saved->cpuid1_ecx & ~now.cpuid1_ecx) ||
	    (saved->cpuid1_edx & ~now.cpuid1_edx) || (saved->cpuid7_ebx & ~now.cpuid7_ebx) ||
	    (saved->cpuid7_ecx & ~now.cpuid7_ecx)) {
		snprintf(err, err_len, "this CPU lacks features the checkpointed process may use "
			 "(XSAVE features %#llx, here %#llx; missing CPUID.1 ECX %#x EDX %#x, "
			 "CPUID.7 EBX %#x ECX %#x)", (unsigned long long)saved->xcr0,
			 (unsigned long long)now.xcr0, saved->cpuid1_ecx & ~now.cpuid1_ecx,
			 saved->cpuid1_edx & ~now.cpuid1_edx, saved->cpuid7_ebx & ~now.cpuid7_ebx,
			 saved->cpuid7_ecx & ~now.cpuid7_ecx);
		return -EINVAL;
	}
	return 0;
}
