# A test process that holds sockets: listens on the endpoints given, optionally opens loopback
# connections to its first TCP listener, renames itself, forks children that share every socket,
# prints "ready <pids>" and sleeps (bounded) until killed.
# Endpoint syntax as test/helpers/netns/listener.ts: tcp:127.0.0.1:0, tcp:[::]:0 (dual-stack),
# tcp6only:[::1]:0, udp:127.0.0.1:0, udp:[::1]:0. Options: --fork N, --name NAME, --connections N,
# --connect-host HOST (the address to connect to; default the listener's own).
import ctypes, os, socket, sys, time

args = sys.argv[1:]
forks, name, connections, connect_host, specs = 0, None, 0, None, []
while args:
    arg = args.pop(0)
    if arg == '--fork': forks = int(args.pop(0))
    elif arg == '--name': name = args.pop(0)
    elif arg == '--connections': connections = int(args.pop(0))
    elif arg == '--connect-host': connect_host = args.pop(0)
    else: specs.append(arg)

if name:
    ctypes.CDLL(None).prctl(15, name.encode(), 0, 0, 0)  # PR_SET_NAME

held, tcp_listeners = [], []
for spec in specs:
    kind, rest = spec.split(':', 1)
    host, port = rest.rsplit(':', 1)
    host = host.strip('[]')
    family = socket.AF_INET6 if ':' in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM if kind == 'udp' else socket.SOCK_STREAM)
    if family == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0 if kind == 'tcp' and host == '::' else 1)
    s.bind((host, int(port)))
    if kind != 'udp':
        s.listen(1024)
        tcp_listeners.append(s)
    held.append(s)

if connections and tcp_listeners:
    server = tcp_listeners[0]
    host, port = server.getsockname()[:2]
    target = connect_host or ('127.0.0.1' if host == '0.0.0.0' else '::1' if host == '::' else host)
    for _ in range(connections):
        held.append(socket.create_connection((target, port)))
        held.append(server.accept()[0])

pids = [os.getpid()]
for _ in range(forks):
    child = os.fork()
    if child == 0:
        # Die with the parent (PR_SET_PDEATHSIG, SIGKILL): the test kills only the pid it started.
        ctypes.CDLL(None).prctl(1, 9, 0, 0, 0)
        if os.getppid() != pids[0]:
            os._exit(0)
        time.sleep(120)
        os._exit(0)
    pids.append(child)

print('ready', *pids, flush=True)
time.sleep(120)
