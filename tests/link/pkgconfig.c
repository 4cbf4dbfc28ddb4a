/* pkgconfig: the smallest libcr program, built by tests/e2e/24-link-forms.t
 * with `cc pkgconfig.c $(pkg-config --cflags --libs libcr)' alone.  Prints
 * "ok" when libcr answers. */
#include <libcr.h>
#include <stdio.h>

int main(void)
{
	if (cr_init() < 0 || !cr_strerror(CR_ENOINIT))
		return 1;
	puts("ok");
	return 0;
}
