// X11: the client opens with a connection setup request (X Window System Protocol, "Connection
// Setup"); the server answers Failed (0), Success (1, with its vendor and release) or Authenticate (2).
import { compactMatch, type ServiceProbe } from './types.js';

/** Little-endian setup request for protocol 11.0 with no authorisation. */
export const x11Probe: ServiceProbe = {
  id: 'x11',
  ports: [6000, 6001, 6002, 6003],
  request: () => Buffer.from([0x6c, 0, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
  complete: (reply) => reply.length >= 8 && reply.length >= 8 + reply.readUInt16LE(6) * 4,
  match(reply) {
    if (reply.length < 8 || reply[0]! > 2 || reply.readUInt16LE(2) !== 11) return null;
    const status = reply[0]!;
    if (reply.length < 8 + reply.readUInt16LE(6) * 4) return null;
    if (status === 0) {
      const reason = reply.toString('latin1', 8, 8 + reply[1]!);
      return compactMatch({
        name: 'X11',
        extraInfo: `access denied: ${reason}`.slice(0, 120),
        confidence: 10,
      });
    }
    if (status === 2) return { name: 'X11', extraInfo: 'authentication required', confidence: 10 };
    if (reply.length < 40) return null;
    const release = reply.readUInt32LE(8);
    const vendorLength = reply.readUInt16LE(24);
    const vendor = reply.toString('latin1', 40, 40 + vendorLength);
    // X.Org encodes release 1.21.1.4 as 12101004.
    const xorg = /X\.Org/.test(vendor) && release > 10000000;
    const version = xorg
      ? [
          Math.floor(release / 10000000),
          Math.floor(release / 100000) % 100,
          Math.floor(release / 1000) % 100,
          release % 1000,
        ].join('.')
      : `${release}`;
    return compactMatch({ name: 'X11', product: vendor, version, extraInfo: 'open access', confidence: 10 });
  },
};
