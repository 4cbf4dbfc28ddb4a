/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the dumps of UNIX sockets (sockets.c) and of TCP and UDP ones
 * (inet.c) share: a duplicate of a target's descriptor, a query of
 * NETLINK_SOCK_DIAG, and the descriptor of the request that a descriptor
 * in flight stands for.
 */
#include <string.h>
#include <linux/kcmp.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "res.h"
#include "common/util.h"

int sockets_target_fd(pid_t pid, int fd)
{
	_cleanup_close_ int pidfd = syscall(SYS_pidfd_open, pid, 0);
	int r;

	if (pidfd < 0)
		return -errno;
	r = syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	return r < 0 ? -errno : r;
}

int sockets_diag(const void *req, size_t req_len, void *buf, size_t buf_len, size_t msg_len,
		 const void **ret_msg, int *ret_left)
{
	_cleanup_close_ int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	const struct nlmsghdr *h = buf;
	ssize_t n;

	if (nl < 0)
		return -errno;
	if (send(nl, req, req_len, 0) < 0 || (n = recv(nl, buf, buf_len, 0)) < 0)
		return -errno;
	if (!NLMSG_OK(h, (size_t)n))
		return -EBADMSG;
	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(h);

		return h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error ? e->error : -EBADMSG;
	}
	if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY || h->nlmsg_len < NLMSG_LENGTH(msg_len))
		return -EBADMSG;
	*ret_msg = NLMSG_DATA(h);
	*ret_left = h->nlmsg_len - NLMSG_LENGTH(msg_len);
	return 0;
}

int sockets_right_of(const struct dump_shared *sh, int fd, struct img_socket_right *ret)
{
	pid_t self = getpid();

	for (size_t i = 0; i < sh->n_fds; i++) {
		const struct dump_fd *o = &sh->fds[i];

		/* kcmp(2): the same struct file, the same open file description */
		if (syscall(SYS_kcmp, self, o->pid, KCMP_FILE, fd, o->fd) == 0) {
			ret->pid = process_seen_pid(sh, o->pid);
			ret->fd = o->fd;
			return 0;
		}
	}
	return -ENOENT;
}
