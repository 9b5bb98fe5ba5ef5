// The one ONC RPC client's wire format as every user sends it: the -sV probe over TCP and the UDP
// scan's payloads must stay byte for byte what they were, and reply reading must never throw on
// bytes that are not RPC.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeCall, firstRecord, frameRecord, tryDecodeReply } from '../../../src/scan/rpc/onc-rpc.js';
import { rpcProbe } from '../../../src/scan/service/probes/rpc.js';
import { udpPayloadFor } from '../../../src/scan/udp/udp-payloads.js';

const words = (list: number[]) => {
  const buffer = Buffer.alloc(list.length * 4);
  list.forEach((word, i) => {
    buffer.writeUInt32BE(word >>> 0, i * 4);
  });
  return buffer;
};

// xid "ears", CALL, RPC v2, then program, version, procedure, AUTH_NONE credentials and verifier.
const call = (program: number, version: number, procedure: number, ...args: number[]) =>
  words([0x65617273, 0, 2, program, version, procedure, 0, 0, 0, 0, ...args]);

describe('ONC RPC calls on the wire', () => {
  it('the UDP payloads are bare calls: portmapper NULL, GETPORT of itself, NFS v3 NULL', () => {
    assert.deepEqual(udpPayloadFor(111, 0), call(100000, 2, 0));
    assert.deepEqual(udpPayloadFor(111, 1), call(100000, 2, 3, 100000, 2, 17, 0));
    assert.deepEqual(udpPayloadFor(2049, 0), call(100003, 3, 0));
  });

  it('the -sV probe sends one record: NULL of portmapper version 0, last fragment of 40 bytes', () => {
    const request = Buffer.from(rpcProbe.request!({ address: '127.0.0.1', port: 111 }));
    assert.deepEqual(request, Buffer.concat([words([0x80000028]), call(100000, 0, 0)]));
    assert.deepEqual(
      encodeCall({ xid: 0x65617273, program: 100000, version: 0, procedure: 0 }),
      request.subarray(4),
    );
  });
});

describe('reading replies', () => {
  const reply = words([7, 1, 0, 0, 0, 2, 2, 4]);
  const fragment = (body: Buffer, last: boolean) =>
    Buffer.concat([words([(last ? 0x80000000 : 0) | body.length]), body]);

  it('firstRecord joins fragments and waits for the last one', () => {
    const split = Buffer.concat([fragment(reply.subarray(0, 12), false), fragment(reply.subarray(12), true)]);
    assert.deepEqual(firstRecord(split), reply);
    assert.equal(firstRecord(split.subarray(0, split.length - 1)), null, 'cut short');
    assert.equal(firstRecord(fragment(reply, false)), null, 'no last fragment');
    assert.deepEqual(firstRecord(frameRecord(reply)), reply);
  });

  it('tryDecodeReply reads a program mismatch and gives null for foreign bytes, never an error', () => {
    assert.deepEqual(tryDecodeReply(reply, 7), { status: 'program-mismatch', low: 2, high: 4 });
    assert.equal(tryDecodeReply(reply, 8), null, 'another call');
    assert.equal(tryDecodeReply(Buffer.from('HTTP/1.0 400 Bad Request\r\n\r\n'), 7), null);
    assert.equal(tryDecodeReply(Buffer.alloc(0), 7), null);
    assert.equal(tryDecodeReply(reply.subarray(0, 22), 7), null, 'truncated');
  });

  it('the -sV probe names the portmapper by its versions, and other RPC servers as rpc', () => {
    const answer = (...body: number[]) => frameRecord(words([0x65617273, 1, ...body]));
    const at = { address: '127.0.0.1', port: 111 };
    assert.equal(rpcProbe.complete!(answer(0, 0, 0, 2, 2, 4).subarray(0, 10)), false);
    assert.equal(rpcProbe.complete!(answer(0, 0, 0, 2, 2, 4)), true);
    assert.equal(rpcProbe.match(answer(0, 0, 0, 2, 2, 4), at)?.version, '2-4');
    assert.equal(rpcProbe.match(answer(0, 0, 0, 0), at)?.confidence, 9, 'success: the portmapper');
    assert.equal(rpcProbe.match(answer(0, 0, 0, 1), at)?.name, 'rpc', 'PROG_UNAVAIL');
    assert.equal(rpcProbe.match(answer(1, 1, 5), at)?.extraInfo, 'call denied');
    assert.equal(rpcProbe.match(Buffer.from('SSH-2.0-OpenSSH_9.2\r\n'), at), null);
  });
});
