// The progress line of long scans on stderr: only on a TTY, only after a second, never with --quiet.
import type { WriteStream } from 'node:tty';

const SHOW_AFTER_MS = 1000;
const REDRAW_EVERY_MS = 200;

/** A progress line that redraws itself in place; `clear` removes it before results print. */
export interface ProgressLine {
  update(progress: { done: number; total: number }): void;
  clear(): void;
}

/** A progress line on `stream`, or one that does nothing when disabled. */
export function createProgressLine(stream: NodeJS.WriteStream | WriteStream, enabled: boolean): ProgressLine {
  if (!enabled) return { update: () => undefined, clear: () => undefined };
  const startedAt = Date.now();
  let drawnAt = 0;
  let drawn = false;
  return {
    update({ done, total }) {
      const now = Date.now();
      const elapsed = now - startedAt;
      if (elapsed < SHOW_AFTER_MS || now - drawnAt < REDRAW_EVERY_MS) return;
      drawnAt = now;
      const rate = done / (elapsed / 1000);
      const share = total > 0 ? ` ${((100 * done) / total).toFixed(0)}%` : '';
      const eta = total > 0 && rate > 0 ? ` · ETA ${Math.ceil((total - done) / rate)} s` : '';
      const of = total > 0 ? `/${total}` : '';
      stream.write(`\r${done}${of} ports${share} · ${Math.round(rate)} ports/s${eta}\x1b[K`);
      drawn = true;
    },
    clear() {
      if (drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}
