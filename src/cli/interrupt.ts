// How every command stops early: Ctrl-C (SIGINT) aborts one signal with ERR_INTERRUPTED, and a reader
// that goes away (`earshot scan ... | head`, EPIPE on stdout) aborts it too. Commands keep what
// finished and exit 130 (interrupted) or quietly (reader gone).
//
// main.ts installs the process's SIGINT handler first thing, before the commands load (~0.2 s), so
// that no Ctrl-C ever meets the default action, which kills the process wherever it is, halfway
// through writing a file. What a SIGINT does then depends on who is listening:
// - before a command starts (loading, parsing): it is remembered, and the command never starts;
// - while a command watches (watchInterrupt): that command's signal aborts, and it finishes its
//   output; a second Ctrl-C exits at once;
// - while no command watches: earshot exits 130 at once, as the default action would, except that
//   an output file being written (holdInterrupts) is finished first.
// This state lives here, in cli/, for the one process; the library only ever sees AbortSignals.
import { EarshotError, errnoCode } from '../errors.js';
import { ExitCode } from './exit-codes.js';

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

type Phase = 'starting' | 'running';

/** The process's interrupt state (one per process, never exported). */
const state = {
  installed: false,
  phase: 'starting' as Phase,
  /** SIGINTs seen so far. */
  count: 0,
  watchers: new Set<() => void>(),
  holds: 0,
  exitWhenReleased: false,
};

const INTERRUPTED_MESSAGE = 'interrupted (Ctrl-C)';

function exitInterrupted(): never {
  process.stderr.write(`earshot: ${INTERRUPTED_MESSAGE}\n`);
  process.exit(ExitCode.interrupted);
}

function onProcessSigint(): void {
  state.count++;
  if (state.phase === 'starting') return;
  // A command with a SIGINT listener of its own handles Ctrl-C itself.
  const ownListeners = process.listenerCount('SIGINT') > 1;
  if ((state.watchers.size > 0 || ownListeners) && state.count === 1) {
    for (const abort of state.watchers) abort();
    return;
  }
  if (state.holds > 0) state.exitWhenReleased = true;
  else exitInterrupted();
}

/** Installs the process's SIGINT handler; main.ts calls it before anything else loads. */
export function installInterruptHandler(): void {
  if (state.installed) return;
  state.installed = true;
  process.on('SIGINT', onProcessSigint);
}

/**
 * Marks the start of a command's action. Throws ERR_INTERRUPTED when Ctrl-C came while earshot
 * was still starting: the command then never starts, and writes nothing.
 */
export function startCommand(): void {
  state.phase = 'running';
  if (state.count > 0) throw new EarshotError('ERR_INTERRUPTED', INTERRUPTED_MESSAGE);
}

/** Installs the SIGINT and EPIPE handlers for one command run. */
export function watchInterrupt(): Interrupt {
  installInterruptHandler();
  state.phase = 'running';
  const controller = new AbortController();
  let interrupted = false;
  let readerGone = false;
  const onSigint = () => {
    interrupted = true;
    controller.abort(new EarshotError('ERR_INTERRUPTED', INTERRUPTED_MESSAGE));
  };
  const onStdoutError = (error: unknown) => {
    if (errnoCode(error) !== 'EPIPE') throw error;
    readerGone = true;
    controller.abort(new EarshotError('ERR_INTERRUPTED', 'the reader of stdout went away'));
  };
  state.watchers.add(onSigint);
  process.stdout.on('error', onStdoutError);
  // A Ctrl-C already seen (before the command started watching) applies at once.
  if (state.count > 0) onSigint();
  return {
    signal: controller.signal,
    get interrupted() {
      return interrupted;
    },
    get readerGone() {
      return readerGone;
    },
    dispose() {
      state.watchers.delete(onSigint);
      process.stdout.off('error', onStdoutError);
    },
  };
}

/**
 * Runs `work` (writing an output file) with Ctrl-C held off: a SIGINT meanwhile that would exit
 * earshot exits once `work` is done, so a file is never left half written.
 */
export async function holdInterrupts<T>(work: () => Promise<T>): Promise<T> {
  state.holds++;
  try {
    return await work();
  } finally {
    state.holds--;
    if (state.holds === 0 && state.exitWhenReleased) exitInterrupted();
  }
}
