// FTP: the server greets with "220 ..." (RFC 959 §4.2); vsftpd, ProFTPD and Pure-FTPd name themselves.
import { compactMatch, firstLine, hasLine, osHintsIn, type ServiceProbe } from './types.js';

const PRODUCTS: [RegExp, string][] = [
  [/\(vsFTPd ([\d.]+)\)/, 'vsftpd'],
  [/ProFTPD ([\d.]+\w*)/, 'ProFTPD'],
  [/Pure-FTPd/, 'Pure-FTPd'],
  [/FileZilla Server(?: version)? ([\d.]+)/i, 'FileZilla ftpd'],
];

/** FTP greeting. SMTP greetings also start with 220, so a line naming SMTP is left to smtpProbe. */
export const ftpProbe: ServiceProbe = {
  id: 'ftp',
  ports: [21, 2121],
  complete: hasLine,
  match(reply, context) {
    const line = firstLine(reply);
    if (!line || !/^220[ -]/.test(line) || /SMTP/i.test(line)) return null;
    for (const [pattern, product] of PRODUCTS) {
      const m = pattern.exec(line);
      if (m) {
        return compactMatch({
          name: 'ftp',
          product,
          ...(m[1] ? { version: m[1] } : {}),
          osHints: osHintsIn(line),
          confidence: 10,
        });
      }
    }
    // A bare 220 is FTP only where FTP is expected, or when the greeting says so.
    if (!/FTP/i.test(line) && !ftpProbe.ports.includes(context.port)) return null;
    return compactMatch({ name: 'ftp', osHints: osHintsIn(line), confidence: 6 });
  },
};
