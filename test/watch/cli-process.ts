// `earshot watch` run as a user runs it, as a child process: its stdout lines (events) and stderr
// collected, waits bounded, and a clean stop (SIGTERM) or a kill -9.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { EarshotEvent } from '../../src/model.js';
import { earshotBin } from '../helpers/cli.js';
import type { Netns } from '../helpers/netns/netns.js';

/** A running `earshot watch --json`. */
export class WatchProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';

  constructor(args: string[], options: { ns?: Netns; prefix?: string[] } = {}) {
    const command = [...(options.prefix ?? []), process.execPath, earshotBin, 'watch', '--json', ...args];
    this.child = options.ns
      ? options.ns.spawn(command[0]!, command.slice(1))
      : spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
  }

  /** The events printed so far: whole lines only (a pipe may deliver the last one in pieces). */
  get events(): EarshotEvent[] {
    return this.stdout
      .slice(0, this.stdout.lastIndexOf('\n') + 1)
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as EarshotEvent);
  }

  /** Waits (bounded) until `check` holds for the output; fails early when watch exits. */
  async until(check: (watch: WatchProcess) => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (check(this)) return;
      if (this.child.exitCode !== null || this.child.signalCode !== null)
        throw new Error(`watch exited (${this.child.exitCode}) before ${what}; stderr: ${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`timed out waiting for ${what}; stderr: ${this.stderr}`);
  }

  /** Waits until watch says it is watching. */
  started(): Promise<void> {
    return this.until((watch) => /watching \d+ listeners/.test(watch.stderr), 'watch to start');
  }

  /** The first printed event matching `match`, waiting for it (bounded). */
  async event(
    match: (event: EarshotEvent) => boolean,
    what: string,
    timeoutMs = 30_000,
  ): Promise<EarshotEvent> {
    await this.until((watch) => watch.events.some(match), what, timeoutMs);
    return this.events.find(match)!;
  }

  /** Sends `signal` and waits for the exit status. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    const closed = once(this.child, 'close');
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    try {
      const [code] = (await closed) as [number | null];
      return code;
    } finally {
      clearTimeout(timer);
    }
  }
}
