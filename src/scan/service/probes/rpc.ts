// ONC RPC over TCP (RFC 5531): a NULL call to the portmapper's program with version 0. The
// portmapper answers PROG_MISMATCH with the versions it speaks; another RPC server answers
// PROG_UNAVAIL, which still shows the port speaks RPC.
import { encodeCallRecord, firstRecord, tryDecodeReply } from '../../rpc/onc-rpc.js';
import { compactMatch, type ServiceProbe } from './types.js';

const PORTMAPPER = 100000;
// "ears": a fixed id, since the reply is matched without the call at hand.
const XID = 0x65617273;

// Version 0: no server speaks it, so the reply lists the real ones.
const NULL_CALL = { xid: XID, program: PORTMAPPER, version: 0, procedure: 0 };

/** NULL call to program 100000 version 0. */
export const rpcProbe: ServiceProbe = {
  id: 'rpc',
  ports: [111, 2049],
  request: () => encodeCallRecord(NULL_CALL),
  complete: (reply) => firstRecord(reply) !== null,
  match(reply) {
    const record = firstRecord(reply);
    const answer = record && tryDecodeReply(record, XID);
    if (!answer) return null;
    switch (answer.status) {
      case 'rpc-mismatch':
      case 'auth-error':
        return { name: 'rpc', extraInfo: 'call denied', confidence: 8 };
      case 'program-mismatch':
        return compactMatch({
          name: 'rpcbind',
          product: 'rpcbind',
          version: answer.low === answer.high ? `${answer.low}` : `${answer.low}-${answer.high}`,
          extraInfo: `RPC #${PORTMAPPER}`,
          confidence: 10,
        });
      case 'success':
        return { name: 'rpcbind', extraInfo: `RPC #${PORTMAPPER}`, confidence: 9 };
      default:
        return { name: 'rpc', extraInfo: 'an ONC RPC server other than the portmapper', confidence: 8 };
    }
  },
};
