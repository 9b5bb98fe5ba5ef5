// Times the way nmap's XML and grepable outputs write them: epoch seconds and ctime(3)-style text.

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Whole seconds since the epoch of an ISO 8601 time (0 when it does not parse). */
export function epochSeconds(iso: string): number {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : 0;
}

/** `Thu Nov 26 15:20:14 2026`, in UTC so that a report renders the same on every machine. */
export function ctimeString(iso: string): string {
  const date = new Date(Number.isFinite(Date.parse(iso)) ? iso : 0);
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} ${date.getUTCFullYear()}`
  );
}

/** Elapsed seconds with two decimals, as nmap prints them. */
export function elapsedSeconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(2);
}

/** `1 IP address (1 host up)`, nmap's run summary wording. */
export function addressSummary(addresses: number, hostsUp: number): string {
  return `${addresses} IP address${addresses === 1 ? '' : 'es'} (${hostsUp} host${hostsUp === 1 ? '' : 's'} up)`;
}
