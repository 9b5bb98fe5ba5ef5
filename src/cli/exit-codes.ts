// Exit statuses, stable for cron, CI and monitoring (sysexits.h for usage and software errors). Every
// command's status comes from here; several names share a number where commands read it alike.

/** Every status earshot exits with. */
export const ExitCode = {
  ok: 0,
  /** verify: a warning finding. */
  warning: 1,
  /** diff: the reports differ (ndiff's 1). */
  changed: 1,
  /** services: a query matched nothing (like grep); rpcinfo: the portmapper did not answer as one. */
  notFound: 1,
  /** verify: a critical finding. */
  critical: 2,
  /** diff: a report could not be read (ndiff's 2). */
  unreadable: 2,
  /** EX_USAGE: bad arguments, targets, port specs or files. */
  usage: 64,
  /**
   * EX_UNAVAILABLE: the history store or the fleet database cannot be used (locked by another
   * watch, damaged, read-only, of a newer schema, unreachable); the message names it and the fix.
   */
  unavailable: 69,
  /** EX_SOFTWARE: an internal error. */
  software: 70,
  /** Stopped by SIGINT (128 + 2). */
  interrupted: 130,
} as const;
