// A listener for the scale benchmark: accepts every connection on the given IPv4 port (all local
// addresses) and closes it at once, so the accept queue never fills however many hosts a scan
// probes. One thread, epoll; prints "ready" once listening. Usage: accept-sink PORT SECONDS
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: accept-sink PORT SECONDS\n");
    return 64;
  }
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1]))};
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  if (bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, 65535) != 0) {
    perror("accept-sink");
    return 1;
  }
  int epoll = epoll_create1(0);
  struct epoll_event event = {.events = EPOLLIN, .data.fd = listener};
  epoll_ctl(epoll, EPOLL_CTL_ADD, listener, &event);
  printf("ready\n");
  fflush(stdout);
  time_t end = time(NULL) + atoi(argv[2]);
  while (time(NULL) < end) {
    struct epoll_event ready;
    if (epoll_wait(epoll, &ready, 1, 500) <= 0) continue;
    for (;;) {
      int connection = accept4(listener, NULL, NULL, SOCK_NONBLOCK);
      if (connection < 0) break;
      close(connection);
    }
  }
  return 0;
}
