// Real Debian daemons for service-detection tests and benchmarks: each runs in the foreground inside
// a test namespace (private /run where it wants one), configured from a temporary directory, and is
// stopped by PID. Installed by scripts/install-deps.sh.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Netns, run, runOk } from '../netns/netns.js';

/** One daemon under test: the port it listens on and what -sV should say about it. */
export interface DaemonSpec {
  label: string;
  port: number;
  /** Debian package whose upstream version the detected version must equal (absent: not observable). */
  versionPackage?: string;
  name: string;
  product?: string;
  /** A fixed expected version, when it is not the package's (rpcbind's RPC versions). */
  version?: string;
  tunnel?: 'ssl';
  /** Shell script run under `unshare -m` in the namespace; must end by exec-ing the daemon. */
  script: (dir: string) => string;
  /** Files to prepare in the daemon's directory first. */
  prepare?: (dir: string) => Promise<void>;
}

const NGINX_PAGE = '<html><head><title>earshot test page</title></head><body>hello</body></html>\n';

function nginxConf(dir: string): string {
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `${kind}_temp_path ${dir}/${kind};`)
    .join(' ');
  return `daemon off; master_process off; pid ${dir}/nginx.pid; error_log stderr;
events { worker_connections 64; }
http { access_log off; ${temp}
  server { listen 127.0.0.1:80; root ${dir}/www; }
  server { listen 127.0.0.1:443 ssl; ssl_certificate ${dir}/cert.pem; ssl_certificate_key ${dir}/key.pem; root ${dir}/www; }
}
`;
}

// setpriv execs (runuser would fork), so the PID we hold is the daemon's own.
const asPostgres = 'setpriv --reuid=postgres --regid=postgres --init-groups';

/**
 * Writes key.pem and cert.pem (self-signed, P-256, two days) into `dir` with openssl, for `subject`
 * and, when given, a subjectAltName (`IP:127.0.0.1` for a client that checks the name); returns the files.
 */
export async function makeSelfSignedCert(
  dir: string,
  subject: string,
  altName?: string,
): Promise<{ certFile: string; keyFile: string }> {
  const out = (name: string) => join(dir, name);
  await runOk('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    out('key.pem'),
    '-out',
    out('cert.pem'),
    '-days',
    '2',
    '-subj',
    subject,
    ...(altName ? ['-addext', `subjectAltName=${altName}`] : []),
  ]);
  return { certFile: out('cert.pem'), keyFile: out('key.pem') };
}

const privateRun = 'mount -t tmpfs tmpfs /run && ';

/** The daemon set of the issue: ssh, http, https, redis, memcached, postgresql, smtp, dns, rpcbind. */
export const DAEMONS: DaemonSpec[] = [
  {
    label: 'sshd',
    port: 22,
    versionPackage: 'openssh-server',
    name: 'ssh',
    product: 'OpenSSH',
    script: () =>
      `${privateRun}mkdir -p /run/sshd && exec /usr/sbin/sshd -D -e -o PidFile=none -o ListenAddress=127.0.0.1 -p 22`,
  },
  {
    label: 'nginx',
    port: 80,
    versionPackage: 'nginx-light',
    name: 'http',
    product: 'nginx',
    prepare: async (dir) => {
      await mkdir(join(dir, 'www'), { recursive: true });
      await writeFile(join(dir, 'www', 'index.html'), NGINX_PAGE);
      await writeFile(join(dir, 'nginx.conf'), nginxConf(dir));
      await makeSelfSignedCert(dir, '/CN=earshot.test/O=earshot');
    },
    script: (dir) => `exec /usr/sbin/nginx -c ${dir}/nginx.conf -p ${dir}`,
  },
  {
    label: 'redis',
    port: 6379,
    versionPackage: 'redis-server',
    name: 'redis',
    product: 'Redis key-value store',
    script: (dir) =>
      `exec redis-server --port 6379 --bind 127.0.0.1 --save '' --appendonly no --dir ${dir} --daemonize no --loglevel warning`,
  },
  {
    label: 'memcached',
    port: 11211,
    versionPackage: 'memcached',
    name: 'memcached',
    product: 'Memcached',
    script: () => 'exec memcached -u nobody -l 127.0.0.1 -p 11211 -U 0',
  },
  {
    label: 'postgres',
    port: 5432,
    name: 'postgresql',
    product: 'PostgreSQL DB',
    prepare: async (dir) => {
      await mkdir(join(dir, 'pg'), { recursive: true });
      await runOk(
        'sh',
        [
          '-c',
          `chown -R postgres: ${dir} && ${asPostgres} /usr/lib/postgresql/15/bin/initdb -A trust -D ${dir}/pg >/dev/null`,
        ],
        { timeoutMs: 60_000 },
      );
    },
    script: (dir) =>
      `exec ${asPostgres} /usr/lib/postgresql/15/bin/postgres -D ${dir}/pg -k ${dir} -p 5432 -c listen_addresses=127.0.0.1 -c logging_collector=off`,
  },
  {
    label: 'exim',
    port: 25,
    versionPackage: 'exim4-daemon-light',
    name: 'smtp',
    product: 'Exim smtpd',
    script: () => 'exec /usr/sbin/exim4 -bdf -oX 25 -oP /dev/null',
  },
  {
    label: 'dnsmasq',
    port: 53,
    versionPackage: 'dnsmasq-base',
    name: 'domain',
    product: 'dnsmasq',
    script: () =>
      'exec /usr/sbin/dnsmasq -k -C /dev/null --port=53 --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts --pid-file= --user=nobody',
  },
  {
    label: 'rpcbind',
    port: 111,
    name: 'rpcbind',
    product: 'rpcbind',
    version: '2-4',
    script: () => `${privateRun}exec /usr/sbin/rpcbind -f -w`,
  },
  {
    // An RPC server other than the portmapper: -sV names it through the portmapper's DUMP.
    label: 'statd',
    port: 32765,
    name: 'status',
    version: '1',
    prepare: async (dir) => {
      await mkdir(join(dir, 'sm'), { recursive: true });
      await mkdir(join(dir, 'sm.bak'), { recursive: true });
    },
    // rpcbind must be up first: statd registers with it once, at start.
    script: (dir) =>
      `${privateRun}sleep 1 && exec /sbin/rpc.statd -F --no-notify -p 32765 -o 32766 -P ${dir}`,
  },
];

