// One short line per event for people (earshot watch without --json, syslog's message): what
// happened, where, and who holds it. Process names and command lines come from other processes, so
// every piece is escaped before it reaches a terminal or a log.

import { describeOwners } from '../describe/owners.js';
import type { EarshotEvent, Owner } from '../model.js';
import { escapeForTerminal } from './terminal-escape.js';

function endpoint(event: EarshotEvent): string {
  const address = event.address?.includes(':') ? `[${event.address}]` : (event.address ?? '?');
  return `${event.protocol ?? '?'} ${address}:${event.port ?? '?'}`;
}

function held(owners: readonly Owner[]): string {
  return owners.length === 0 ? 'owner not seen' : describeOwners(owners);
}

/** The event as one line without its time (the time is the caller's to add). */
export function describeEvent(event: EarshotEvent): string {
  let text: string;
  switch (event.type) {
    case 'listener-opened':
      text = `opened ${endpoint(event)} by ${held(event.owners)}`;
      break;
    case 'listener-closed':
      text = `closed ${endpoint(event)} (was ${held(event.owners)}${event.openedAt ? `, open since ${event.openedAt}` : ''})`;
      break;
    case 'owners-changed':
      text = `owners changed ${endpoint(event)}: ${held(event.previousOwners ?? [])} -> ${held(event.owners)}`;
      break;
    case 'finding':
      text = `${event.severity.toUpperCase()} ${event.finding?.kind ?? 'finding'} ${endpoint(event)}: ${event.finding?.message ?? ''}`;
      break;
    case 'finding-cleared':
      text = `cleared ${event.finding?.kind ?? 'finding'} ${endpoint(event)}: ${event.finding?.message ?? ''}`;
      break;
    case 'verify': {
      const run = event.verify;
      const summary = run
        ? `${run.summary.critical} critical, ${run.summary.warning} warning, ${run.summary.notice} notice, ${run.summary.info} info; ${run.newFindings} new, ${run.clearedFindings} cleared${run.interrupted ? ' (interrupted)' : ''} in ${(run.elapsedMs / 1000).toFixed(1)} s`
        : '';
      text = `verify: ${summary}`;
      break;
    }
  }
  return escapeForTerminal(text).replace(/[\r\n]+/g, ' ');
}

/** `2026-01-01T00:00:00.000Z opened tcp 0.0.0.0:8080 by python3[123]`. */
export function renderEventLine(event: EarshotEvent): string {
  return `${event.time} ${describeEvent(event)}`;
}
