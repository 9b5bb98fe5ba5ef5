// The dashboard's one stylesheet, served by earshot itself (fleets are often air-gapped: no CDN).
// Pages need no script: links and forms do everything, so the Content-Security-Policy allows none.
import { createHash } from 'node:crypto';

/** The stylesheet. */
export const STYLESHEET = `
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1b1b1b;background:#fff}
header{display:flex;gap:1.2rem;align-items:center;padding:.6rem 1.2rem;background:#1f2933;color:#fff}
header a{color:#fff;text-decoration:none}header a.active{text-decoration:underline}
header .brand{font-weight:700;font-size:1.1rem}header .user{margin-left:auto;display:flex;gap:.6rem;align-items:center}
header form{margin:0}header button{background:none;border:1px solid #9aa5b1;color:#fff;border-radius:.25rem;cursor:pointer}
main{padding:1rem 1.2rem;max-width:90rem}
h1{font-size:1.4rem;margin:.2rem 0 .8rem}h2{font-size:1.1rem;margin:1.4rem 0 .5rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;table-layout:fixed}
th,td{border-bottom:1px solid #e4e7eb;padding:.25rem .45rem;text-align:left;vertical-align:top}
.wrap td{overflow-wrap:anywhere}
th{background:#f5f7fa;font-weight:600}
.v{display:inline-block;min-width:4.6rem;padding:0 .35rem;border-radius:.25rem;font-weight:600;text-align:center;color:#fff}
.v-critical{background:#b00020}.v-warning{background:#a15c00}.v-notice{background:#0057a3}
.v-info,.v-ok{background:#3b6e3b}.v-unknown{background:#7b8794}
.silent{color:#b00020;font-weight:600}.muted{color:#616e7c}
.finding{border-left:.3rem solid #7b8794;padding:.35rem .7rem;margin:.5rem 0;background:#fafbfc}
.finding.critical{border-color:#b00020}.finding.warning{border-color:#a15c00}.finding.notice{border-color:#0057a3}
.finding p{margin:.15rem 0}.finding ul{margin:.2rem 0 .2rem 1.2rem;padding:0}
code{font-size:.92em;overflow-wrap:anywhere}
form.inline{display:inline}
.w-s{width:6rem}.w-m{width:10rem}
.error{color:#b00020}
.login{max-width:22rem;margin:4rem auto}.login label{display:block;margin:.6rem 0 .2rem}
.login input{width:100%;padding:.35rem}.login button{margin-top:1rem;padding:.4rem 1.2rem}
.pages{margin:.4rem 0}.pages a{margin-left:.5rem}
.filters{display:flex;gap:.6rem;align-items:end;margin:.4rem 0 1rem}.filters label{display:flex;flex-direction:column;font-size:.85rem}
`;

/** The stylesheet's URL, named by its content so a browser may cache it for good. */
export const STYLESHEET_PATH = `/assets/earshot-${createHash('sha256').update(STYLESHEET).digest('hex').slice(0, 12)}.css`;

/** The tab icon: an ear-shaped arc and a dot, in the header's colours. */
export const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1f2933"/><path d="M11 22c0-4 -3-6 -3-11a8 8 0 0 1 16 0c0 5-6 6-6 11a3 3 0 0 1-6 0" fill="none" stroke="#fff" stroke-width="2.5"/><circle cx="16" cy="11" r="2.5" fill="#fff"/></svg>`;

/** The icon's URL. */
export const ICON_PATH = '/assets/earshot-icon.svg';
