// earshot's raw TCP socket: an IPv4 raw socket (SOCK_RAW, IPPROTO_TCP) that sends hand-built TCP
// segments (the kernel adds the IPv4 header) and hears every TCP segment that reaches this host,
// IPv4 header included (raw(7)). It reads on Node's own event loop: a libuv poll handle wakes it
// when the socket is readable, and it drains at most a batch of packets per wake-up, so the loop
// never blocks on the socket and never spins.
//
// open(onPackets: (packets: Buffer[], errno: number) => void)
//   -> { handle } | { errno, message }: the socket, or why socket() failed (EPERM without
//   CAP_NET_RAW...), as data. onPackets runs once per wake-up with the packets read (errno is 0, or
//   the errno of a failed read, which does not close the socket).
// send(handle, segment: Uint8Array, address: string) -> 0 | errno (EAGAIN when the send buffer is full)
// close(handle) -> undefined; a second close does nothing. After close, send returns EBADF.
#include "napi_helpers.h"

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

// Enough packets per wake-up to keep up with a SYN scan, few enough that timers still run between.
#define PACKETS_PER_WAKEUP 64
#define PACKET_BUFFER_BYTES 65536
// Room for a burst of SYNs and their answers (each small packet costs ~1 KB of buffer) while
// JavaScript is busy sending them.
#define RECEIVE_BUFFER_BYTES (4 << 20)

typedef struct {
  polled_fd base;
  unsigned char packet[PACKET_BUFFER_BYTES];
} raw_socket;

static void free_socket(polled_fd *p) {
  free(p);
}

static void deliver(raw_socket *s, napi_value packets, int read_errno) {
  napi_value argv[2];
  argv[0] = packets;
  napi_create_int32(s->base.env, read_errno, &argv[1]);
  polled_fd_call(&s->base, 2, argv);
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  raw_socket *s = handle->data;
  napi_env env = s->base.env;
  if (s->base.closing) return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value packets;
  napi_create_array(env, &packets);
  uint32_t count = 0;
  int read_errno = status < 0 ? -status : 0;
  while (read_errno == 0 && count < PACKETS_PER_WAKEUP) {
    ssize_t length = recv(s->base.fd, s->packet, sizeof s->packet, 0);
    if (length < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) read_errno = errno;
      break;
    }
    napi_value packet;
    if (napi_create_buffer_copy(env, (size_t)length, s->packet, NULL, &packet) != napi_ok) break;
    napi_set_element(env, packets, count++, packet);
  }
  if (count > 0 || read_errno != 0) deliver(s, packets, read_errno);
  napi_close_handle_scope(env, scope);
}

static napi_value open_socket(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_valuetype type = napi_undefined;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 ||
      napi_typeof(env, argv[0], &type) != napi_ok || type != napi_function)
    return throw_type_error(env, "open(onPackets) takes a function");

  int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
  if (fd < 0) return errno_object(env, errno);
  int receive_bytes = RECEIVE_BUFFER_BYTES;
  // socket(7): SO_RCVBUF is capped at net.core.rmem_max (208 KB by default); SO_RCVBUFFORCE
  // (CAP_NET_ADMIN, which root has beside CAP_NET_RAW) is not. Best effort either way.
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &receive_bytes, sizeof receive_bytes) != 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_bytes, sizeof receive_bytes);

  raw_socket *s = calloc(1, sizeof *s);
  if (s == NULL) {
    close(fd);
    return errno_object(env, ENOMEM);
  }
  s->base.on_free = free_socket;
  return polled_fd_open(env, &s->base, fd, argv[0], "earshot:raw-tcp", on_readable);
}

static napi_value send_segment(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 3)
    return throw_type_error(env, "send(handle, segment, address) takes 3 arguments");
  raw_socket *s = external_data(env, argv[0]);
  if (s == NULL) return throw_type_error(env, "handle must come from open()");

  bool is_typed_array = false;
  napi_typedarray_type array_type;
  size_t length = 0;
  void *bytes = NULL;
  if (napi_is_typedarray(env, argv[1], &is_typed_array) != napi_ok || !is_typed_array ||
      napi_get_typedarray_info(env, argv[1], &array_type, &length, &bytes, NULL, NULL) != napi_ok ||
      array_type != napi_uint8_array)
    return throw_type_error(env, "segment must be a Uint8Array");

  // raw(7): for IPPROTO_TCP without IP_HDRINCL the port field must be 0; the segment carries the ports.
  struct sockaddr_storage address;
  socklen_t address_length = address_argument(env, argv[2], 0, &address);
  if (address_length == 0 || address.ss_family != AF_INET)
    return throw_type_error(env, "address must be an IPv4 address in dotted form");

  int error = 0;
  if (s->base.closing) {
    error = EBADF;
  } else {
    while (sendto(s->base.fd, bytes, length, 0, (struct sockaddr *)&address, address_length) < 0) {
      if (errno == EINTR) continue;
      error = errno;
      break;
    }
  }
  napi_value result;
  napi_create_int32(env, error, &result);
  return result;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  static const exported_function functions[] = {
      {"open", open_socket}, {"send", send_segment}, {"close", polled_fd_close_function}};
  return export_functions(env, exports, functions, sizeof functions / sizeof functions[0]);
}
