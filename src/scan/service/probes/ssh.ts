// SSH: the server speaks first with its identification string (RFC 4253 §4.2).
import { compactMatch, firstLine, hasLine, osHintsIn, type ServiceProbe } from './types.js';

/** SSH identification: `SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3`. */
export const sshProbe: ServiceProbe = {
  id: 'ssh',
  ports: [22, 2222],
  complete: hasLine,
  match(reply) {
    const line = firstLine(reply);
    const m = line ? /^SSH-(\d+\.\d+)-(\S+)(?: (.*))?$/.exec(line) : null;
    if (!m) return null;
    const [, protocol, software, comments] = m as unknown as [string, string, string, string | undefined];
    // RFC 4253 spells it "softwareversion"; most servers join the two with "_".
    const known =
      /^(OpenSSH|dropbear|libssh|Cisco|ROSSSH)[_-]?(.*)$/i.exec(software) ?? /^([^_]+)_(.+)$/.exec(software);
    const product = known ? (known[1] === 'dropbear' ? 'Dropbear sshd' : known[1]) : software;
    const extra = [comments?.replace(/^(\w+)-/, '$1 '), `protocol ${protocol}`].filter(Boolean).join('; ');
    return compactMatch({
      name: 'ssh',
      product,
      ...(known?.[2] ? { version: known[2] } : {}),
      extraInfo: extra,
      osHints: osHintsIn(comments ?? ''),
      confidence: 10,
    });
  },
};
