// The page around every dashboard view: title, navigation, who is logged in and the log-out form.
import { ICON_PATH, STYLESHEET_PATH } from './assets.js';
import { type Html, html } from './html.js';

/** Who is looking at the page (absent on the login page). */
export interface Viewer {
  name: string;
  role: 'viewer' | 'admin';
  csrf: string;
}

const NAV = [
  { href: '/', label: 'Fleet' },
  { href: '/findings', label: 'Findings' },
];

/** A whole HTML document. */
export function page(options: { title: string; viewer?: Viewer; active?: string; body: Html }): string {
  const { viewer } = options;
  const nav = viewer
    ? html`${NAV.map((item) => html`<a href="${item.href}" class="${item.href === options.active ? 'active' : ''}">${item.label}</a>`)}
      <span class="user">${viewer.name} (${viewer.role})
        <form method="post" action="/logout"><input type="hidden" name="csrf" value="${viewer.csrf}"><button type="submit">Log out</button></form>
      </span>`
    : html``;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${options.title} — earshot</title><link rel="stylesheet" href="${STYLESHEET_PATH}"><link rel="icon" href="${ICON_PATH}" type="image/svg+xml"></head>
<body><header><a class="brand" href="/">earshot</a>${nav}</header>
<main>${options.body}</main></body></html>`.text;
}
