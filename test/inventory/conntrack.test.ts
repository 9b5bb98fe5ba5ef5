// The conntrack witness on a real capture: test/fixtures/proc/capture-conntrack.sh made it in two
// namespaces, with TCP (v4 and v6) and UDP connections through DNAT rules and one plain connection.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseConntrack, readConntrack } from '../../src/inventory/conntrack.js';
import { fixturePath } from '../helpers/fixtures.js';

const procRoot = fixturePath('proc/conntrack');
const captured = readFileSync(`${procRoot}/net/nf_conntrack`, 'utf8');

describe('readConntrack on a real capture', () => {
  it('reads every TCP and UDP entry with both tuples; the DNAT ones reply from where they really went', async () => {
    const table = await readConntrack({ procRoot });
    assert.equal(table.available, true);
    assert.equal(table.detail, `read ${procRoot}/net/nf_conntrack`);
    assert.equal(table.entries.length, 4);
    const [tcp, udp, tcp6, plain] = table.entries;
    assert.deepEqual(tcp, {
      protocol: 'tcp',
      family: 'ipv4',
      original: {
        source: '10.231.250.1',
        sourcePort: 47920,
        destination: '10.231.250.1',
        destinationPort: 8080,
      },
      reply: { source: '10.231.250.2', sourcePort: 80, destination: '10.231.250.1', destinationPort: 47920 },
    });
    assert.deepEqual(
      [udp?.protocol, udp?.original.destinationPort, udp?.reply.source, udp?.reply.sourcePort],
      ['udp', 5353, '10.231.250.2', 53],
    );
    // The kernel prints IPv6 in full; the witness writes it the way the rest of earshot does.
    assert.equal(tcp6?.family, 'ipv6');
    assert.equal(tcp6?.original.destination, 'fd00:231:fa::1');
    assert.equal(tcp6?.reply.source, 'fd00:231:fa::2');
    // No NAT: the reply comes from the original destination itself.
    assert.equal(plain?.reply.source, plain?.original.destination);
    assert.equal(plain?.reply.sourcePort, plain?.original.destinationPort);
  });

  it('is an unavailable witness, with the reason, where the table is missing', async () => {
    const table = await readConntrack({ procRoot: fixturePath('proc/ypbind') });
    assert.equal(table.available, false);
    assert.match(table.detail, /nf_conntrack does not exist \(no connection tracking loaded/);
    assert.deepEqual(table.entries, []);
  });
});

describe('parseConntrack on bad input', () => {
  const [first] = captured.split('\n');

  it('skips other protocols, lines without a reply tuple and addresses that do not parse', () => {
    const icmp = first!.replace(' tcp      6 ', ' icmp     1 ');
    const oneTuple = first!.slice(0, first!.indexOf(' src=10.231.250.2'));
    const badAddress = first!.replace('src=10.231.250.1', 'src=10.231.250.999');
    const badPort = first!.replace('sport=47920', 'sport=x');
    assert.deepEqual(parseConntrack([icmp, oneTuple, badAddress, badPort, '', 'garbage'].join('\n')), []);
    assert.equal(parseConntrack(`${icmp}\n${first}\n`).length, 1, 'the good line among bad ones');
  });
});
