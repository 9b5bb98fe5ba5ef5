// Scans 127.0.0.1 on one thread while, every few hundred probes, the rest of the process grabs every
// free file descriptor for a few ms, so connect() meets EMFILE again and again. The grabs follow the
// scan's progress, not a clock: a slow machine sees as many as a fast one. Run it under a low
// open-files limit (prlimit --nofile=512), so a grab is a few hundred opens. Prints the open ports,
// the folded counts, how many ports were scanned and how many times descriptors ran out, as JSON.
import { closeSync, openSync } from 'node:fs';
import { createServiceCatalog } from '../../src/catalog/services.js';
import { scanHosts } from '../../src/scan/engine/scan-hosts.js';

// The ports given as arguments (the listeners), and 1-4000 around them.
const extra = process.argv.slice(2).map(Number);
const ports = [...new Set([...Array.from({ length: 4000 }, (_, i) => i + 1), ...extra])].sort(
  (a, b) => a - b,
);
const GRAB_EVERY_PROBES = 250;
const HOLD_MS = 3;

let exhausted = 0;
let nextGrabAt = 0;
const grab = () => {
  const held: number[] = [];
  try {
    for (let i = 0; i < 100_000; i++) held.push(openSync('/dev/null', 'r'));
  } catch {
    exhausted++;
  }
  setTimeout(() => {
    for (const fd of held) closeSync(fd);
  }, HOLD_MS);
};
const results = [];
for await (const host of scanHosts([{ address: '127.0.0.1', family: 'ipv4', hostnames: [] }], {
  ports,
  threads: 1,
  catalog: createServiceCatalog([]),
  targetCount: 1,
  onProgress({ done }) {
    if (done < nextGrabAt) return;
    nextGrabAt = done + GRAB_EVERY_PROBES;
    grab();
  },
})) {
  results.push({
    open: host.ports.filter((p) => p.state === 'open').map((p) => p.port),
    listed: host.ports.length,
    extraPorts: host.extraPorts,
  });
}
process.stdout.write(`${JSON.stringify({ results, exhausted, scanned: ports.length })}\n`);
