/* The machine's floor for a TCP connect scan: one thread, non-blocking connect() in a window,
 * epoll for completions, RST close (SO_LINGER 0), self-connects dropped. Prints open ports, one per
 * line. Usage: connect-floor ADDRESS [WINDOW]  (IPv4 only; ports 1-65535). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define LAST_PORT 65535

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s ADDRESS [WINDOW]\n", argv[0]);
    return 64;
  }
  struct sockaddr_in target = {.sin_family = AF_INET};
  if (inet_pton(AF_INET, argv[1], &target.sin_addr) != 1) {
    fprintf(stderr, "bad IPv4 address %s\n", argv[1]);
    return 64;
  }
  int window = argc > 2 ? atoi(argv[2]) : 4096;
  int ep = epoll_create1(0);
  static int port_of_fd[1 << 20];
  struct epoll_event events[1024];
  int next = 1, inflight = 0, done = 0;
  struct linger rst = {.l_onoff = 1, .l_linger = 0};
  while (done < LAST_PORT) {
    while (inflight < window && next <= LAST_PORT) {
      int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      if (fd < 0) break; /* EMFILE: wait for completions */
      target.sin_port = htons(next);
      int rc = connect(fd, (struct sockaddr *)&target, sizeof target);
      if (rc == 0 || errno == EINPROGRESS) {
        struct epoll_event ev = {.events = EPOLLOUT, .data.fd = fd};
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        port_of_fd[fd] = next;
        inflight++;
      } else {
        close(fd);
        done++;
      }
      next++;
    }
    int n = epoll_wait(ep, events, 1024, 1000);
    for (int i = 0; i < n; i++) {
      int fd = events[i].data.fd;
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err == 0) {
        struct sockaddr_in local;
        socklen_t llen = sizeof local;
        getsockname(fd, (struct sockaddr *)&local, &llen);
        /* A self-connect: the kernel chose the target port as our source port. */
        if (!(local.sin_port == htons(port_of_fd[fd]) && local.sin_addr.s_addr == target.sin_addr.s_addr))
          printf("%d\n", port_of_fd[fd]);
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof rst);
      }
      close(fd);
      inflight--;
      done++;
    }
  }
  return 0;
}
