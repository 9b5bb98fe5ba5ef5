// The syslog sink: one RFC 5424 message per event on the local syslog socket (/dev/log by default).
// Node cannot send on a unix datagram socket (dgram speaks only UDP), so the message is handed to
// util-linux's logger(1) (Debian's bsdutils, an Essential package), which formats RFC 5424 and sends
// one datagram; its exit status says whether the socket took it.
import { spawn } from 'node:child_process';
import type { EarshotEvent, Severity } from '../../model.js';
import { describeEvent } from '../../report/event-text.js';
import { deadlineSignal, type Sink } from './sink.js';

/** Options of the syslog sink. */
export interface SyslogSinkOptions {
  /** The local syslog socket (default /dev/log). */
  socketPath?: string;
  /** The syslog facility (default daemon). */
  facility?: string;
  /** The logger program (default logger, from PATH). */
  loggerPath?: string;
}

// RFC 5424 §6.2.1 severities: critical findings are crit (2), warnings warning (4), and so on.
const SYSLOG_LEVEL: Record<Severity, string> = {
  critical: 'crit',
  warning: 'warning',
  notice: 'notice',
  info: 'info',
};

// The SD-ID of earshot's structured data; 32473 is the enterprise number RFC 5612 reserves for
// documentation and examples, the usual choice for software without a number of its own.
const SD_ID = 'earshot@32473';

// RFC 5424 §6.3.3: inside a PARAM-VALUE, '"', '\' and ']' are escaped with a backslash.
const sdValue = (value: string) => value.replace(/["\\\]]/g, (char) => `\\${char}`);

/** logger's arguments for one event. */
export function loggerArgs(event: EarshotEvent, options: SyslogSinkOptions = {}): string[] {
  const params: [string, string | number | null][] = [
    ['id', event.id],
    ['type', event.type],
    ['protocol', event.protocol],
    ['port', event.port],
    ['address', event.address],
  ];
  if (event.finding) params.push(['finding', event.finding.kind]);
  return [
    '--rfc5424=notq',
    '--socket',
    options.socketPath ?? '/dev/log',
    '--udp',
    '--socket-errors=on',
    '--size',
    '8192',
    '--tag',
    'earshot',
    // PROCID is watch's own pid, not logger's.
    `--id=${process.pid}`,
    '--priority',
    `${options.facility ?? 'daemon'}.${SYSLOG_LEVEL[event.severity]}`,
    '--msgid',
    event.type,
    '--sd-id',
    SD_ID,
    ...params
      .filter((param): param is [string, string | number] => param[1] !== null)
      .flatMap(([name, value]) => ['--sd-param', `${name}="${sdValue(String(value))}"`]),
    '--',
    describeEvent(event),
  ];
}

/** A sink that sends each event to the local syslog socket. */
export function syslogSink(options: SyslogSinkOptions = {}): Sink {
  const socketPath = options.socketPath ?? '/dev/log';
  return {
    name: `syslog:${socketPath}`,
    async deliver(event: EarshotEvent, signal: AbortSignal): Promise<void> {
      const deadline = deadlineSignal(signal, 10_000);
      try {
        await new Promise<void>((resolve, reject) => {
          const child = spawn(options.loggerPath ?? 'logger', loggerArgs(event, options), {
            stdio: ['ignore', 'ignore', 'pipe'],
            signal: deadline.signal,
          });
          let stderr = '';
          child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
            stderr += chunk;
          });
          child.once('error', reject);
          child.once('close', (code) => {
            if (code === 0) resolve();
            else reject(new Error(`syslog ${socketPath}: ${stderr.trim() || `logger exited ${code}`}`));
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
