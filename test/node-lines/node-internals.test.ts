// The Node internals earshot's scan engines are built on: tcp_wrap (src/scan/tcp/tcp-handles.ts)
// and udp_wrap (src/scan/udp/udp-handles.ts), reached through process.binding. They are not public
// API: this file is how we learn, on every Node line the suite runs on, the day one of them
// changes. Each failure names the Node version and what changed. See docs/node-lines.md.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { run, skipUnlessRoot, withNetns } from '../helpers/netns/netns.js';

const driver = fileURLToPath(new URL('./node-internals-run.ts', import.meta.url));
const RELIES =
  'the TCP and UDP scan engines rely on it (src/scan/tcp/tcp-handles.ts, src/scan/udp/udp-handles.ts); ' +
  'adapt those fences to this Node line';

const fail = (what: string) => `Node ${process.version}: ${what}; ${RELIES}.`;

// What tcp-handles.ts and udp-handles.ts type and call.
const TCP_METHODS = ['connect', 'connect6', 'getsockname', 'getpeername', 'reset', 'close'];
const UDP_METHODS = ['bind', 'bind6', 'connect', 'connect6', 'disconnect', 'send', 'recvStart', 'close'];

describe(`Node internals the engines use, on Node ${process.version}`, () => {
  it('process.binding gives tcp_wrap and udp_wrap with the constructors and methods the fences type', () => {
    const binding = (process as unknown as { binding?: (name: string) => Record<string, unknown> }).binding;
    assert.equal(typeof binding, 'function', fail('process.binding is gone'));
    let tcpWrap: Record<string, unknown> = {};
    let udpWrap: Record<string, unknown> = {};
    assert.doesNotThrow(() => {
      tcpWrap = binding!('tcp_wrap');
      udpWrap = binding!('udp_wrap');
    }, fail('process.binding refuses tcp_wrap or udp_wrap'));
    for (const name of ['TCP', 'TCPConnectWrap']) {
      assert.equal(typeof tcpWrap[name], 'function', fail(`tcp_wrap.${name} is no longer a constructor`));
    }
    const socketType = (tcpWrap.constants as { SOCKET?: unknown } | undefined)?.SOCKET;
    assert.equal(typeof socketType, 'number', fail('tcp_wrap.constants.SOCKET is no longer a number'));
    const tcp = new (tcpWrap.TCP as new (type: number) => Record<string, unknown>)(socketType as number);
    for (const method of TCP_METHODS) {
      assert.equal(typeof tcp[method], 'function', fail(`a tcp_wrap TCP handle has no ${method}()`));
    }
    (tcp.close as () => void)();
    for (const name of ['UDP', 'SendWrap']) {
      assert.equal(typeof udpWrap[name], 'function', fail(`udp_wrap.${name} is no longer a constructor`));
    }
    const udp = new (udpWrap.UDP as new () => Record<string, unknown>)();
    for (const method of UDP_METHODS) {
      assert.equal(typeof udp[method], 'function', fail(`a udp_wrap UDP handle has no ${method}()`));
    }
    (udp.close as () => void)();
  });

  it('process.binding of tcp_wrap and udp_wrap prints no warning (run with --throw-deprecation)', async () => {
    const result = await run(process.execPath, [
      '--throw-deprecation',
      '-e',
      "process.binding('tcp_wrap'); process.binding('udp_wrap');",
    ]);
    assert.equal(
      result.code,
      0,
      fail(`process.binding now warns (DEP0111 became a runtime deprecation?): ${result.stderr.trim()}`),
    );
    assert.equal(result.stderr, '', fail(`process.binding printed: ${result.stderr.trim()}`));
  });

  it('behave as the engines expect: connect, refusal, socket reuse, reset; UDP connect, send, ICMP refusal', {
    skip: skipUnlessRoot,
  }, async () => {
    await withNetns('internals', async (ns) => {
      const result = await ns.exec(process.execPath, ['--throw-deprecation', '--import', 'tsx', driver], {
        timeoutMs: 60_000,
      });
      assert.equal(result.code, 0, fail(`the check of the internals stopped: ${result.stderr.trim()}`));
      const report = JSON.parse(result.stdout.trim()) as {
        node: string;
        checks: { name: string; ok: boolean; saw: string }[];
      };
      assert.equal(report.node, process.version);
      assert.equal(report.checks.length, 16, `every check ran: ${result.stdout}`);
      for (const check of report.checks) assert.ok(check.ok, fail(`${check.name}: no, saw ${check.saw}`));
    });
  });
});
