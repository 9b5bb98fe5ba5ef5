// The fleet page: every host, silent agents first, then the worst verdicts; a port look-up. A fleet
// of thousands is shown a page of hosts at a time: the ones that need a look come first, and a
// browser lays out a few hundred rows at once where ten thousand take it seconds.
import type { HostSummary } from '../db/read-queries.js';
import { ageText, hostLink, verdictBadge } from './format.js';
import { html } from './html.js';
import { page, type Viewer } from './layout.js';

/** Hosts on one page of the fleet page. */
export const HOSTS_PER_PAGE = 500;

/** Which part of the fleet one page shows. */
export interface FleetPageSlice {
  /** 1-based. */
  number: number;
  totalHosts: number;
  silentHosts: number;
}

/** The fleet page: `hosts` is the slice for page `slice.number`. */
export function fleetPage(
  viewer: Viewer,
  hosts: HostSummary[],
  slice: FleetPageSlice,
  now = Date.now(),
): string {
  const pages = Math.max(1, Math.ceil(slice.totalHosts / HOSTS_PER_PAGE));
  const first = (slice.number - 1) * HOSTS_PER_PAGE;
  // A row per host, built as plain strings through the same template.
  const rows = hosts.map(
    (host) =>
      html`<tr><td>${hostLink(host.name)}</td><td>${verdictBadge(host.worstVerdict)}</td><td>${host.silent ? html`<span class="silent">silent</span>` : 'alive'}</td><td>${ageText(host.lastSeenAt, now)}</td><td>${ageText(host.lastReportAt, now)}</td><td>${host.listenerCount}</td><td>${host.openFindings}</td></tr>`,
  );
  const nav =
    pages > 1
      ? html`<nav class="pages">Hosts ${first + 1}–${first + hosts.length} of ${slice.totalHosts}
        ${slice.number > 1 ? html`<a href="/?page=${slice.number - 1}">previous</a>` : ''}
        ${slice.number < pages ? html`<a href="/?page=${slice.number + 1}">next</a>` : ''}
        (page ${slice.number} of ${pages})</nav>`
      : '';
  return page({
    title: 'Fleet',
    viewer,
    active: '/',
    body: html`<h1>Fleet: ${slice.totalHosts} hosts, ${slice.silentHosts} silent</h1>
      <form class="filters" method="get" action="/ports">
        <label>Who listens on port <input name="port" inputmode="numeric" pattern="[0-9]{1,5}" required size="6"></label>
        <label>Protocol <select name="protocol"><option>tcp</option><option>udp</option></select></label>
        <button type="submit">Look up</button>
      </form>
      ${nav}
      <table id="hosts"><thead><tr><th>Host</th><th>Worst verdict</th><th>Agent</th><th>Last seen</th><th>Last report</th><th>Listeners</th><th>Open findings</th></tr></thead>
      <tbody>${rows}</tbody></table>
      ${nav}`,
  });
}
