// A test peer: listens on the endpoints given as arguments and prints "ready" once all are bound.
// Endpoint syntax: tcp:127.0.0.1:22, tcp:[::1]:8080, tcp6only:[::]:9000, udp:127.0.0.1:53.
// It accepts TCP connections and closes them; UDP datagrams are echoed back.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

const parse = (spec: string) => {
  const match = /^(tcp|tcp6only|udp|udpsilent):\[?([^\]]*?)\]?:(\d+)$/.exec(spec);
  if (!match) throw new Error(`bad endpoint ${spec}`);
  return { kind: match[1]!, host: match[2]!, port: Number(match[3]) };
};

await Promise.all(
  process.argv.slice(2).map(
    (spec) =>
      new Promise<void>((resolve, reject) => {
        const { kind, host, port } = parse(spec);
        if (kind === 'udp' || kind === 'udpsilent') {
          const v6 = host.includes(':');
          // IPV6_V6ONLY on a udp4 socket fails bind with EINVAL.
          const socket = createSocket(v6 ? { type: 'udp6', ipv6Only: true } : { type: 'udp4' });
          if (kind === 'udp')
            socket.on('message', (message, peer) => socket.send(message, peer.port, peer.address));
          socket.once('error', reject);
          socket.bind(port, host, () => resolve());
          return;
        }
        const server = createServer((connection) => {
          connection.on('error', () => undefined);
          connection.end();
        });
        server.once('error', reject);
        // A deep accept queue (the kernel caps it at net.core.somaxconn, 4096): a scan of a /20 whose
        // every address is this one listener connects faster than a busy test machine lets it
        // accept, and a full queue drops SYNs, which a scan rightly calls filtered.
        server.listen({ host, port, ipv6Only: kind === 'tcp6only', backlog: 4096 }, () => resolve());
      }),
  ),
);
process.stdout.write('ready\n');
