// A finding as the host page and the inbox show it: severity, where, message, advice, evidence,
// and the acknowledge button for admins (a form carrying the session's CSRF token).
import type { FindingView } from '../db/read-queries.js';
import { age, hostLink } from './format.js';
import { type Html, html } from './html.js';
import type { Viewer } from './layout.js';

/** One finding, with the host's name when `showHost`. */
export function findingBlock(finding: FindingView, viewer: Viewer, back: string, showHost: boolean): Html {
  const acked = finding.ackedAt
    ? html`<p class="muted">Acknowledged by ${finding.ackedBy} ${age(finding.ackedAt)}</p>`
    : viewer.role === 'admin' && !finding.resolvedAt
      ? html`<form class="inline" method="post" action="/findings/${finding.id}/ack">
          <input type="hidden" name="csrf" value="${viewer.csrf}"><input type="hidden" name="back" value="${back}">
          <button type="submit">Acknowledge</button></form>`
      : '';
  return html`<div class="finding ${finding.severity}" data-finding="${finding.id}">
    <p><b>${finding.severity}</b> <code>${finding.kind}</code> ${finding.protocol}/${finding.port} on ${finding.address}
      ${showHost ? html` — ${hostLink(finding.host)}` : ''} <span class="muted">since ${age(finding.firstSeenAt)}${finding.resolvedAt ? html`, cleared ${age(finding.resolvedAt)}` : ''}</span></p>
    <p>${finding.message}</p><p><b>What to do:</b> ${finding.advice}</p>
    ${finding.evidence.length > 0 ? html`<ul>${finding.evidence.map((item) => html`<li><b>${item.witness}</b>: ${item.detail}</li>`)}</ul>` : ''}
    ${acked}
  </div>`;
}
