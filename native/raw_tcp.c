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
#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

// Enough packets per wake-up to keep up with a SYN scan, few enough that timers still run between.
#define PACKETS_PER_WAKEUP 64
#define PACKET_BUFFER_BYTES 65536
// Room for a burst of SYNs and their answers (each small packet costs ~1 KB of buffer) while
// JavaScript is busy sending them.
#define RECEIVE_BUFFER_BYTES (4 << 20)

typedef struct {
  uv_poll_t poll;
  napi_env env;
  int fd;
  int closing;
  // Freed when both are gone: the libuv handle (closed) and the JavaScript handle (collected).
  int owners;
  napi_ref on_packets;
  napi_async_context async_context;
  napi_async_cleanup_hook_handle cleanup_hook;
  unsigned char packet[PACKET_BUFFER_BYTES];
} raw_socket;

static void release(raw_socket *socket_state) {
  if (--socket_state->owners == 0) free(socket_state);
}

static void on_closed(uv_handle_t *handle) {
  raw_socket *s = handle->data;
  close(s->fd);
  s->fd = -1;
  if (s->on_packets != NULL) napi_delete_reference(s->env, s->on_packets);
  if (s->async_context != NULL) napi_async_destroy(s->env, s->async_context);
  if (s->cleanup_hook != NULL) napi_remove_async_cleanup_hook(s->cleanup_hook);
  s->on_packets = NULL;
  s->async_context = NULL;
  s->cleanup_hook = NULL;
  release(s);
}

static void begin_close(raw_socket *s) {
  if (s->closing) return;
  s->closing = 1;
  uv_poll_stop(&s->poll);
  uv_close((uv_handle_t *)&s->poll, on_closed);
}

// The environment is going away (a worker ends) with the socket still open: close it first, or
// the worker's loop would be left holding a live handle.
static void on_env_teardown(napi_async_cleanup_hook_handle hook, void *data) {
  (void)hook;
  begin_close(data);
}

// JavaScript dropped the handle: nobody can close the socket any more, so close it now.
static void on_handle_collected(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  raw_socket *s = data;
  begin_close(s);
  release(s);
}

static void deliver(raw_socket *s, napi_value packets, int read_errno) {
  napi_env env = s->env;
  napi_value callback, receiver, argv[2], result;
  if (napi_get_reference_value(env, s->on_packets, &callback) != napi_ok || callback == NULL) return;
  napi_get_global(env, &receiver);
  argv[0] = packets;
  napi_create_int32(env, read_errno, &argv[1]);
  // napi_make_callback (not napi_call_function): it runs the callback the way Node runs any I/O
  // callback, so promises it settles and process.nextTick work run right after it.
  if (napi_make_callback(env, s->async_context, receiver, callback, 2, argv, &result) == napi_pending_exception) {
    napi_value exception;
    if (napi_get_and_clear_last_exception(env, &exception) == napi_ok) napi_fatal_exception(env, exception);
  }
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  raw_socket *s = handle->data;
  if (s->closing) return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(s->env, &scope) != napi_ok) return;
  napi_value packets;
  napi_create_array(s->env, &packets);
  uint32_t count = 0;
  int read_errno = status < 0 ? -status : 0;
  while (read_errno == 0 && count < PACKETS_PER_WAKEUP) {
    ssize_t length = recv(s->fd, s->packet, sizeof s->packet, 0);
    if (length < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) read_errno = errno;
      break;
    }
    napi_value packet;
    if (napi_create_buffer_copy(s->env, (size_t)length, s->packet, NULL, &packet) != napi_ok) break;
    napi_set_element(s->env, packets, count++, packet);
  }
  if (count > 0 || read_errno != 0) deliver(s, packets, read_errno);
  napi_close_handle_scope(s->env, scope);
}

static napi_value errno_object(napi_env env, int error) {
  napi_value object, number, message;
  napi_create_object(env, &object);
  napi_create_int32(env, error, &number);
  napi_create_string_utf8(env, strerror(error), NAPI_AUTO_LENGTH, &message);
  napi_set_named_property(env, object, "errno", number);
  napi_set_named_property(env, object, "message", message);
  return object;
}

