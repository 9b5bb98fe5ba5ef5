// ONC RPC over TCP (RFC 5531, record marking §11): a NULL call to the portmapper's program with
// version 0. The portmapper answers PROG_MISMATCH with the versions it speaks; another RPC server
// answers PROG_UNAVAIL, which still shows the port speaks RPC.
import { compactMatch, type ServiceProbe } from './types.js';

const PORTMAPPER = 100000;
const XID = 0x65617273;

function nullCall(): Buffer {
  const call = Buffer.alloc(44);
  call.writeUInt32BE((0x80000000 | 40) >>> 0, 0); // last fragment, 40 bytes
  call.writeUInt32BE(XID, 4);
  call.writeUInt32BE(0, 8); // CALL
  call.writeUInt32BE(2, 12); // RPC version 2
  call.writeUInt32BE(PORTMAPPER, 16);
  call.writeUInt32BE(0, 20); // version 0: no server speaks it, so the reply lists the real ones
  call.writeUInt32BE(0, 24); // NULL procedure; AUTH_NONE credentials and verifier stay zero
  return call;
}

/** NULL call to program 100000 version 0. */
export const rpcProbe: ServiceProbe = {
  id: 'rpc',
  ports: [111, 2049],
  request: nullCall,
  complete: (reply) => reply.length >= 4 && reply.length >= 4 + (reply.readUInt32BE(0) & 0x7fffffff),
  match(reply) {
    if (reply.length < 28) return null;
    const body = reply.subarray(4, 4 + (reply.readUInt32BE(0) & 0x7fffffff));
    if (body.length < 24 || body.readUInt32BE(0) !== XID || body.readUInt32BE(4) !== 1) return null;
    if (body.readUInt32BE(8) !== 0) {
      return { name: 'rpc', extraInfo: 'call denied', confidence: 8 };
    }
    const verfLength = body.readUInt32BE(16);
    const at = 20 + Math.ceil(verfLength / 4) * 4;
    if (at + 4 > body.length) return null;
    const acceptStat = body.readUInt32BE(at);
    if (acceptStat === 2 && at + 12 <= body.length) {
      const low = body.readUInt32BE(at + 4);
      const high = body.readUInt32BE(at + 8);
      return compactMatch({
        name: 'rpcbind',
        product: 'rpcbind',
        version: low === high ? `${low}` : `${low}-${high}`,
        extraInfo: `RPC #${PORTMAPPER}`,
        confidence: 10,
      });
    }
    if (acceptStat === 0) return { name: 'rpcbind', extraInfo: `RPC #${PORTMAPPER}`, confidence: 9 };
    return { name: 'rpc', extraInfo: 'an ONC RPC server other than the portmapper', confidence: 8 };
  },
};
