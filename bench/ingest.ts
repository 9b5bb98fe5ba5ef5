// Benchmark: the fleet server's ingest. Simulated agents replay real snapshot bodies (the
// `earshot verify --json` captures in test/fleet/fixtures/) against `earshot server` (built) on a
// PostgreSQL 15 started for the run (fsync on, as in production), at a fixed 330 snapshots/s: first
// 5 s right after the server's start, reported apart (compiled code and query plans are made then),
// then BENCH_SECONDS (default 30) counted; latency from each request's scheduled time, so a stall
// is not hidden. Then the most it takes with 16 agents pushing back to back, the same loads against
// a reference (a bare Fastify route inserting the same JSON into the same table, no auth, no
// validation, no listeners or findings), the server's peak RSS, and the fleet page for 10,000 hosts
// in Chromium. Needs root: it re-runs itself in a network namespace of its own.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { agentToken, fixtureReport, user } from '../test/fleet/harness.js';
import { startTestPostgres, type TestPostgres } from '../test/helpers/daemons/postgres.js';
import { launchChromium } from '../test/helpers/oracles/chromium.js';
import { runInOwnNetns } from './lib/run.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const seconds = Number(process.env.BENCH_SECONDS ?? 30);
const RATE = 330;
const WARM_UP_SECONDS = 5;
const AGENTS = 200;
const KINDS = ['quiet', 'listeners', 'suspicious'] as const;

interface Served {
  child: ChildProcess;
  url: string;
}

function serve(script: string): Promise<Served> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: root,
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start')), 60_000);
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = /listening (\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]! });
      }
    });
    child.once('exit', () => reject(new Error('server exited')));
  });
}

const earshotServer = (db: string) =>
  serve(`import { startServer } from '${root}/dist/fleet/server/server.js';
const s = await startServer({ db: ${JSON.stringify(db)}, port: 0, rateLimitPerMinute: 1e9 });
console.log('listening ' + s.url);`);

// The reference: the least a server could do with the same bodies and the same table.
const bareServer = (db: string) =>
  serve(`import Fastify from 'fastify'; import pg from 'pg';
const pool = new pg.Pool({ connectionString: ${JSON.stringify(db)}, max: 10 });
const hostId = (await pool.query("INSERT INTO hosts (name) VALUES ('bare-reference') ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id")).rows[0].id;
const app = Fastify({ bodyLimit: 2 * 1024 * 1024 });
app.removeAllContentTypeParsers();
app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, text, done) => { try { done(null, { text, json: JSON.parse(text) }); } catch (e) { done(e); } });
app.post('/api/agent/report', async (req, reply) => {
  const { text, json } = req.body;
  await pool.query("INSERT INTO reports (host_id, source, report_uid, taken_at, body) VALUES ($1, 'agent', $2, $3, $4) ON CONFLICT DO NOTHING", [hostId, json.reportId, json.report.stats.endedAt, text]);
  return reply.code(201).send({ ok: true });
});
await app.listen({ host: '127.0.0.1', port: 0 });
console.log('listening http://127.0.0.1:' + app.server.address().port);`);

const reports = KINDS.map((kind) => fixtureReport(kind));

function body(host: string, n: number): string {
  const report = structuredClone(reports[n % reports.length]!);
  report.host.hostname = host;
  report.stats.endedAt = new Date(Date.now()).toISOString();
  return JSON.stringify({ reportId: randomUUID(), report });
}

async function push(url: string, token: string, text: string): Promise<number> {
  const response = await fetch(`${url}/api/agent/report`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: text,
  });
  await response.arrayBuffer();
  return response.status;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;

/** 330/s for `duration` seconds, open loop: latency from each request's scheduled start. */
async function fixedRate(
  url: string,
  tokens: string[],
  duration = seconds,
): Promise<{ done: number; failed: number; p50: number; p99: number; max: number; perSecond: number }> {
  const total = RATE * duration;
  const latencies: number[] = [];
  let failed = 0;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const agent = i % tokens.length;
    inFlight.push(
      push(url, tokens[agent]!, body(`bench${agent}`, i)).then(
        (status) => {
          if (status >= 300) failed++;
          latencies.push(performance.now() - due);
        },
        () => {
          failed++;
        },
      ),
    );
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    done: latencies.length,
    failed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: latencies.at(-1) ?? NaN,
    perSecond: (latencies.length - failed) / elapsed,
  };
}

/** 16 agents back to back for 10 s: the most it takes. */
async function flatOut(url: string, tokens: string[]): Promise<number> {
  const end = performance.now() + 10_000;
  let done = 0;
  await Promise.all(
    Array.from({ length: 16 }, async (_, worker) => {
      for (let n = 0; performance.now() < end; n++) {
        const agent = (worker + n * 16) % tokens.length;
        if ((await push(url, tokens[agent]!, body(`bench${agent}`, n))) < 300) done++;
      }
    }),
  );
  return done / 10;
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
}

