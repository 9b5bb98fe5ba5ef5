// A host's page: its listeners with owners and services, its open findings with evidence, and the
// timeline of listeners opened and closed (from its reports) and of the events its agent pushed.
import type { Owner } from '../../../model.js';
import { formatOwnerGroups } from '../../../report/verify/verify-hosts.js';
import type { HostDetail } from '../db/read-queries.js';
import { findingBlock } from './findings-view.js';
import { age, verdictBadge } from './format.js';
import { html } from './html.js';
import { page, type Viewer } from './layout.js';

function eventLine(event: unknown): string {
  const data = (event ?? {}) as Record<string, unknown>;
  const where =
    data.port !== undefined
      ? `${String(data.protocol ?? '')}/${String(data.port)} on ${String(data.address ?? '')}`
      : '';
  const finding = data.finding as { kind?: string; severity?: string } | undefined;
  return [where, finding ? `${finding.severity ?? ''} ${finding.kind ?? ''}` : ''].filter(Boolean).join(' ');
}

// A command line can run to pages (a script passed with -c); the API keeps it whole.
function shorten(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** The host page. */
export function hostPage(viewer: Viewer, host: HostDetail): string {
  const back = `/hosts/${encodeURIComponent(host.name)}`;
  const listeners = host.listeners.map(
    (
      l,
    ) => html`<tr><td>${l.port}/${l.protocol}</td><td>${l.address}</td><td>${verdictBadge(l.verdict)} ${l.summary}</td>
      <td>${l.ownerNames}${(l.owners as { cmdline?: string[] }[]).slice(0, 3).map((owner) => html`<br><code>${shorten((owner.cmdline ?? []).join(' '))}</code>`)}</td>
      <td>${l.service}</td><td>${l.inKernelTable ? 'yes' : html`<b>no</b>`}</td><td>${age(l.since)}</td></tr>`,
  );
  const timeline = [
    ...host.changes.map((c) => ({
      at: c.at,
      what: c.change,
      detail: `${c.protocol}/${c.port} on ${c.address}`,
      who: c.ownerNames,
    })),
    ...host.events.map((e) => ({
      at: e.at,
      what: e.type,
      detail: eventLine(e.event),
      // Events are checked against the event schema on the way in: owners are verify's owners.
      who: formatOwnerGroups((e.event as { owners?: Owner[] }).owners ?? []),
    })),
  ].sort((a, b) => b.at.localeCompare(a.at));
  return page({
    title: host.name,
    viewer,
    body: html`<h1>${host.name} ${verdictBadge(host.worstVerdict)}</h1>
      <p>${host.silent ? html`<span class="silent">Agent silent</span>` : 'Agent alive'}; last seen ${age(host.lastSeenAt)},
        last report ${age(host.lastReportAt)}; ${host.listenerCount} listeners.</p>
      <h2>Listeners</h2>
      <table id="listeners" class="wrap"><thead><tr><th class="w-s">Port</th><th class="w-m">Address</th><th>Verdict</th><th>Owners</th><th>Service</th><th class="w-s">In kernel table</th><th class="w-m">Since</th></tr></thead>
      <tbody>${listeners}</tbody></table>
      <h2>Open findings (${host.findings.length})</h2>
      <div id="findings">${host.findings.map((f) => findingBlock(f, viewer, back, false))}</div>
      <h2>Timeline</h2>
      <table id="timeline" class="wrap"><thead><tr><th class="w-m">When</th><th class="w-m">What</th><th>Where</th><th>Owners</th></tr></thead>
      <tbody>${timeline.map((t) => html`<tr><td>${age(t.at)}</td><td>${t.what}</td><td>${t.detail}</td><td>${t.who}</td></tr>`)}</tbody></table>`,
  });
}
