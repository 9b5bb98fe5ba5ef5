// What the agent sends over the wire: a process name holding C1 and bidirectional controls goes out
// escaped (\uXXXX) in the snapshot and in the events, and parses back to the very name. The server
// here is a plain HTTP receiver on loopback that keeps each body as it arrived.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { skipUnless } from '../../helpers/needs.js';
import { waitForLine, withNetns } from '../../helpers/netns/netns.js';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';
import { anchorPid } from '../../watch/harness.js';
import { eventually, testAgent } from './harness.js';

const holder = fileURLToPath(new URL('../../helpers/netns/holder.py', import.meta.url));

/** Answers the agent's pushes as the server does, keeping each body's text. */
async function recordingServer(): Promise<{ server: Server; url: string; bodies: Map<string, string[]> }> {
  const bodies = new Map<string, string[]>();
  const server = createServer((request, response) => {
    let text = '';
    request.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
    });
    request.on('end', () => {
      const path = request.url ?? '';
      bodies.set(path, [...(bodies.get(path) ?? []), text]);
      const body = JSON.parse(text) as { reportId?: string; events?: unknown[] };
      const answer = path.endsWith('/report')
        ? { reportId: body.reportId, outcome: 'stored' }
        : { received: body.events?.length ?? 0, stored: body.events?.length ?? 0 };
      response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, bodies };
}

describe('earshot agent: what it pushes is escaped', {
  skip: skipUnless({ root: true, commands: ['python3'] }),
}, () => {
  let temp: TempDir;
  before(async () => {
    temp = await makeTempDir('agent-escape');
  });
  after(() => temp.remove());

  it('sends a process name with U+009B and U+202E as \\u escapes in snapshots and events', async () => {
    // U+009B is a one-character CSI on many terminals, U+202E reverses what follows it.
    const name = 'ev\u009bil\u202efdp';
    const receiver = await recordingServer();
    try {
      await withNetns('agent-escape', async (ns) => {
        const { pid } = await anchorPid(ns);
        // One before the agent starts (its snapshot holds it), one after (an event).
        const before = ns.spawn('python3', [holder, '--name', name, 'tcp:127.0.0.1:7601']);
        await waitForLine(before, /^ready/m, 20_000);
        const agent = await testAgent(`${temp.path}/agent.db`, {
          server: receiver.url,
          token: `es_agent_${'e'.repeat(43)}`,
          netnsPid: pid,
        });
        try {
          const peer = ns.spawn('python3', [holder, '--name', name, 'tcp:127.0.0.1:7602']);
          await waitForLine(peer, /^ready/m, 20_000);
          await eventually(
            () => (receiver.bodies.get('/api/agent/events') ?? []).some((text) => text.includes('7602')),
            'the event of the new listener is pushed',
          );
        } finally {
          await agent.close();
        }
      });
      const events = receiver.bodies.get('/api/agent/events') ?? [];
      const reports = receiver.bodies.get('/api/agent/report') ?? [];
      assert.ok(reports.length >= 1, 'the snapshot at start was pushed');
      const carrying = events.filter((text) => text.includes('7602'));
      assert.ok(carrying.length >= 1);
      for (const text of [...events, ...reports]) {
        assert.doesNotMatch(text, /[\u0080-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
      }
      const snapshot = JSON.parse(reports[0]!) as {
        report: { ports: { port: number; owners: { name: string }[] }[] };
      };
      assert.match(reports[0]!, /"name":"ev\\u009bil\\u202efdp"/);
      assert.deepEqual(
        snapshot.report.ports.find((row) => row.port === 7601)?.owners.map((owner) => owner.name),
        [name],
      );
      for (const text of carrying) {
        assert.match(text, /"name":"ev\\u009bil\\u202efdp"/);
        const { events: pushed } = JSON.parse(text) as {
          events: { event: { port: number; owners: { name: string }[] } }[];
        };
        const opened = pushed.find((item) => item.event.port === 7602);
        assert.deepEqual(
          opened?.event.owners.map((owner) => owner.name),
          [name],
          'the JSON parses back to the very name',
        );
      }
    } finally {
      receiver.server.closeAllConnections();
      receiver.server.close();
    }
  });
});
