/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The test build's faults (faults.h): parsed from UCR_FAULT once. */
#include <fcntl.h>
#include <string.h>

#include "faults.h"
#include "common/util.h"

struct fault {
	enum { FAULT_NONE, FAULT_AREA, FAULT_THREAD, FAULT_PAUSE } kind;
	int32_t pid;
	uint32_t index;
	char point[32];
};

static const struct fault *fault_get(void)
{
	static struct fault f;
	static bool parsed;
	const char *env = getenv("UCR_FAULT");
	unsigned int index;
	int pid;

	if (parsed)
		return &f;
	parsed = true;
	if (!env)
		return &f;
	if (sscanf(env, "area:%d:%u", &pid, &index) == 2)
		f = (struct fault){ .kind = FAULT_AREA, .pid = pid, .index = index };
	else if (sscanf(env, "thread:%d:%u", &pid, &index) == 2)
		f = (struct fault){ .kind = FAULT_THREAD, .pid = pid, .index = index };
	else if (!strncmp(env, "pause:", 6) && strlen(env + 6) < sizeof(f.point))
		f = (struct fault){ .kind = FAULT_PAUSE };
	if (f.kind == FAULT_PAUSE)
		strcpy(f.point, env + 6);
	if (f.kind == FAULT_NONE)
		log_warn("UCR_FAULT=%s is not a fault this build knows, ignoring", env);
	return &f;
}

/* Blocking opens of a FIFO are the handshake: the test's reader learns
 * that we are here, its writer's close lets us go on. */
void fault_pause(const char *point)
{
	const struct fault *f = fault_get();
	const char *fifo = getenv("UCR_FAULT_FIFO");
	char c;
	int fd;

	if (f->kind != FAULT_PAUSE || strcmp(f->point, point) || !fifo)
		return;
	fd = open(fifo, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		dprintf(fd, "%s\n", point);
		close(fd);
	}
	fd = open(fifo, O_RDONLY | O_CLOEXEC);
	while (fd >= 0 && read(fd, &c, 1) > 0)
		;
	safe_close(fd);
}

void fault_plan(int32_t pid, struct plan *plan)
{
	const struct fault *f = fault_get();

	if (f->pid != pid || (f->kind != FAULT_AREA && f->kind != FAULT_THREAD))
		return;
	plan->fault_step = f->kind == FAULT_AREA ? STEP_MAP : STEP_CLONE;
	plan->fault_index = f->index;
}