/** The upstream part of a Debian package version: `1:9.2p1-2+deb12u3` → `9.2p1`. */
export function upstreamVersion(debianVersion: string): string {
  return debianVersion.replace(/^\d+:/, '').replace(/-[^-]*$/, '');
}

// dpkg-query's own format syntax, not a template.
const DPKG_VERSION_FORMAT = '$' + '{Version}';

/** The installed upstream version of a package, or null when it is not installed. */
export async function installedVersion(pkg: string): Promise<string | null> {
  const result = await run('dpkg-query', ['-W', '-f', DPKG_VERSION_FORMAT, pkg]);
  return result.code === 0 && result.stdout ? upstreamVersion(result.stdout) : null;
}

/** The program of each daemon of `DAEMONS`, by label (scripts/install-deps.sh installs them all). */
export const DAEMON_PROGRAMS: Readonly<Record<string, string>> = {
  sshd: '/usr/sbin/sshd',
  nginx: '/usr/sbin/nginx',
  redis: '/usr/bin/redis-server',
  memcached: '/usr/bin/memcached',
  postgres: '/usr/lib/postgresql/15/bin/postgres',
  exim: '/usr/sbin/exim4',
  dnsmasq: '/usr/sbin/dnsmasq',
  rpcbind: '/usr/sbin/rpcbind',
  statd: '/sbin/rpc.statd',
};

/** The daemons of `DAEMONS` whose programs are installed here. */
export async function availableDaemons(): Promise<DaemonSpec[]> {
  const present = await Promise.all(
    DAEMONS.map(async (daemon) => (await run('test', ['-x', DAEMON_PROGRAMS[daemon.label]!])).code === 0),
  );
  return DAEMONS.filter((_, i) => present[i]);
}

/** Started daemons; `stop` ends each by PID (SIGTERM, then SIGKILL) and removes the directory. */
export interface RunningDaemons {
  children: ChildProcess[];
  stop(): Promise<void>;
}

/** Starts `daemons` in `ns` at once (postgres's initdb is the slow part, ~2 s). */
export async function startDaemons(ns: Netns, daemons: DaemonSpec[]): Promise<RunningDaemons> {
  const base = await mkdtemp(join(tmpdir(), 'earshot-daemons-'));
  await chmod(base, 0o755);
  const children: ChildProcess[] = [];
  await Promise.all(
    daemons.map(async (daemon) => {
      const dir = join(base, daemon.label);
      await mkdir(dir, { recursive: true });
      await daemon.prepare?.(dir);
      const child = ns.spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', daemon.script(dir)]);
      child.stdout?.resume();
      child.stderr?.resume();
      children.push(child);
    }),
  );
  return {
    children,
    async stop() {
      await Promise.all(
        children.map(async (child) => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          // postgres shuts down fast on SIGINT; the others on SIGTERM.
          child.kill('SIGTERM');
          child.kill('SIGINT');
          const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
          await once(child, 'close').catch(() => undefined);
          clearTimeout(timer);
        }),
      );
      await rm(base, { recursive: true, force: true });
    },
  };
}
