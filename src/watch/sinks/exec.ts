// The exec sink: runs a command (through /bin/sh, as cron does) for each event, with the event's JSON
// on its standard input. Exit status 0 delivers the event; anything else, or a command still running
// after the timeout (then killed), is a failure the outbox runner retries.
import { spawn } from 'node:child_process';
import type { EarshotEvent } from '../../model.js';
import { stringifySafeJson } from '../../report/safe-json.js';
import { deadlineSignal, type Sink } from './sink.js';

/** Options of the exec sink. */
export interface ExecSinkOptions {
  /** A shell command line. */
  command: string;
  /** How long one run may take before it is killed (default 30 s). */
  timeoutMs?: number;
}

/** A sink that runs `command` with each event's JSON (and a newline) on stdin. */
export function execSink(options: ExecSinkOptions): Sink {
  const timeoutMs = options.timeoutMs ?? 30_000;
  return {
    name: `exec:${options.command}`,
    async deliver(event: EarshotEvent, signal: AbortSignal): Promise<void> {
      const deadline = deadlineSignal(signal, timeoutMs);
      try {
        await new Promise<void>((resolve, reject) => {
          const child = spawn('/bin/sh', ['-c', options.command], {
            stdio: ['pipe', 'ignore', 'pipe'],
            signal: deadline.signal,
            killSignal: 'SIGKILL',
          });
          let stderr = '';
          child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
            if (stderr.length < 2000) stderr += chunk;
          });
          // A command that does not read its input must not fail the delivery with EPIPE.
          child.stdin.on('error', () => undefined);
          // Process names and paths reach the command's input escaped, as every JSON output does.
          child.stdin.end(`${stringifySafeJson(event, 0)}\n`);
          child.once('error', reject);
          child.once('close', (code, killed) => {
            if (code === 0) resolve();
            else
              reject(
                new Error(
                  `"${options.command}" ${killed ? `was killed (${killed})` : `exited ${code}`}${stderr ? `: ${stderr.trim().slice(0, 500)}` : ''}`,
                ),
              );
          });
        });
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        throw error;
      } finally {
        deadline.dispose();
      }
    },
  };
}
