/* dlopen_cr: a program that loads libcr at run time, as a plugin host or a
 * language runtime would: dlopen("libcr.so.0"), then cr_init() and
 * cr_register_callback() through dlsym().  It is not linked with libcr.
 *
 * usage: dlopen_cr FIFO
 *
 * It registers a thread-context callback that records what cr_checkpoint()
 * returns, says "ready" on FIFO (wl.h), waits for SIGUSR1, then prints
 *
 *   PASS before=B global=G init=ID runs=N rc=R
 *
 * and exits 0: B is 1 when libcr.so.0 was loaded already (cr_run loads
 * it) and the dlopen() found that copy, G is 1 when dlsym(RTLD_DEFAULT,
 * "cr_init") found it, before or after the dlopen() (BLCR kept the API out
 * of the global scope: G must be 0), ID what cr_init() returned, N the
 * callback's runs and R the last value its cr_checkpoint() returned (0 on
 * continue, > 0 after a restart).
 */
#include "wl.h"

#include <dlfcn.h>
#include <libcr.h>	/* types and constants only: the calls go through dlsym */

static int (*p_checkpoint)(int);
static int runs;
static int last_rc = -1;

static int on_checkpoint(void *arg)
{
	(void)arg;
	runs++;
	last_rc = p_checkpoint(CR_CHECKPOINT_READY);
	return 0;
}

static void *sym(void *lib, const char *name)
{
	void *p = dlsym(lib, name);

	if (!p)
		wl_die("dlsym %s: %s", name, dlerror());
	return p;
}

int main(int argc, char **argv)
{
	cr_client_id_t (*p_init)(void);
	cr_callback_id_t (*p_register)(cr_callback_t, void *, int);
	void *lib, *before;
	cr_client_id_t id;
	int global;

	if (argc != 2)
		wl_die("usage: dlopen_cr FIFO");
	wl_setup_usr1(1);
	global = dlsym(RTLD_DEFAULT, "cr_init") != NULL;
	before = dlopen("libcr.so.0", RTLD_NOW | RTLD_NOLOAD);
	if (before)
		dlclose(before);
	lib = dlopen("libcr.so.0", RTLD_NOW);
	if (!lib)
		wl_die("dlopen libcr.so.0: %s", dlerror());
	global |= dlsym(RTLD_DEFAULT, "cr_init") != NULL;
	p_init = (cr_client_id_t (*)(void))sym(lib, "cr_init");
	p_register = (cr_callback_id_t (*)(cr_callback_t, void *, int))
		sym(lib, "cr_register_callback");
	p_checkpoint = (int (*)(int))sym(lib, "cr_checkpoint");
	id = p_init();
	if (id < 0)
		wl_die("cr_init returned %d", (int)id);
	if (p_register(on_checkpoint, NULL, CR_THREAD_CONTEXT) < 0)
		wl_die("cr_register_callback: %s", strerror(errno));
	wl_ready(argv[1]);
	wl_wait_usr1();
	wl_out("PASS before=%d global=%d init=%d runs=%d rc=%d\n", before != NULL, global, (int)id,
	       runs, last_rc);
	return 0;
}
