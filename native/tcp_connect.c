// earshot's connect-scan socket table: non-blocking TCP connects watched by one epoll instance that
// Node's event loop polls (a libuv poll handle on the epoll descriptor). A probe costs the kernel's
// work alone (socket, connect, epoll_ctl, getsockopt, close) and no JavaScript object; completions
// reach JavaScript in batches, one call per wake-up, written into an Int32Array the caller owns.
//
// open(capacity, results: Int32Array, onResults: (count: number) => void)
//   -> { handle } | { errno, message }. Slots are 0..capacity-1. onResults(count) runs once per
//   wake-up: results[2i] is a slot, results[2i+1] its status: 0 connected (the socket was reset),
//   1 connected to itself (source port = target port on the same address: nothing listens there),
//   or a negative errno (-ECONNREFUSED...). results holds at least 2 * RESULTS_PER_WAKEUP numbers.
// connect(handle, slot, address: string, port, checkSelf: boolean, reuse: boolean) -> 0 (under way)
//   | -errno: the connect could not start (-EMFILE, -ENETUNREACH, -ECONNREFUSED...); the slot is
//   then free. With reuse, a socket an earlier refusal left behind may carry it, and a refusal of
//   this one may keep its socket for a later connect (see SPARES_PER_FAMILY).
// abandon(handle, slot) -> undefined: closes the slot's socket; no result comes for it.
// close(handle) -> undefined: closes every socket; a second close does nothing.
#include "napi_helpers.h"

#include <netinet/in.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/socket.h>

// One wake-up delivers at most this many completions: enough to amortize the call into JavaScript,
// few enough that timers still run between batches.
#define RESULTS_PER_WAKEUP 1024
#define STATUS_SELF 1
// Refused sockets kept for the next connect, per family. Reusing one saves socket(), close() and
// the epoll registration: a third of the kernel time of a scan of closed ports. connect(2) on it
// first answers ECONNABORTED (the kernel resets the socket to unconnected), then starts the new
// connect. The bound keeps a scan that stopped reusing from holding descriptors it does not use.
#define SPARES_PER_FAMILY 256
// One shot: a socket reports once, then stays quiet until re-armed, so a kept socket (closed state,
// always "writable") never wakes the loop while it waits.
#define WATCHED_EVENTS (EPOLLOUT | EPOLLONESHOT)
// A slot's connect: compare the two ends when it connects; a refusal may keep its socket; IPv6.
#define FLAG_CHECK_SELF 1
#define FLAG_REUSE 2
#define FLAG_IPV6 4

// base.fd is the epoll instance; the sockets are in `fds` and `spares`.
typedef struct {
  polled_fd base;
  uint32_t capacity;
  int *fds;            // per slot: its socket, or -1
  uint32_t *serials;   // per slot: bumped on every connect, so a stale event is recognized
  uint8_t *flags;      // per slot: FLAG_CHECK_SELF, FLAG_REUSE, FLAG_IPV6
  int spares[2][SPARES_PER_FAMILY];
  int spare_count[2];
  napi_ref results_ref;
  struct epoll_event events[RESULTS_PER_WAKEUP];
} connector;

static void close_slot(connector *c, uint32_t slot, int reset) {
  int fd = c->fds[slot];
  if (fd < 0) return;
  c->fds[slot] = -1;
  // RST, not FIN: a FIN close leaves FIN_WAIT2/CLOSE_WAIT pairs behind by the thousand.
  if (reset) {
    struct linger linger = {.l_onoff = 1, .l_linger = 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, sizeof linger);
  }
  // close() also takes the descriptor out of the epoll set: it is never duplicated.
  close(fd);
}

// Closes every socket (the epoll instance is polled_fd's to close).
static void close_sockets(polled_fd *p) {
  connector *c = (connector *)p;
  for (uint32_t slot = 0; slot < c->capacity; slot++) close_slot(c, slot, 0);
  for (int family = 0; family < 2; family++)
    while (c->spare_count[family] > 0) close(c->spares[family][--c->spare_count[family]]);
  if (c->results_ref != NULL) napi_delete_reference(p->env, c->results_ref);
  c->results_ref = NULL;
}

static void free_connector(polled_fd *p) {
  connector *c = (connector *)p;
  free(c->fds);
  free(c->serials);
  free(c->flags);
  free(c);
}

