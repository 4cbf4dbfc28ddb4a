/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * listenfd FD ADDRESS PORT COMMAND [ARGS...]: runs COMMAND with a TCP
 * socket listening on ADDRESS:PORT (IPv4) as its descriptor FD.
 *
 * A socket that leads outside the checkpoint (TCP, which ucr does not
 * restore yet) becomes, at restart, cr_restart's descriptor of the same
 * number when it has one, as under BLCR.  A test that restarts a job whose
 * launcher listens on a TCP port it no longer uses (Hydra's control port,
 * once its proxy is connected) hands cr_restart a listener on that port,
 * so that the launcher's poll() finds a listening socket there again
 * rather than a closed descriptor.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int usage(void)
{
	fprintf(stderr, "usage: listenfd FD ADDRESS PORT COMMAND [ARGS...]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	char *end;
	long fd, port;
	int s, one = 1;

	if (argc < 5)
		return usage();
	fd = strtol(argv[1], &end, 10);
	if (*end || fd < 0 || fd > 1023)
		return usage();
	port = strtol(argv[3], &end, 10);
	if (*end || port < 1 || port > 65535 || inet_pton(AF_INET, argv[2], &addr.sin_addr) != 1)
		return usage();
	addr.sin_port = htons((uint16_t)port);

	s = socket(AF_INET, SOCK_STREAM, 0);
	/* the port of a job just killed may still have connections in TIME_WAIT */
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(s, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(s, 16) != 0) {
		fprintf(stderr, "listenfd: %s:%ld: %s\n", argv[2], port, strerror(errno));
		return 1;
	}
	/* dup2 leaves the copy without FD_CLOEXEC: COMMAND inherits it */
	if (s != fd && (dup2(s, (int)fd) < 0 || close(s) != 0)) {
		fprintf(stderr, "listenfd: dup2: %s\n", strerror(errno));
		return 1;
	}
	execvp(argv[4], argv + 4);
	fprintf(stderr, "listenfd: %s: %s\n", argv[4], strerror(errno));
	return 127;
}
