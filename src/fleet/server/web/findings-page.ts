// The findings inbox: open findings, most severe first, filtered by severity and acknowledgement.
import type { FindingView } from '../db/read-queries.js';
import { findingBlock } from './findings-view.js';
import { html } from './html.js';
import { page, type Viewer } from './layout.js';

/** The inbox's filters as the query string gave them. */
export interface InboxFilter {
  severity?: string;
  acked?: boolean;
}

/** The findings inbox. */
export function findingsPage(
  viewer: Viewer,
  findings: FindingView[],
  filter: InboxFilter,
  back: string,
): string {
  const option = (value: string, label: string, selected: boolean) =>
    html`<option value="${value}"${selected ? html` selected` : ''}>${label}</option>`;
  return page({
    title: 'Findings',
    viewer,
    active: '/findings',
    body: html`<h1>Open findings (${findings.length})</h1>
      <form class="filters" method="get" action="/findings">
        <label>Severity <select name="severity">${option('', 'any', !filter.severity)}${['critical', 'warning', 'notice', 'info'].map((s) => option(s, s, filter.severity === s))}</select></label>
        <label>Acknowledged <select name="acked">${option('', 'either', filter.acked === undefined)}${option('false', 'not yet', filter.acked === false)}${option('true', 'yes', filter.acked === true)}</select></label>
        <button type="submit">Filter</button>
      </form>
      <div id="findings">${findings.map((f) => findingBlock(f, viewer, back, true))}</div>`,
  });
}
