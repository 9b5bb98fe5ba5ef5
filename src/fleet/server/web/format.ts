// Small pieces every page shows the same way: a verdict badge, a time with its age, a link to a host.
import { type Html, html } from './html.js';

/** A coloured verdict label. */
export function verdictBadge(level: string): Html {
  return html`<span class="v v-${/^[a-z]+$/.test(level) ? level : 'unknown'}">${level}</span>`;
}

/** `3 min ago`, or `never`: plain text, for pages of thousands of rows. */
export function ageText(iso: string | null, now = Date.now()): string {
  if (!iso) return 'never';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return seconds < 90
    ? `${seconds} s ago`
    : seconds < 5400
      ? `${Math.round(seconds / 60)} min ago`
      : seconds < 172800
        ? `${Math.round(seconds / 3600)} h ago`
        : `${Math.round(seconds / 86400)} days ago`;
}

/** `3 min ago` with the ISO time as a tooltip, or `never`. */
export function age(iso: string | null, now = Date.now()): Html {
  if (!iso) return html`<span class="muted">never</span>`;
  return html`<time datetime="${iso}" title="${iso}">${ageText(iso, now)}</time>`;
}

/** A link to a host's page. */
export function hostLink(name: string): Html {
  return html`<a href="/hosts/${encodeURIComponent(name)}">${name}</a>`;
}