async function fleetPage(
  pg: TestPostgres,
  url: string,
): Promise<{ serverMs: number; browserMs: number; rows: number; hosts: number }> {
  await pg.psql(
    `INSERT INTO hosts (name, last_seen_at) SELECT 'fleet' || lpad(n::text, 5, '0'), now() - (n % 50) * interval '1 minute' FROM generate_series(1, 10000) n ON CONFLICT DO NOTHING`,
  );
  await pg.psql(`INSERT INTO host_views (host_id, source, last_report_at, worst_verdict, worst_rank, listener_count)
    SELECT id, 'agent', now(), (ARRAY['ok','info','notice','warning','critical'])[1 + id % 5], id % 5, 12 FROM hosts WHERE name LIKE 'fleet%' ON CONFLICT DO NOTHING`);
  await user(pg.url(), 'bench', 'viewer', 'bench password 123');
  const login = await fetch(`${url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'name=bench&password=bench+password+123',
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const page = await fetch(`${url}/`, { headers: { cookie } });
    await page.text();
    times.push(performance.now() - t);
  }
  const browser = await launchChromium();
  try {
    const context = await browser.newContext();
    await context.addCookies([{ name: 'earshot_session', value: cookie.split('=')[1]!, url }]);
    const page = await context.newPage();
    const browserTimes: number[] = [];
    for (let i = 0; i < 3; i++) {
      await page.goto(`${url}/`, { waitUntil: 'load', timeout: 60_000 });
      browserTimes.push(
        Number(
          await page.evaluate(
            "(() => { const nav = performance.getEntriesByType('navigation')[0]; return nav.loadEventEnd - nav.startTime; })()",
          ),
        ),
      );
    }
    const rows = await page.locator('#hosts tbody tr').count();
    return {
      serverMs: times.sort((a, b) => a - b)[2]!,
      browserMs: browserTimes.sort((a, b) => a - b)[1]!,
      rows,
      hosts: Number(await pg.psql('SELECT count(*) FROM hosts')),
    };
  } finally {
    await browser.close();
  }
}

async function main(): Promise<void> {
  const pg = await startTestPostgres({ fsync: 'on', full_page_writes: 'on', synchronous_commit: 'on' });
  const servers: Served[] = [];
  try {
    const tokens: string[] = [];
    for (let i = 0; i < AGENTS; i++) tokens.push(await agentToken(pg.url(), `bench${i}`));
    const bodyKb = KINDS.map((kind, n) => `${kind} ${(body('bench0', n).length / 1024).toFixed(1)} KB`).join(
      ', ',
    );
    console.log(
      `ingest: ${AGENTS} agents, real snapshot bodies (${bodyKb}), PostgreSQL 15 with fsync on, ${seconds} s at ${RATE}/s`,
    );

    const earshot = await earshotServer(pg.url());
    servers.push(earshot);
    // The first seconds after a start are measured apart: connections, query plans and compiled code
    // are made then, and the sustained figures are those of a server that has been running.
    const oursWarmUp = await fixedRate(earshot.url, tokens, WARM_UP_SECONDS);
    const ours = await fixedRate(earshot.url, tokens);
    const oursMax = await flatOut(earshot.url, tokens);
    const rss = peakRssMb(earshot.child.pid!);
    const stored = await pg.psql(
      "SELECT count(*) FROM reports r JOIN hosts h ON h.id = r.host_id WHERE h.name LIKE 'bench%'",
    );

    const bare = await bareServer(pg.url());
    servers.push(bare);
    const refWarmUp = await fixedRate(bare.url, tokens, WARM_UP_SECONDS);
    const ref = await fixedRate(bare.url, tokens);
    const refMax = await flatOut(bare.url, tokens);

    const line = (name: string, r: Awaited<ReturnType<typeof fixedRate>>, max: number) =>
      `${name.padEnd(44)} ${r.perSecond.toFixed(0).padStart(5)}/s sustained (${r.done} sent, ${r.failed} failed)  p50 ${r.p50.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms  max ${r.max.toFixed(0)} ms  flat out ${max.toFixed(0)}/s`;
    const warm = (name: string, r: Awaited<ReturnType<typeof fixedRate>>) =>
      `  first ${WARM_UP_SECONDS} s after its start, not counted above: p50 ${r.p50.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms  max ${r.max.toFixed(0)} ms (${name})`;
    console.log(line('earshot server (auth, schema, listeners, findings)', ours, oursMax));
    console.log(warm('earshot server', oursWarmUp));
    console.log(line('reference: bare Fastify INSERT of the same JSON', ref, refMax));
    console.log(warm('reference', refWarmUp));
    console.log(`earshot server peak RSS ${rss.toFixed(0)} MB; reports stored ${stored}`);
    const targets = [
      `sustained ${ours.perSecond.toFixed(0)}/s ≥ 330: ${ours.perSecond >= 330 * 0.99 && ours.failed === 0 ? 'met' : 'NOT met'}`,
      `p99 ${ours.p99.toFixed(0)} ms ≤ 250: ${ours.p99 <= 250 ? 'met' : 'NOT met'}`,
      `RSS ${rss.toFixed(0)} MB ≤ 300: ${rss <= 300 ? 'met' : 'NOT met'}`,
    ];
    const page = await fleetPage(pg, earshot.url);
    targets.push(
      `fleet page (${page.rows} rows a page) of a fleet of ${page.hosts} hosts: server ${page.serverMs.toFixed(0)} ms, Chromium load ${page.browserMs.toFixed(0)} ms ≤ 1000: ${page.browserMs <= 1000 ? 'met' : 'NOT met'}`,
    );
    for (const target of targets) console.log(`  ${target}`);
  } finally {
    for (const server of servers) server.child.kill('SIGKILL');
    await pg.remove();
  }
}

await runInOwnNetns(import.meta.url, main);
