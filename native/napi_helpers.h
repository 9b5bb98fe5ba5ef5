// What earshot's addons share: the N-API calls every one of them makes the same way, reading a
// socket address from JavaScript, and the life of a descriptor polled on Node's own event loop
// (raw_tcp.c, tcp_connect.c).
#ifndef EARSHOT_NAPI_HELPERS_H
#define EARSHOT_NAPI_HELPERS_H

#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static inline napi_value throw_type_error(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

// { errno, message }: a failure the caller reports as data rather than as an exception.
static inline napi_value errno_object(napi_env env, int error) {
  napi_value object, number, message;
  napi_create_object(env, &object);
  napi_create_int32(env, error, &number);
  napi_create_string_utf8(env, strerror(error), NAPI_AUTO_LENGTH, &message);
  napi_set_named_property(env, object, "errno", number);
  napi_set_named_property(env, object, "message", message);
  return object;
}

static inline napi_value int_value(napi_env env, int32_t number) {
  napi_value value;
  napi_create_int32(env, number, &value);
  return value;
}

// The pointer behind a handle an open() returned; NULL for anything else.
static inline void *external_data(napi_env env, napi_value value) {
  napi_valuetype type = napi_undefined;
  void *data = NULL;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_external ||
      napi_get_value_external(env, value, &data) != napi_ok)
    return NULL;
  return data;
}

// A numeric address from JavaScript ("a.b.c.d", "x::y", or "fe80::1%eth0" with a zone by name or
// number) and the port, as a socket address; its length, or 0 when it is not one.
static inline socklen_t address_argument(napi_env env, napi_value value, uint16_t port, struct sockaddr_storage *out) {
  char text[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
  size_t length = 0;
  memset(out, 0, sizeof *out);
  // A string that fills the buffer may have been cut short: not an address.
  if (napi_get_value_string_utf8(env, value, text, sizeof text, &length) != napi_ok || length >= sizeof text - 1)
    return 0;
  struct sockaddr_in *v4 = (struct sockaddr_in *)out;
  if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    return sizeof *v4;
  }
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;
  char *zone = strchr(text, '%');
  if (zone != NULL) {
    *zone++ = '\0';
    char *end = NULL;
    unsigned long number = strtoul(zone, &end, 10);
    v6->sin6_scope_id = *zone != '\0' && *end == '\0' ? (uint32_t)number : if_nametoindex(zone);
    if (v6->sin6_scope_id == 0) return 0;
  }
  if (inet_pton(AF_INET6, text, &v6->sin6_addr) != 1) return 0;
  v6->sin6_family = AF_INET6;
  v6->sin6_port = htons(port);
  return sizeof *v6;
}

typedef struct {
  const char *name;
  napi_callback function;
} exported_function;

static inline napi_value export_functions(napi_env env, napi_value exports, const exported_function *functions,
                                          size_t count) {
  for (size_t i = 0; i < count; i++) {
    napi_value function;
    if (napi_create_function(env, functions[i].name, NAPI_AUTO_LENGTH, functions[i].function, NULL, &function) !=
            napi_ok ||
        napi_set_named_property(env, exports, functions[i].name, function) != napi_ok)
      return NULL;
  }
  return exports;
}

// A descriptor that Node's loop polls for readability, with the JavaScript callback it wakes. An
// addon's own state embeds it as its first member. It is freed when both are gone: the libuv
// handle (closed) and the JavaScript handle (collected).
typedef struct polled_fd polled_fd;
struct polled_fd {
  uv_poll_t poll;
  napi_env env;
  int fd;
  int closing;
  int owners;
  napi_ref callback;
  napi_async_context async_context;
  napi_async_cleanup_hook_handle cleanup_hook;
  // Closes what the owner holds beside `fd` (may be NULL); then frees the owner.
  void (*on_close)(polled_fd *);
  void (*on_free)(polled_fd *);
};

static inline void polled_fd_release(polled_fd *p) {
  if (--p->owners == 0) p->on_free(p);
}