// True when the socket is connected to itself: the kernel picked the target port as the source port.
static int is_self_connect(int fd) {
  struct sockaddr_storage local, peer;
  socklen_t local_length = sizeof local, peer_length = sizeof peer;
  if (getsockname(fd, (struct sockaddr *)&local, &local_length) != 0 ||
      getpeername(fd, (struct sockaddr *)&peer, &peer_length) != 0)
    return 0;
  return local_length == peer_length && memcmp(&local, &peer, local_length) == 0;
}

static void on_ready(uv_poll_t *handle, int status, int events) {
  (void)status;
  (void)events;
  connector *c = handle->data;
  napi_env env = c->base.env;
  if (c->base.closing) return;
  int ready;
  do ready = epoll_wait(c->base.fd, c->events, RESULTS_PER_WAKEUP, 0);
  while (ready < 0 && errno == EINTR);
  if (ready <= 0) return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  // Asked for each wake-up rather than kept: the array's memory is V8's to place.
  napi_value array;
  napi_typedarray_type array_type;
  size_t length = 0;
  void *data = NULL;
  if (napi_get_reference_value(env, c->results_ref, &array) != napi_ok || array == NULL ||
      napi_get_typedarray_info(env, array, &array_type, &length, &data, NULL, NULL) != napi_ok ||
      length < 2 * RESULTS_PER_WAKEUP) {
    napi_close_handle_scope(env, scope);
    return;
  }
  int32_t *results = data;
  uint32_t count = 0;
  for (int i = 0; i < ready; i++) {
    uint32_t slot = (uint32_t)c->events[i].data.u64;
    uint32_t serial = (uint32_t)(c->events[i].data.u64 >> 32);
    if (slot >= c->capacity || c->fds[slot] < 0 || c->serials[slot] != serial) continue;
    int fd = c->fds[slot];
    int error = 0;
    socklen_t error_length = sizeof error;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &error_length) != 0) error = errno;
    // Writable without an error is a finished handshake (connect(2), EINPROGRESS).
    uint8_t flags = c->flags[slot];
    int32_t outcome = error != 0 ? -error : ((flags & FLAG_CHECK_SELF) && is_self_connect(fd) ? STATUS_SELF : 0);
    int family = flags & FLAG_IPV6 ? 1 : 0;
    if (error == ECONNREFUSED && (flags & FLAG_REUSE) && c->spare_count[family] < SPARES_PER_FAMILY) {
      c->fds[slot] = -1;
      c->spares[family][c->spare_count[family]++] = fd;
    } else {
      close_slot(c, slot, error == 0);
    }
    results[2 * count] = (int32_t)slot;
    results[2 * count + 1] = outcome;
    count++;
  }
  if (count > 0) {
    napi_value argv[1];
    napi_create_uint32(env, count, &argv[0]);
    polled_fd_call(&c->base, 1, argv);
  }
  napi_close_handle_scope(env, scope);
}

static napi_value open_connector(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_valuetype type = napi_undefined;
  uint32_t capacity = 0;
  bool is_typed_array = false;
  napi_typedarray_type array_type;
  size_t length = 0;
  void *data = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 3 ||
      napi_get_value_uint32(env, argv[0], &capacity) != napi_ok || capacity == 0 || capacity > (1u << 24) ||
      napi_is_typedarray(env, argv[1], &is_typed_array) != napi_ok || !is_typed_array ||
      napi_get_typedarray_info(env, argv[1], &array_type, &length, &data, NULL, NULL) != napi_ok ||
      array_type != napi_int32_array || length < 2 * RESULTS_PER_WAKEUP ||
      napi_typeof(env, argv[2], &type) != napi_ok || type != napi_function)
    return throw_type_error(env, "open(capacity, results: Int32Array(2048), onResults) takes a slot count, "
                                 "a result array and a function");

  int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd < 0) return errno_object(env, errno);
  connector *c = calloc(1, sizeof *c);
  if (c == NULL) {
    close(epoll_fd);
    return errno_object(env, ENOMEM);
  }
  c->base.on_close = close_sockets;
  c->base.on_free = free_connector;
  c->fds = malloc(capacity * sizeof *c->fds);
  c->serials = calloc(capacity, sizeof *c->serials);
  c->flags = calloc(capacity, sizeof *c->flags);
  if (c->fds != NULL)
    for (uint32_t slot = 0; slot < capacity; slot++) c->fds[slot] = -1;
  c->capacity = c->fds != NULL ? capacity : 0;
  if (c->fds == NULL || c->serials == NULL || c->flags == NULL ||
      napi_create_reference(env, argv[1], 1, &c->results_ref) != napi_ok) {
    close(epoll_fd);
    free_connector(&c->base);
    return errno_object(env, ENOMEM);
  }
  return polled_fd_open(env, &c->base, epoll_fd, argv[2], "earshot:tcp-connect", on_ready);
}

