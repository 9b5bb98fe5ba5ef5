{
  "targets": [
    {
      "target_name": "bind_probe",
      "sources": ["native/bind_probe.c"],
      "cflags": ["-std=c11", "-D_DEFAULT_SOURCE", "-Wall", "-Wextra", "-O2"]
    },
    {
      "target_name": "raw_tcp",
      "sources": ["native/raw_tcp.c"],
      "cflags": ["-std=c11", "-D_DEFAULT_SOURCE", "-Wall", "-Wextra", "-O2"]
    },
    {
      "target_name": "sock_diag",
      "sources": ["native/sock_diag.c"],
      "cflags": ["-std=c11", "-D_DEFAULT_SOURCE", "-Wall", "-Wextra", "-O2"]
    },
    {
      "target_name": "tcp_connect",
      "sources": ["native/tcp_connect.c"],
      "cflags": ["-std=c11", "-D_DEFAULT_SOURCE", "-Wall", "-Wextra", "-O2"]
    }
  ]
}
