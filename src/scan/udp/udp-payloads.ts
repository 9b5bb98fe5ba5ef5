// Protocol payloads for UDP ports whose services stay silent on an empty datagram: a well-formed
// request turns "open|filtered" into "open". Earshot's own encodings of each protocol's smallest
// question; a port may list several, tried in turn on successive tries.
import { encodeCall } from '../rpc/onc-rpc.js';
import { XdrWriter } from '../rpc/xdr.js';

/** ONC RPC CALL (RFC 5531 §9) with AUTH_NONE, "ears" as its id: program, version, procedure, `args`. */
function rpcCall(program: number, version: number, procedure: number, args: number[] = []): Buffer {
  const writer = new XdrWriter();
  for (const word of args) writer.uint32(word);
  return encodeCall({ xid: 0x6561_7273, program, version, procedure, args: writer.toBuffer() });
}

/** A DNS query (RFC 1035 §4.1) for `name` of `type` in `qclass`, recursion desired. */
function dnsQuery(name: string, type: number, qclass = 1): Buffer {
  const labels = name
    .split('.')
    .filter(Boolean)
    .map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, 'ascii')]));
  const header = Buffer.from([0x65, 0x73, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(qclass, 2);
  return Buffer.concat([header, ...labels, Buffer.from([0]), tail]);
}

/** A BER TLV (X.690) with a short or long length. */
function ber(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  const length = body.length < 0x80 ? Buffer.from([body.length]) : Buffer.from([0x81, body.length & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, body]);
}

/** An SNMP GetRequest (RFC 3416) for sysDescr.0 with community "public"; version 0 = v1, 1 = v2c. */
function snmpGet(version: number): Buffer {
  const integer = (value: number) => ber(0x02, Buffer.from([value]));
  const sysDescr = ber(0x06, Buffer.from([0x2b, 6, 1, 2, 1, 1, 1, 0]));
  const varbind = ber(0x30, ber(0x30, sysDescr, Buffer.from([0x05, 0x00])));
  const pdu = ber(0xa0, ber(0x02, Buffer.from([0x65, 0x73])), integer(0), integer(0), varbind);
  return ber(0x30, integer(version), ber(0x04, Buffer.from('public')), pdu);
}

const ascii = (text: string) => Buffer.from(text, 'latin1');

/** The UDP payloads earshot sends, by port; other ports get an empty datagram. */
export const UDP_PAYLOADS: ReadonlyMap<number, readonly Buffer[]> = new Map<number, Buffer[]>([
  // DNS: the root's NS records; any server (recursive or not) answers, if only with REFUSED.
  [53, [dnsQuery('', 2)]],
  // TFTP (RFC 1350): a read request for a file that should not exist; servers answer with an error.
  [69, [ascii('\x00\x01earshot.txt\x00octet\x00')]],
  // NTP (RFC 5905): a 48-byte client request, LI=3 VN=4 mode=3.
  [123, [Buffer.concat([Buffer.from([0xe3]), Buffer.alloc(47)])]],
  // Portmapper (RFC 1833): NULL, then GETPORT of the portmapper itself over UDP.
  [111, [rpcCall(100000, 2, 0), rpcCall(100000, 2, 3, [100000, 2, 17, 0])]],
  // NetBIOS name service (RFC 1002 §4.2.17): a node status request for "*".
  [
    137,
    [ascii(`\x80\xf0\x00\x10\x00\x01\x00\x00\x00\x00\x00\x00\x20CK${'A'.repeat(30)}\x00\x00\x21\x00\x01`)],
  ],
  // SNMP: v2c then v1, community "public".
  [161, [snmpGet(1), snmpGet(0)]],
  // XDMCP (X11 display manager): a Query with no authentication names.
  [177, [Buffer.from([0, 1, 0, 2, 0, 1, 0])]],
  // SSDP (UPnP): a unicast M-SEARCH for everything.
  [
    1900,
    [
      ascii(
        'M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n',
      ),
    ],
  ],
  // NFS (RFC 1813): NULL of program 100003 version 3.
  [2049, [rpcCall(100003, 3, 0)]],
  // STUN (RFC 8489): a Binding request.
  [3478, [Buffer.from('000100002112a4426561727368f074776f6f6e6521', 'hex').subarray(0, 20)]],
  // mDNS (RFC 6762 §5.4): the service list, asking for a unicast answer (QU bit).
  [5353, [dnsQuery('_services._dns-sd._udp.local', 12, 0x8001)]],
  // memcached: the 8-byte UDP frame header, then "version".
  [11211, [Buffer.concat([Buffer.from([0x65, 0x73, 0, 0, 0, 1, 0, 0]), ascii('version\r\n')])]],
]);

/** The payload for try `attempt` (0-based) to `port`: the port's list in turn, else empty. */
export function udpPayloadFor(port: number, attempt: number): Buffer {
  const list = UDP_PAYLOADS.get(port);
  return list ? list[attempt % list.length]! : EMPTY;
}

const EMPTY = Buffer.alloc(0);