static napi_value throw_type_error(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
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
  struct uv_loop_s *loop = NULL;
  if (s == NULL) {
    close(fd);
    return errno_object(env, ENOMEM);
  }
  int uv_status = napi_get_uv_event_loop(env, &loop) == napi_ok ? uv_poll_init(loop, &s->poll, fd) : UV_EINVAL;
  if (uv_status != 0) {
    close(fd);
    free(s);
    return errno_object(env, -uv_status);
  }
  s->poll.data = s;
  s->env = env;
  s->fd = fd;
  s->owners = 1;

  napi_value name, resource, external, result;
  napi_create_string_utf8(env, "earshot:raw-tcp", NAPI_AUTO_LENGTH, &name);
  napi_create_object(env, &resource);
  if (napi_create_reference(env, argv[0], 1, &s->on_packets) != napi_ok ||
      napi_async_init(env, resource, name, &s->async_context) != napi_ok ||
      napi_add_async_cleanup_hook(env, on_env_teardown, s, &s->cleanup_hook) != napi_ok ||
      napi_create_external(env, s, on_handle_collected, NULL, &external) != napi_ok) {
    begin_close(s);
    napi_throw_error(env, NULL, "raw socket: could not set up its JavaScript handle");
    return NULL;
  }
  s->owners = 2;
  uv_status = uv_poll_start(&s->poll, UV_READABLE, on_readable);
  napi_create_object(env, &result);
  if (uv_status != 0) {
    begin_close(s);
    return errno_object(env, -uv_status);
  }
  napi_set_named_property(env, result, "handle", external);
  return result;
}

static raw_socket *socket_of(napi_env env, napi_value value) {
  napi_valuetype type = napi_undefined;
  void *data = NULL;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_external ||
      napi_get_value_external(env, value, &data) != napi_ok)
    return NULL;
  return data;
}

static napi_value send_segment(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 3)
    return throw_type_error(env, "send(handle, segment, address) takes 3 arguments");
  raw_socket *s = socket_of(env, argv[0]);
  if (s == NULL) return throw_type_error(env, "handle must come from open()");

  bool is_typed_array = false;
  napi_typedarray_type array_type;
  size_t length = 0;
  void *bytes = NULL;
  if (napi_is_typedarray(env, argv[1], &is_typed_array) != napi_ok || !is_typed_array ||
      napi_get_typedarray_info(env, argv[1], &array_type, &length, &bytes, NULL, NULL) != napi_ok ||
      array_type != napi_uint8_array)
    return throw_type_error(env, "segment must be a Uint8Array");

  char text[INET_ADDRSTRLEN] = {0};
  size_t text_length = 0;
  struct sockaddr_in address;
  memset(&address, 0, sizeof address);
  address.sin_family = AF_INET;
  if (napi_get_value_string_utf8(env, argv[2], text, sizeof text, &text_length) != napi_ok ||
      inet_pton(AF_INET, text, &address.sin_addr) != 1)
    return throw_type_error(env, "address must be an IPv4 address in dotted form");

  int error = 0;
  if (s->closing) {
    error = EBADF;
  } else {
    // raw(7): for IPPROTO_TCP without IP_HDRINCL the port field must be 0; the segment carries the ports.
    while (sendto(s->fd, bytes, length, 0, (struct sockaddr *)&address, sizeof address) < 0) {
      if (errno == EINTR) continue;
      error = errno;
      break;
    }
  }
  napi_value result;
  napi_create_int32(env, error, &result);
  return result;
}

static napi_value close_socket(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1)
    return throw_type_error(env, "close(handle) takes 1 argument");
  raw_socket *s = socket_of(env, argv[0]);
  if (s == NULL) return throw_type_error(env, "handle must come from open()");
  begin_close(s);
  return NULL;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  static const struct {
    const char *name;
    napi_callback function;
  } functions[] = {{"open", open_socket}, {"send", send_segment}, {"close", close_socket}};
  for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++) {
    napi_value function;
    if (napi_create_function(env, functions[i].name, NAPI_AUTO_LENGTH, functions[i].function, NULL, &function) !=
            napi_ok ||
        napi_set_named_property(env, exports, functions[i].name, function) != napi_ok)
      return NULL;
  }
  return exports;
}
