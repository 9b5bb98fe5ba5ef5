// Runs a full -p- scan of 127.0.0.1 on one thread while a timer keeps grabbing every free file
// descriptor for a few ms at a time, so connect() meets EMFILE again and again. Prints the open
// ports, the folded counts, and how many times descriptors ran out, as JSON.
import { closeSync, openSync } from 'node:fs';
import { createServiceCatalog } from '../../src/catalog/services.js';
import { scanHosts } from '../../src/scan/engine/scan-hosts.js';

const ports = Array.from({ length: 65535 }, (_, i) => i + 1);
let exhausted = 0;
const hog = setInterval(() => {
  const held: number[] = [];
  try {
    for (let i = 0; i < 100_000; i++) held.push(openSync('/dev/null', 'r'));
  } catch {
    exhausted++;
  }
  setTimeout(() => {
    for (const fd of held) closeSync(fd);
  }, 3);
}, 10);
const results = [];
try {
  for await (const host of scanHosts([{ address: '127.0.0.1', family: 'ipv4', hostnames: [] }], {
    ports,
    threads: 1,
    catalog: createServiceCatalog([]),
  })) {
    results.push({
      open: host.ports.filter((p) => p.state === 'open').map((p) => p.port),
      listed: host.ports.length,
      extraPorts: host.extraPorts,
    });
  }
} finally {
  clearInterval(hog);
}
process.stdout.write(`${JSON.stringify({ results, exhausted })}\n`);