// Starts a connect on a kept socket of the family; the socket, or -1 when none would take it.
static int connect_spare(connector *c, const struct sockaddr_storage *address, socklen_t length, uint64_t data) {
  int family = address->ss_family == AF_INET ? 0 : 1;
  while (c->spare_count[family] > 0) {
    int fd = c->spares[family][--c->spare_count[family]];
    int status;
    do status = connect(fd, (const struct sockaddr *)address, length);
    while (status != 0 && errno == EINTR);
    if (status != 0 && errno == ECONNABORTED) {
      do status = connect(fd, (const struct sockaddr *)address, length);
      while (status != 0 && errno == EINTR);
    }
    struct epoll_event event = {.events = WATCHED_EVENTS, .data.u64 = data};
    if ((status == 0 || errno == EINPROGRESS) && epoll_ctl(c->base.fd, EPOLL_CTL_MOD, fd, &event) == 0) return fd;
    // Any other answer retires the socket.
    close(fd);
  }
  return -1;
}

static napi_value connect_slot(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  uint32_t slot = 0, port = 0;
  bool check_self = false, reuse = false;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 6)
    return throw_type_error(env, "connect(handle, slot, address, port, checkSelf, reuse) takes 6 arguments");
  connector *c = external_data(env, argv[0]);
  if (c == NULL) return throw_type_error(env, "handle must come from open()");
  if (napi_get_value_uint32(env, argv[1], &slot) != napi_ok || slot >= c->capacity)
    return throw_type_error(env, "slot must be below the capacity given to open()");
  if (napi_get_value_uint32(env, argv[3], &port) != napi_ok || port > 65535 ||
      napi_get_value_bool(env, argv[4], &check_self) != napi_ok || napi_get_value_bool(env, argv[5], &reuse) != napi_ok)
    return throw_type_error(env, "port must be 0-65535, checkSelf and reuse booleans");
  struct sockaddr_storage address;
  socklen_t address_length = address_argument(env, argv[2], (uint16_t)port, &address);
  if (address_length == 0) return throw_type_error(env, "address must be a numeric IPv4 or IPv6 address");
  if (c->base.closing) return int_value(env, -EBADF);
  if (c->fds[slot] >= 0) return throw_type_error(env, "slot is in use");

  uint32_t serial = c->serials[slot] + 1;
  uint64_t data = ((uint64_t)serial << 32) | slot;
  int fd = reuse ? connect_spare(c, &address, address_length, data) : -1;
  if (fd < 0) {
    fd = socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    if (fd < 0) return int_value(env, -errno);
    int status;
    do status = connect(fd, (struct sockaddr *)&address, address_length);
    while (status != 0 && errno == EINTR);
    if (status != 0 && errno != EINPROGRESS) {
      int error = errno;
      close(fd);
      return int_value(env, -error);
    }
    struct epoll_event event = {.events = WATCHED_EVENTS, .data.u64 = data};
    if (epoll_ctl(c->base.fd, EPOLL_CTL_ADD, fd, &event) != 0) {
      // ENOSPC is max_user_watches: like running out of descriptors, a reason to retry later.
      int error = errno == ENOSPC ? ENOBUFS : errno;
      close(fd);
      return int_value(env, -error);
    }
  }
  c->serials[slot] = serial;
  c->fds[slot] = fd;
  c->flags[slot] = (check_self ? FLAG_CHECK_SELF : 0) | (reuse ? FLAG_REUSE : 0) |
                   (address.ss_family == AF_INET6 ? FLAG_IPV6 : 0);
  return int_value(env, 0);
}

static napi_value abandon_slot(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  uint32_t slot = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2)
    return throw_type_error(env, "abandon(handle, slot) takes 2 arguments");
  connector *c = external_data(env, argv[0]);
  if (c == NULL) return throw_type_error(env, "handle must come from open()");
  if (napi_get_value_uint32(env, argv[1], &slot) != napi_ok || slot >= c->capacity)
    return throw_type_error(env, "slot must be below the capacity given to open()");
  close_slot(c, slot, 0);
  return NULL;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  static const exported_function functions[] = {
      {"open", open_connector}, {"connect", connect_slot}, {"abandon", abandon_slot}, {"close", polled_fd_close_function}};
  return export_functions(env, exports, functions, sizeof functions / sizeof functions[0]);
}
