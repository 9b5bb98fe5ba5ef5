// Joins two test namespaces with a veth pair: `a` gets 10.231.<n>.1 and fd00:231:<n>::1, `b` gets
// .2 and ::2, on a /24 and a /64 that exist only inside them. Deleting a namespace deletes the pair.
import type { Netns } from './netns.js';
import { runOk } from './netns.js';

let subnet = 0;

/** The addresses of a veth link between two namespaces. */
export interface VethLink {
  aV4: string;
  bV4: string;
  aV6: string;
  bV6: string;
}

/** Creates the pair, addresses it (no DAD) and brings it up. */
export async function linkNamespaces(a: Netns, b: Netns): Promise<VethLink> {
  const n = (process.pid + subnet++) % 250;
  const link: VethLink = {
    aV4: `10.231.${n}.1`,
    bV4: `10.231.${n}.2`,
    aV6: `fd00:231:${n.toString(16)}::1`,
    bV6: `fd00:231:${n.toString(16)}::2`,
  };
  await runOk('ip', [
    '-n',
    a.name,
    'link',
    'add',
    'eth0',
    'type',
    'veth',
    'peer',
    'name',
    'eth0',
    'netns',
    b.name,
  ]);
  for (const [ns, v4, v6] of [
    [a, link.aV4, link.aV6],
    [b, link.bV4, link.bV6],
  ] as const) {
    await runOk('ip', ['-n', ns.name, 'addr', 'add', `${v4}/24`, 'dev', 'eth0']);
    await runOk('ip', ['-n', ns.name, 'addr', 'add', `${v6}/64`, 'dev', 'eth0', 'nodad']);
    await runOk('ip', ['-n', ns.name, 'link', 'set', 'eth0', 'up']);
  }
  return link;
}