static inline void polled_fd_on_closed(uv_handle_t *handle) {
  polled_fd *p = handle->data;
  if (p->on_close != NULL) p->on_close(p);
  close(p->fd);
  p->fd = -1;
  if (p->callback != NULL) napi_delete_reference(p->env, p->callback);
  if (p->async_context != NULL) napi_async_destroy(p->env, p->async_context);
  if (p->cleanup_hook != NULL) napi_remove_async_cleanup_hook(p->cleanup_hook);
  p->callback = NULL;
  p->async_context = NULL;
  p->cleanup_hook = NULL;
  polled_fd_release(p);
}

// Stops polling and closes the descriptor; a second call does nothing.
static inline void polled_fd_close(polled_fd *p) {
  if (p->closing) return;
  p->closing = 1;
  uv_poll_stop(&p->poll);
  uv_close((uv_handle_t *)&p->poll, polled_fd_on_closed);
}

// The environment is going away (a worker ends) with the descriptor still open: close it first, or
// the worker's loop would be left holding a live handle.
static inline void polled_fd_on_teardown(napi_async_cleanup_hook_handle hook, void *data) {
  (void)hook;
  polled_fd_close(data);
}

// JavaScript dropped the handle: nobody can close the descriptor any more, so close it now.
static inline void polled_fd_on_collected(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  polled_fd_close(data);
  polled_fd_release(data);
}

// Starts polling `fd` for `p` (whose on_close and on_free are set), `callback` to be woken by
// `on_ready`. Returns { handle }, or { errno, message }: `fd` and `p` are then closed and freed (or
// will be, when the handle made before the failure is collected).
static inline napi_value polled_fd_open(napi_env env, polled_fd *p, int fd, napi_value callback, const char *name,
                                        uv_poll_cb on_ready) {
  struct uv_loop_s *loop = NULL;
  p->env = env;
  p->fd = fd;
  p->owners = 1;
  int status = napi_get_uv_event_loop(env, &loop) == napi_ok ? uv_poll_init(loop, &p->poll, fd) : UV_EINVAL;
  if (status != 0) {
    if (p->on_close != NULL) p->on_close(p);
    close(fd);
    p->on_free(p);
    return errno_object(env, -status);
  }
  p->poll.data = p;
  napi_value resource_name, resource, external, result;
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource_name);
  napi_create_object(env, &resource);
  if (napi_create_reference(env, callback, 1, &p->callback) != napi_ok ||
      napi_async_init(env, resource, resource_name, &p->async_context) != napi_ok ||
      napi_add_async_cleanup_hook(env, polled_fd_on_teardown, p, &p->cleanup_hook) != napi_ok ||
      napi_create_external(env, p, polled_fd_on_collected, NULL, &external) != napi_ok) {
    polled_fd_close(p);
    return errno_object(env, ENOMEM);
  }
  p->owners = 2;
  status = uv_poll_start(&p->poll, UV_READABLE, on_ready);
  if (status != 0) {
    polled_fd_close(p);
    return errno_object(env, -status);
  }
  napi_create_object(env, &result);
  napi_set_named_property(env, result, "handle", external);
  return result;
}

// Calls the callback the way Node runs any I/O callback (napi_make_callback, not
// napi_call_function), so promises it settles and process.nextTick work run right after it. Run
// inside a handle scope.
static inline void polled_fd_call(polled_fd *p, size_t argc, const napi_value *argv) {
  napi_env env = p->env;
  napi_value callback, receiver, result;
  if (napi_get_reference_value(env, p->callback, &callback) != napi_ok || callback == NULL) return;
  napi_get_global(env, &receiver);
  if (napi_make_callback(env, p->async_context, receiver, callback, argc, argv, &result) == napi_pending_exception) {
    napi_value exception;
    if (napi_get_and_clear_last_exception(env, &exception) == napi_ok) napi_fatal_exception(env, exception);
  }
}

// close(handle), as every addon built on polled_fd exports it: a second close does nothing.
static inline napi_value polled_fd_close_function(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1)
    return throw_type_error(env, "close(handle) takes 1 argument");
  polled_fd *p = external_data(env, argv[0]);
  if (p == NULL) return throw_type_error(env, "handle must come from open()");
  polled_fd_close(p);
  return NULL;
}

#endif
