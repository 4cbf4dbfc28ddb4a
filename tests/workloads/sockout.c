/* sockout: sockets that lead outside what is checkpointed.
 *
 * usage: sockout READY
 *
 * fd 7: a UNIX socketpair's end whose other end a child holds (outside a
 * --pid checkpoint); fd 8: a TCP connection over loopback that the child
 * accepted; fd 9, a UDP socket, and fd 10, a TCP listener, lead nowhere
 * outside.  After ready and SIGUSR1 it prints one line,
 * "7:open 8:open 9:open 10:open" with "closed" for each descriptor that is
 * not a socket any more, and exits 0.  The child waits to be killed.
 */
#include "wl.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

static void at(int fd, int want)
{
	if (fd != want && (dup2(fd, want) != want || close(fd)))
		wl_die("dup2 %d: %s", want, strerror(errno));
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	int sv[2], lfd, cfd, ufd;
	char line[64];
	size_t len = 0;

	if (argc != 2)
		wl_die("usage: sockout READY");
	wl_setup_usr1(1);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 4) ||
	    getsockname(lfd, (struct sockaddr *)&sa, &sl))
		wl_die("listen: %s", strerror(errno));
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		wl_die("socketpair: %s", strerror(errno));
	if (fork() == 0) {	/* the peer outside: its end of the pair, the server */
		close(sv[0]);
		if (accept(lfd, NULL, NULL) < 0)
			wl_die("accept: %s", strerror(errno));
		for (;;)
			pause();
	}
	close(sv[1]);
	at(sv[0], 7);
	cfd = socket(AF_INET, SOCK_STREAM, 0);
	if (cfd < 0 || connect(cfd, (struct sockaddr *)&sa, sizeof(sa)))
		wl_die("connect: %s", strerror(errno));
	at(cfd, 8);
	close(lfd);
	/* inside: a UDP socket and a listener of its own */
	sa.sin_port = 0;
	ufd = socket(AF_INET, SOCK_DGRAM, 0);
	if (ufd < 0 || bind(ufd, (struct sockaddr *)&sa, sizeof(sa)))
		wl_die("bind: %s", strerror(errno));
	at(ufd, 9);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 4))
		wl_die("listen: %s", strerror(errno));
	at(lfd, 10);
	wl_ready(argv[1]);
	wl_wait_usr1();
	for (int fd = 7; fd <= 10; fd++) {
		struct stat st;
		int open = fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);

		len += snprintf(line + len, sizeof(line) - len, "%s%d:%s", fd > 7 ? " " : "", fd,
				open ? "open" : "closed");
	}
	wl_out("%s\n", line);
	return 0;
}
