// earshot's netlink sock_diag reader: asks the kernel for the TCP or UDP sockets of one address
// family in some states (sock_diag(7), include/uapi/linux/inet_diag.h), in binary. For TCP LISTEN
// the kernel walks only its listening hash, where /proc/net/tcp formats every socket as text: this is
// what keeps `earshot watch`'s once-a-second poll cheap on a host with thousands of listeners.
// The answer is for the network namespace the calling thread is in (a netlink socket belongs to the
// namespace it was created in), the namespace /proc/self/net shows.
//
// dump(family: 4 | 6, protocol: "tcp" | "udp", states: number)
//   -> Buffer | { errno, message }: one RECORD_BYTES record a socket, in the kernel's order, or why
//   the dump failed (EPROTONOSUPPORT without sock_diag, ENOENT without tcp_diag/udp_diag...), as
//   data. `states` is a bit mask of kernel socket states (1 << TCP_LISTEN...). Synchronous: the
//   kernel answers from memory, without waiting on anything.
//
// Record layout (little-endian, offsets in bytes):
//   0 u8 family (4 or 6)   1 u8 state   2 u16 local port   4 u16 remote port   6 u16 zero
//   8 u8[16] local address (IPv4: the first 4 bytes)   24 u8[16] remote address
//   40 u32 uid   44 u32 inode   48 u32 receive queue   52 u32 send queue
#define NAPI_VERSION 8
#include <node_api.h>

#include <endian.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define RECORD_BYTES 56
// The kernel fills a dump message up to 32 KiB (netlink_dump caps max_recvmsg_len at SZ_32K); a
// larger buffer only leaves room to spare.
#define RECEIVE_BUFFER_BYTES 65536
// Bounds, so that no table and no misbehaving kernel can make a dump run away: a million sockets
// (56 MB of records), a stalled answer after 5 s, and three tries when the table changed mid-dump.
#define MAX_SOCKETS (1 << 20)
#define RECEIVE_TIMEOUT_SECONDS 5
#define MAX_ATTEMPTS 3

typedef struct {
  unsigned char *bytes;
  size_t count;
  size_t capacity;
} records;

static napi_value errno_object(napi_env env, int error, const char *what) {
  napi_value object, number, message;
  char text[160];
  snprintf(text, sizeof text, "%s: %s", what, strerror(error));
  napi_create_object(env, &object);
  napi_create_int32(env, error, &number);
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message);
  napi_set_named_property(env, object, "errno", number);
  napi_set_named_property(env, object, "message", message);
  return object;
}

static void put_u16(unsigned char *at, uint16_t value) {
  value = htole16(value);
  memcpy(at, &value, sizeof value);
}
static void put_u32(unsigned char *at, uint32_t value) {
  value = htole32(value);
  memcpy(at, &value, sizeof value);
}

// Appends one socket; 0, or ENOMEM / E2BIG.
static int append(records *out, const struct inet_diag_msg *msg) {
  if (out->count == MAX_SOCKETS) return E2BIG;
  if (out->count == out->capacity) {
    size_t capacity = out->capacity == 0 ? 256 : out->capacity * 2;
    unsigned char *bytes = realloc(out->bytes, capacity * RECORD_BYTES);
    if (bytes == NULL) return ENOMEM;
    out->bytes = bytes;
    out->capacity = capacity;
  }
  unsigned char *record = out->bytes + out->count * RECORD_BYTES;
  memset(record, 0, RECORD_BYTES);
  record[0] = msg->idiag_family == AF_INET6 ? 6 : 4;
  record[1] = msg->idiag_state;
  put_u16(record + 2, ntohs(msg->id.idiag_sport));
  put_u16(record + 4, ntohs(msg->id.idiag_dport));
  // idiag_src/idiag_dst hold the address in network byte order, IPv4 in the first word.
  memcpy(record + 8, msg->id.idiag_src, msg->idiag_family == AF_INET6 ? 16 : 4);
  memcpy(record + 24, msg->id.idiag_dst, msg->idiag_family == AF_INET6 ? 16 : 4);
  put_u32(record + 40, msg->idiag_uid);
  put_u32(record + 44, msg->idiag_inode);
  put_u32(record + 48, msg->idiag_rqueue);
  put_u32(record + 52, msg->idiag_wqueue);
  out->count++;
  return 0;
}

