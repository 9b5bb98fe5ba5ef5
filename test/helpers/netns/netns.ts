// Network namespaces for tests: each test gets hosts of its own, named with a per-run prefix, and
// deletes exactly what it made. Nothing here touches the root namespace's links or addresses.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { skipUnless } from '../needs.js';

const execFileAsync = promisify(execFile);

export { hasCommand, isRoot } from '../needs.js';

/** A `skip` value for node:test: false as root, else the reason (under CI=true, a failure). */
export const skipUnlessRoot: string | false = skipUnless({ root: true });

let counter = 0;
const runPrefix = `es${process.pid.toString(36)}`;

/** Result of a command run to completion. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program and returns its status and output; never throws for a non-zero status. */
export async function run(
  file: string,
  args: string[],
  options: { timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CommandResult> {
  const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  // A program that exits without reading its input would otherwise raise EPIPE here.
  child.stdin.on('error', () => undefined);
  child.stdin.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  try {
    const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
    return { code: code ?? (signal ? 128 : 1), stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a program and throws with its stderr when it fails. */
export async function runOk(
  file: string,
  args: string[],
  options: { timeoutMs?: number } = {},
): Promise<string> {
  const { stdout } = await execFileAsync(file, args, { timeout: options.timeoutMs ?? 30_000 });
  return stdout;
}

/** A network namespace this test made. */
export interface Netns {
  readonly name: string;
  /** Runs a command inside the namespace to completion. */
  exec(
    file: string,
    args: string[],
    options?: { timeoutMs?: number; input?: string },
  ): Promise<CommandResult>;
  /** Runs a command inside the namespace and throws on failure. */
  execOk(file: string, args: string[]): Promise<string>;
  /** Starts a long-running process inside the namespace; it is killed (by PID) when the namespace goes. */
  spawn(file: string, args: string[]): ChildProcess;
  /** Starts test/helpers/netns/listener.ts with the given endpoints and waits until every one is bound. */
  listen(endpoints: string[]): Promise<ChildProcess>;
}

const listenerScript = fileURLToPath(new URL('./listener.ts', import.meta.url));
const tsxLoader = 'tsx';

/** Creates a namespace with `lo` up and DAD off, runs `fn`, then kills its processes and deletes it. */
export async function withNetns<T>(label: string, fn: (ns: Netns) => Promise<T>): Promise<T> {
  const name = `${runPrefix}-${label}-${counter++}`.slice(0, 40);
  const children: ChildProcess[] = [];
  await runOk('ip', ['netns', 'add', name]);
  try {
    const inNs = (file: string, args: string[]) => ['netns', 'exec', name, file, ...args];
    await runOk(
      'ip',
      inNs('sysctl', ['-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']),
    );
    await runOk('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    const ns: Netns = {
      name,
      exec: (file, args, options) => run('ip', inNs(file, args), options),
      execOk: (file, args) => runOk('ip', inNs(file, args)),
      spawn(file, args) {
        const child = spawn('ip', inNs(file, args), { stdio: ['ignore', 'pipe', 'pipe'] });
        children.push(child);
        return child;
      },
      async listen(endpoints) {
        const child = ns.spawn(process.execPath, ['--import', tsxLoader, listenerScript, ...endpoints]);
        await waitForLine(child, /^ready$/m, 20_000);
        return child;
      },
    };
    return await fn(ns);
  } finally {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        child.kill('SIGKILL');
        await once(child, 'close').catch(() => undefined);
      }
    }
    await run('ip', ['netns', 'del', name]);
  }
}

/** Waits until a child prints a line matching `pattern` on stdout; fails on exit or timeout. */
export async function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  let output = '';
  let errors = '';
  return await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => finish(new Error(`timed out waiting for ${pattern}; stderr: ${errors}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match) finish(null, match[0]);
    };
    const onErr = (chunk: Buffer) => {
      errors += chunk.toString();
    };
    const onExit = (code: number | null) =>
      finish(new Error(`exited (${code}) before ${pattern}; stderr: ${errors}`));
    function finish(error: Error | null, line?: string) {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onErr);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(line ?? '');
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onErr);
    child.on('exit', onExit);
  });
}
