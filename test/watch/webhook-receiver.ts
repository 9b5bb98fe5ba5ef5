// A webhook receiver for the tests: an HTTP server on 127.0.0.1 that records every POSTed event, and
// can go down and come back on the same port.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EarshotEvent } from '../../src/model.js';

/** Records POSTed events; `up()` and `down()` start and stop it on one port. */
export class WebhookReceiver {
  readonly received: EarshotEvent[] = [];
  /** Each body as it came over the wire, before parsing. */
  readonly bodies: string[] = [];
  port = 0;
  #server: Server | null = null;

  /** Picks a free port on 127.0.0.1 and leaves it closed (the receiver starts down). */
  async reservePort(): Promise<number> {
    const probe = createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    this.port = (probe.address() as AddressInfo).port;
    probe.close();
    await once(probe, 'close');
    return this.port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  async up(): Promise<void> {
    const server = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8').on('data', (chunk: string) => {
        body += chunk;
      });
      request.on('end', () => {
        this.bodies.push(body);
        this.received.push(JSON.parse(body) as EarshotEvent);
        response.writeHead(204).end();
      });
    });
    server.listen(this.port, '127.0.0.1');
    await once(server, 'listening');
    this.#server = server;
  }

  async down(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = null;
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  }
}
