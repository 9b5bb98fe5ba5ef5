// earshot's bind witness: asks the kernel "is this port in use?" by bind(), port by port, without
// ever calling listen(), so nothing is exposed that a peer could connect to. The loop runs on the
// libuv thread pool (napi async work) so the event loop stays free.
//
// probe(ports: Uint16Array, protocol: "tcp" | "udp", family: 4 | 6, reuseAddress: boolean)
//   -> Promise<Int32Array>: one value per port: 0 = bind succeeded (free), > 0 = bind()'s errno
//   (EADDRINUSE, EACCES, ...), < 0 = minus the errno of socket()/setsockopt() (the probe itself failed).
#include "napi_helpers.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  uint16_t *ports;
  int32_t *results;
  size_t count;
  int type;
  int family;
  int reuse_address;
} probe_job;

static int32_t probe_one(int family, int type, int reuse_address, uint16_t port) {
  int fd = socket(family, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int one = 1;
  // socket(7): SO_REUSEADDR lets a TCP bind() succeed next to TIME_WAIT (and other non-listening)
  // sockets that also set it, but never next to a listening socket. The caller decides per protocol.
  if (reuse_address && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) {
    int32_t err = -errno;
    close(fd);
    return err;
  }
  struct sockaddr_storage storage;
  socklen_t length;
  memset(&storage, 0, sizeof storage);
  if (family == AF_INET6) {
    // ipv6(7): with IPV6_V6ONLY the wildcard bind conflicts only with IPv6 sockets (v6-only or
    // dual-stack); the IPv4 probe covers IPv4 sockets and dual-stack "::" ones.
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) {
      int32_t err = -errno;
      close(fd);
      return err;
    }
    struct sockaddr_in6 *address = (struct sockaddr_in6 *)&storage;
    address->sin6_family = AF_INET6;
    address->sin6_addr = in6addr_any;
    address->sin6_port = htons(port);
    length = sizeof *address;
  } else {
    struct sockaddr_in *address = (struct sockaddr_in *)&storage;
    address->sin_family = AF_INET;
    address->sin_addr.s_addr = htonl(INADDR_ANY);
    address->sin_port = htons(port);
    length = sizeof *address;
  }
  int32_t result = bind(fd, (struct sockaddr *)&storage, length) == 0 ? 0 : errno;
  // A bound, never-listening TCP socket has no queue: closing it sends nothing and leaves no TIME_WAIT.
  close(fd);
  return result;
}

static void execute(napi_env env, void *data) {
  (void)env;
  probe_job *job = data;
  for (size_t i = 0; i < job->count; i++)
    job->results[i] = probe_one(job->family, job->type, job->reuse_address, job->ports[i]);
}

static void complete(napi_env env, napi_status status, void *data) {
  probe_job *job = data;
  napi_value outcome;
  if (status != napi_ok) {
    napi_value message;
    napi_create_string_utf8(env, "bind probe was cancelled", NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, NULL, message, &outcome);
    napi_reject_deferred(env, job->deferred, outcome);
  } else {
    void *bytes = NULL;
    napi_value buffer;
    if (napi_create_arraybuffer(env, job->count * sizeof(int32_t), &bytes, &buffer) == napi_ok &&
        napi_create_typedarray(env, napi_int32_array, job->count, buffer, 0, &outcome) == napi_ok) {
      if (job->count > 0) memcpy(bytes, job->results, job->count * sizeof(int32_t));
      napi_resolve_deferred(env, job->deferred, outcome);
    } else {
      napi_value message;
      napi_create_string_utf8(env, "bind probe could not allocate its result", NAPI_AUTO_LENGTH, &message);
      napi_create_error(env, NULL, message, &outcome);
      napi_reject_deferred(env, job->deferred, outcome);
    }
  }
  napi_delete_async_work(env, job->work);
  free(job->ports);
  free(job->results);
  free(job);
}

static napi_value probe(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 4)
    return throw_type_error(env, "probe(ports, protocol, family, reuseAddress) takes 4 arguments");

  bool is_typed_array = false;
  napi_typedarray_type array_type;
  size_t count = 0;
  void *port_data = NULL;
  if (napi_is_typedarray(env, argv[0], &is_typed_array) != napi_ok || !is_typed_array ||
      napi_get_typedarray_info(env, argv[0], &array_type, &count, &port_data, NULL, NULL) != napi_ok ||
      array_type != napi_uint16_array)
    return throw_type_error(env, "ports must be a Uint16Array");

  char protocol[8] = {0};
  size_t protocol_length = 0;
  if (napi_get_value_string_utf8(env, argv[1], protocol, sizeof protocol, &protocol_length) != napi_ok ||
      (strcmp(protocol, "tcp") != 0 && strcmp(protocol, "udp") != 0))
    return throw_type_error(env, "protocol must be \"tcp\" or \"udp\"");

  int32_t family = 0;
  if (napi_get_value_int32(env, argv[2], &family) != napi_ok || (family != 4 && family != 6))
    return throw_type_error(env, "family must be 4 or 6");

  bool reuse_address = false;
  if (napi_get_value_bool(env, argv[3], &reuse_address) != napi_ok)
    return throw_type_error(env, "reuseAddress must be a boolean");

  probe_job *job = calloc(1, sizeof *job);
  // calloc(0) may return NULL; allocate at least one element so NULL always means out of memory.
  uint16_t *ports = malloc((count > 0 ? count : 1) * sizeof(uint16_t));
  int32_t *results = malloc((count > 0 ? count : 1) * sizeof(int32_t));
  if (job == NULL || ports == NULL || results == NULL) {
    free(job);
    free(ports);
    free(results);
    napi_throw_error(env, "ENOMEM", "bind probe: out of memory");
    return NULL;
  }
  // Copy the ports: the worker thread must not touch JavaScript memory.
  if (count > 0) memcpy(ports, port_data, count * sizeof(uint16_t));
  job->ports = ports;
  job->results = results;
  job->count = count;
  job->type = strcmp(protocol, "tcp") == 0 ? SOCK_STREAM : SOCK_DGRAM;
  job->family = family == 6 ? AF_INET6 : AF_INET;
  job->reuse_address = reuse_address ? 1 : 0;

  napi_value promise;
  napi_value name;
  napi_create_string_utf8(env, "earshot:bind-probe", NAPI_AUTO_LENGTH, &name);
  if (napi_create_promise(env, &job->deferred, &promise) != napi_ok ||
      napi_create_async_work(env, NULL, name, execute, complete, job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    free(job->ports);
    free(job->results);
    free(job);
    napi_throw_error(env, NULL, "bind probe: could not queue the work");
    return NULL;
  }
  return promise;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_value function;
  if (napi_create_function(env, "probe", NAPI_AUTO_LENGTH, probe, NULL, &function) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "probe", function) != napi_ok) return NULL;
  return exports;
}
