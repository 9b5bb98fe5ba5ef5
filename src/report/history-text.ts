// `earshot history` for people: each listener's interval and owners, each finding's, then the events.

import { describeOwners } from '../describe/owners.js';
import type { HistoryReport } from '../model.js';
import { describeEvent } from './event-text.js';
import { escapeForTerminal } from './terminal-escape.js';

function endpoint(protocol: string, address: string, port: number): string {
  return `${protocol} ${address.includes(':') ? `[${address}]` : address}:${port}`;
}

/** The timeline as text. */
export function renderHistoryText(history: HistoryReport): string {
  const lines: string[] = [`History since ${history.since} (${escapeForTerminal(history.database)})`, ''];
  lines.push(`Listeners (${history.listeners.length}):`);
  for (const listener of history.listeners) {
    const owners = listener.owners.length > 0 ? describeOwners(listener.owners) : 'owner not seen';
    const until = listener.closedAt === null ? 'still open' : `closed ${listener.closedAt}`;
    lines.push(
      `  ${endpoint(listener.protocol, listener.address, listener.port)}  opened ${listener.openedAt}, ${until}  ${escapeForTerminal(owners)}`,
    );
    for (const change of listener.ownerHistory.slice(1)) {
      lines.push(
        `      from ${change.since}: ${escapeForTerminal(describeOwners(change.owners) || 'owner not seen')}`,
      );
    }
  }
  lines.push('', `Findings (${history.findings.length}):`);
  for (const finding of history.findings) {
    const until =
      finding.clearedAt === null ? `still found ${finding.lastSeenAt}` : `cleared ${finding.clearedAt}`;
    lines.push(
      `  ${finding.severity.toUpperCase()} ${finding.kind} ${endpoint(finding.protocol, finding.address, finding.port)}  first ${finding.firstSeenAt}, ${until} (${finding.source})`,
      `      ${escapeForTerminal(finding.message)}`,
    );
  }
  lines.push('', `Events (${history.events.length}):`);
  for (const event of history.events) lines.push(`  ${event.time} ${describeEvent(event)}`);
  return `${lines.join('\n')}\n`;
}
