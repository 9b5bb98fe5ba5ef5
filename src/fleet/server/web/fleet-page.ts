// The fleet page: every host, silent agents first, then the worst verdicts; a port look-up.
import type { HostSummary } from '../db/read-queries.js';
import { ageText, hostLink, verdictBadge } from './format.js';
import { html } from './html.js';
import { page, type Viewer } from './layout.js';

/** The fleet page. */
export function fleetPage(viewer: Viewer, hosts: HostSummary[], now = Date.now()): string {
  const silent = hosts.filter((host) => host.silent).length;
  // A row per host, built as plain strings through the same template: 10,000 hosts stay fast.
  const rows = hosts.map(
    (host) =>
      html`<tr><td>${hostLink(host.name)}</td><td>${verdictBadge(host.worstVerdict)}</td><td>${host.silent ? html`<span class="silent">silent</span>` : 'alive'}</td><td>${ageText(host.lastSeenAt, now)}</td><td>${ageText(host.lastReportAt, now)}</td><td>${host.listenerCount}</td><td>${host.openFindings}</td></tr>`,
  );
  return page({
    title: 'Fleet',
    viewer,
    active: '/',
    body: html`<h1>Fleet: ${hosts.length} hosts, ${silent} silent</h1>
      <form class="filters" method="get" action="/ports">
        <label>Who listens on port <input name="port" inputmode="numeric" pattern="[0-9]{1,5}" required size="6"></label>
        <label>Protocol <select name="protocol"><option>tcp</option><option>udp</option></select></label>
        <button type="submit">Look up</button>
      </form>
      <table id="hosts"><thead><tr><th>Host</th><th>Worst verdict</th><th>Agent</th><th>Last seen</th><th>Last report</th><th>Listeners</th><th>Open findings</th></tr></thead>
      <tbody>${rows}</tbody></table>`,
  });
}
