// Who listens on one port across the fleet, with owners.
import type { ListenerView } from '../db/read-queries.js';
import { age, hostLink, verdictBadge } from './format.js';
import { html } from './html.js';
import { page, type Viewer } from './layout.js';

/** The port page. */
export function portPage(viewer: Viewer, port: number, protocol: string, listeners: ListenerView[]): string {
  const hosts = new Set(listeners.map((l) => l.host)).size;
  return page({
    title: `${port}/${protocol}`,
    viewer,
    body: html`<h1>${port}/${protocol}: ${hosts} hosts listening</h1>
      <table id="port" class="wrap"><thead><tr><th>Host</th><th>Address</th><th>Verdict</th><th>Owners</th><th>Service</th><th>Since</th></tr></thead>
      <tbody>${listeners.map(
        (l) =>
          html`<tr><td>${hostLink(l.host ?? '')}</td><td>${l.address}</td><td>${verdictBadge(l.verdict)} ${l.summary}</td><td>${l.ownerNames}</td><td>${l.service}</td><td>${age(l.since)}</td></tr>`,
      )}</tbody></table>`,
  });
}