// One dump over its own netlink socket: 0 when complete, EAGAIN when the kernel flagged it as
// interrupted by a change (NLM_F_DUMP_INTR: try again), else the errno.
static int dump_once(int family, int protocol, uint32_t states, records *out, unsigned char *buffer,
                     const char **what) {
  *what = "socket(AF_NETLINK, NETLINK_SOCK_DIAG)";
  int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) return errno;
  struct timeval timeout = {.tv_sec = RECEIVE_TIMEOUT_SECONDS, .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);

  struct {
    struct nlmsghdr header;
    struct inet_diag_req_v2 request;
  } message;
  memset(&message, 0, sizeof message);
  message.header.nlmsg_len = sizeof message;
  message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  message.header.nlmsg_seq = 1;
  message.request.sdiag_family = (uint8_t)family;
  message.request.sdiag_protocol = (uint8_t)protocol;
  message.request.idiag_states = states;
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  *what = "sending the sock_diag request";
  ssize_t sent;
  do sent = sendto(fd, &message, sizeof message, 0, (struct sockaddr *)&kernel, sizeof kernel);
  while (sent < 0 && errno == EINTR);
  if (sent < 0) {
    int error = errno;
    close(fd);
    return error;
  }

  int result = 0;
  int interrupted = 0;
  *what = "reading the sock_diag answer";
  for (;;) {
    struct iovec vector = {.iov_base = buffer, .iov_len = RECEIVE_BUFFER_BYTES};
    struct sockaddr_nl from;
    struct msghdr header = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &vector, .msg_iovlen = 1};
    ssize_t length = recvmsg(fd, &header, 0);
    if (length < 0) {
      if (errno == EINTR) continue;
      // EAGAIN here is SO_RCVTIMEO expiring: report it as a timeout, not as "try again".
      result = errno == EAGAIN || errno == EWOULDBLOCK ? ETIMEDOUT : errno;
      break;
    }
    if (header.msg_flags & MSG_TRUNC) {
      result = EMSGSIZE;
      break;
    }
    if (length == 0 || from.nl_pid != 0) continue;
    int done = 0;
    for (struct nlmsghdr *part = (struct nlmsghdr *)buffer; NLMSG_OK(part, (size_t)length);
         part = NLMSG_NEXT(part, length)) {
      if (part->nlmsg_seq != 1) continue;
      if (part->nlmsg_flags & NLM_F_DUMP_INTR) interrupted = 1;
      if (part->nlmsg_type == NLMSG_DONE) {
        // Since Linux 4.x NLMSG_DONE carries the dump's own error, if any.
        if (part->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) {
          int status;
          memcpy(&status, NLMSG_DATA(part), sizeof status);
          if (status < 0) result = -status;
        }
        done = 1;
        break;
      }
      if (part->nlmsg_type == NLMSG_ERROR) {
        const struct nlmsgerr *error = NLMSG_DATA(part);
        result = part->nlmsg_len >= NLMSG_LENGTH(sizeof *error) && error->error < 0 ? -error->error : EPROTO;
        done = 1;
        break;
      }
      if (part->nlmsg_type != SOCK_DIAG_BY_FAMILY || part->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
        continue;
      result = append(out, NLMSG_DATA(part));
      if (result != 0) {
        *what = result == E2BIG ? "more than a million sockets in one table" : "keeping the sockets";
        done = 1;
        break;
      }
    }
    if (done) break;
  }
  close(fd);
  if (result == 0 && interrupted) return EAGAIN;
  return result;
}

static napi_value dump(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t family = 0;
  uint32_t states = 0;
  char protocol[8] = {0};
  size_t protocol_length = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 3 ||
      napi_get_value_int32(env, argv[0], &family) != napi_ok ||
      napi_get_value_string_utf8(env, argv[1], protocol, sizeof protocol, &protocol_length) != napi_ok ||
      napi_get_value_uint32(env, argv[2], &states) != napi_ok || (family != 4 && family != 6) ||
      (strcmp(protocol, "tcp") != 0 && strcmp(protocol, "udp") != 0)) {
    napi_throw_type_error(env, NULL, "dump(family: 4 | 6, protocol: \"tcp\" | \"udp\", states: number)");
    return NULL;
  }
  unsigned char *buffer = malloc(RECEIVE_BUFFER_BYTES);
  if (buffer == NULL) return errno_object(env, ENOMEM, "sock_diag buffer");
  records out = {0};
  const char *what = "";
  int result = EAGAIN;
  for (int attempt = 0; attempt < MAX_ATTEMPTS && result == EAGAIN; attempt++) {
    out.count = 0;
    result = dump_once(family == 6 ? AF_INET6 : AF_INET, strcmp(protocol, "tcp") == 0 ? IPPROTO_TCP : IPPROTO_UDP,
                       states, &out, buffer, &what);
  }
  free(buffer);
  napi_value answer;
  if (result == EAGAIN) {
    answer = errno_object(env, EAGAIN, "the table kept changing during the dump");
  } else if (result != 0) {
    answer = errno_object(env, result, what);
  } else if (napi_create_buffer_copy(env, out.count * RECORD_BYTES, out.bytes, NULL, &answer) != napi_ok) {
    answer = errno_object(env, ENOMEM, "sock_diag records");
  }
  free(out.bytes);
  return answer;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_value function, size;
  if (napi_create_function(env, "dump", NAPI_AUTO_LENGTH, dump, NULL, &function) != napi_ok ||
      napi_set_named_property(env, exports, "dump", function) != napi_ok ||
      napi_create_uint32(env, RECORD_BYTES, &size) != napi_ok ||
      napi_set_named_property(env, exports, "recordBytes", size) != napi_ok)
    return NULL;
  return exports;
}
