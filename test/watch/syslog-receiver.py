# A syslog receiver for the tests: binds a unix datagram socket (as /dev/log is) at the path given,
# prints "ready", then prints each datagram it receives on a line of its own, for at most 120 s.
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print('ready', flush=True)
s.settimeout(1)
end = time.time() + 120
while time.time() < end:
    try:
        data = s.recv(65536)
    except socket.timeout:
        continue
    print(data.decode('utf-8', 'replace').replace('\n', ' '), flush=True)
