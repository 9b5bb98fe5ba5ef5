// How every command stops early: Ctrl-C (SIGINT) aborts one signal with ERR_INTERRUPTED, and a reader
// that goes away (`earshot scan ... | head`, EPIPE on stdout) aborts it too. Commands keep what
// finished and exit 130 (interrupted) or quietly (reader gone).
import { EarshotError, errnoCode } from '../errors.js';

/** One command run's stop signal and why it fired. */
export interface Interrupt {
  readonly signal: AbortSignal;
  /** True once SIGINT arrived. */
  readonly interrupted: boolean;
  /** True once stdout's reader is gone: write nothing more there. */
  readonly readerGone: boolean;
  /** Removes the handlers; call once the command is done. */
  dispose(): void;
}

/** Installs the SIGINT and EPIPE handlers for one command run. */
export function watchInterrupt(): Interrupt {
  const controller = new AbortController();
  let interrupted = false;
  let readerGone = false;
  const onSigint = () => {
    interrupted = true;
    controller.abort(new EarshotError('ERR_INTERRUPTED', 'interrupted (Ctrl-C)'));
  };
  const onStdoutError = (error: unknown) => {
    if (errnoCode(error) !== 'EPIPE') throw error;
    readerGone = true;
    controller.abort(new EarshotError('ERR_INTERRUPTED', 'the reader of stdout went away'));
  };
  process.on('SIGINT', onSigint);
  process.stdout.on('error', onStdoutError);
  return {
    signal: controller.signal,
    get interrupted() {
      return interrupted;
    },
    get readerGone() {
      return readerGone;
    },
    dispose() {
      process.off('SIGINT', onSigint);
      process.stdout.off('error', onStdoutError);
    },
  };
}
