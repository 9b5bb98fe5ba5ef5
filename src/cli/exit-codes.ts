// Exit statuses, stable for cron, CI and monitoring (sysexits.h for usage and software errors).

/** Every status earshot exits with. */
export const ExitCode = {
  ok: 0,
  /** verify: a warning finding; diff: differences found. */
  warning: 1,
  /** verify: a critical finding; diff: an error. */
  critical: 2,
  /** EX_USAGE: bad arguments, targets, port specs or files. */
  usage: 64,
  /** EX_SOFTWARE: an internal error. */
  software: 70,
  /** Stopped by SIGINT (128 + 2). */
  interrupted: 130,
} as const;
