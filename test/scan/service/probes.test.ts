// Match rules of each probe on replies as servers send them (greetings and answers written out
// byte for byte from the protocol documents and real servers), and on hostile bytes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mysqlProbe } from '../../../src/scan/service/probes/databases/mysql.js';
import { dnsProbe } from '../../../src/scan/service/probes/dns.js';
import { ftpProbe } from '../../../src/scan/service/probes/ftp.js';
import { httpProbe, isPlainHttpToTlsPort, parseServerHeader } from '../../../src/scan/service/probes/http.js';
import { SERVICE_PROBES } from '../../../src/scan/service/probes/index.js';
import { imapProbe } from '../../../src/scan/service/probes/mail/imap.js';
import { pop3Probe } from '../../../src/scan/service/probes/mail/pop3.js';
import { smtpProbe } from '../../../src/scan/service/probes/mail/smtp.js';
import { rpcProbe } from '../../../src/scan/service/probes/rpc.js';
import { sshProbe } from '../../../src/scan/service/probes/ssh.js';
import { looksLikeTlsRecord } from '../../../src/scan/service/probes/tls.js';
import { x11Probe } from '../../../src/scan/service/probes/x11.js';

const at = (port: number) => ({ address: '127.0.0.1', port });

function mysqlGreeting(version: string): Buffer {
  const payload = Buffer.concat([
    Buffer.from([10]),
    Buffer.from(`${version}\0`, 'latin1'),
    Buffer.from([0x2a, 0, 0, 0]), // thread id
    Buffer.from('abcdefgh\0', 'latin1'), // auth-plugin-data part 1 and filler
    Buffer.from([0xfe, 0xf7, 0x2d, 0x02, 0, 0xff, 0x81, 0x15]),
    Buffer.alloc(10),
    Buffer.from('ijklmnopqrst\0mysql_native_password\0', 'latin1'),
  ]);
  const head = Buffer.alloc(4);
  head.writeUIntLE(payload.length, 0, 3);
  return Buffer.concat([head, payload]);
}

function dnsTxtReply(text: string): Buffer {
  const question = Buffer.from('\x07version\x04bind\x00\x00\x10\x00\x03', 'latin1');
  const rdata = Buffer.concat([Buffer.from([text.length]), Buffer.from(text, 'latin1')]);
  const answer = Buffer.concat([Buffer.from([0xc0, 0x0c, 0, 16, 0, 3, 0, 0, 0, 0]), Buffer.alloc(2), rdata]);
  answer.writeUInt16BE(rdata.length, 10);
  const header = Buffer.from([0x45, 0x53, 0x84, 0x00, 0, 1, 0, 1, 0, 0, 0, 0]);
  const message = Buffer.concat([header, question, answer]);
  const framed = Buffer.alloc(2);
  framed.writeUInt16BE(message.length);
  return Buffer.concat([framed, message]);
}

function rpcReply(acceptStat: number, low = 0, high = 0): Buffer {
  const words = [0x65617273, 1, 0, 0, 0, acceptStat, ...(acceptStat === 2 ? [low, high] : [])];
  const body = Buffer.alloc(words.length * 4);
  words.forEach((word, i) => {
    body.writeUInt32BE(word, i * 4);
  });
  const mark = Buffer.alloc(4);
  mark.writeUInt32BE((0x80000000 | body.length) >>> 0);
  return Buffer.concat([mark, body]);
}

describe('service probe match rules', () => {
  it('reads SSH identification strings', () => {
    const m = sshProbe.match(Buffer.from('SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6\r\n'), at(22));
    assert.deepEqual(m, {
      name: 'ssh',
      product: 'OpenSSH',
      version: '8.9p1',
      extraInfo: 'Ubuntu 3ubuntu0.6; protocol 2.0',
      osHints: ['Ubuntu'],
      confidence: 10,
    });
    assert.equal(
      sshProbe.match(Buffer.from('SSH-2.0-dropbear_2022.83\r\n'), at(22))?.product,
      'Dropbear sshd',
    );
    assert.equal(sshProbe.match(Buffer.from('SSH-2.0-OpenSSH_9.2'), at(22)), null, 'no line yet');
  });

  it('tells SMTP from FTP greetings and names the products', () => {
    const postfix = Buffer.from('220 mail.example.org ESMTP Postfix (Debian/GNU)\r\n');
    assert.deepEqual(smtpProbe.match(postfix, at(25)), {
      name: 'smtp',
      product: 'Postfix smtpd',
      osHints: ['Debian'],
      confidence: 10,
    });
    assert.equal(ftpProbe.match(postfix, at(25)), null);
    const vsftpd = Buffer.from('220 (vsFTPd 3.0.3)\r\n');
    assert.deepEqual(ftpProbe.match(vsftpd, at(21)), {
      name: 'ftp',
      product: 'vsftpd',
      version: '3.0.3',
      confidence: 10,
    });
    assert.equal(smtpProbe.match(vsftpd, at(21)), null);
    assert.equal(ftpProbe.match(Buffer.from('220 ready\r\n'), at(4000)), null, 'a bare 220 off port 21');
  });

  it('reads POP3 and IMAP greetings', () => {
    assert.equal(
      pop3Probe.match(Buffer.from('+OK Dovecot (Debian) ready.\r\n'), at(110))?.product,
      'Dovecot pop3d',
    );
    const imap = imapProbe.match(
      Buffer.from(
        '* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE] Dovecot (Ubuntu) ready.\r\n',
      ),
      at(143),
    );
    assert.equal(imap?.product, 'Dovecot imapd');
    assert.deepEqual(imap?.osHints, ['Ubuntu']);
  });

  it('reads HTTP Server headers and titles', () => {
    const reply = Buffer.from(
      'HTTP/1.1 200 OK\r\nServer: Apache/2.4.62 (Debian)\r\nContent-Type: text/html\r\n\r\n<html><title>It works</title>',
    );
    assert.deepEqual(httpProbe.match(reply, at(80)), {
      name: 'http',
      product: 'Apache httpd',
      version: '2.4.62',
      extraInfo: 'Debian; title: It works',
      osHints: ['Debian'],
      confidence: 10,
    });
    assert.deepEqual(parseServerHeader('nginx'), { product: 'nginx' });
    assert.equal(httpProbe.match(Buffer.from('SSH-2.0-x\r\n'), at(80)), null);
    assert.ok(
      isPlainHttpToTlsPort(Buffer.from('<center>The plain HTTP request was sent to HTTPS port</center>')),
    );
    assert.ok(looksLikeTlsRecord(Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28])));
  });

  it('reads MySQL and MariaDB greetings', () => {
    assert.deepEqual(mysqlProbe.match(mysqlGreeting('5.5.5-10.11.6-MariaDB-0+deb12u1'), at(3306)), {
      name: 'mysql',
      product: 'MariaDB',
      version: '10.11.6',
      extraInfo: '0+deb12u1',
      osHints: ['Debian'],
      confidence: 10,
    });
    assert.equal(mysqlProbe.match(mysqlGreeting('8.0.36'), at(3306))?.version, '8.0.36');
    assert.equal(mysqlProbe.match(mysqlGreeting('8.0.36').subarray(0, 20), at(3306)), null, 'cut short');
  });

  it('reads version.bind answers over TCP', () => {
    assert.deepEqual(dnsProbe.match(dnsTxtReply('9.18.28-1~deb12u2-Debian'), at(53)), {
      name: 'domain',
      product: 'ISC BIND',
      version: '9.18.28',
      osHints: ['Debian'],
      confidence: 10,
    });
    assert.equal(dnsProbe.match(dnsTxtReply('unbound 1.17.1'), at(53))?.product, 'Unbound');
  });

  it('reads ONC RPC replies: the portmapper by its version range, other programs as rpc', () => {
    assert.equal(Buffer.from(rpcProbe.request!(at(111))).readUInt32BE(0), 0x80000028);
    assert.deepEqual(rpcProbe.match(rpcReply(2, 2, 4), at(111)), {
      name: 'rpcbind',
      product: 'rpcbind',
      version: '2-4',
      extraInfo: 'RPC #100000',
      confidence: 10,
    });
    assert.equal(rpcProbe.match(rpcReply(1), at(2049))?.name, 'rpc');
  });

  it('reads X11 connection setup replies', () => {
    const vendor = 'The X.Org Foundation';
    const success = Buffer.alloc(40 + 20);
    success[0] = 1;
    success.writeUInt16LE(11, 2);
    success.writeUInt16LE((success.length - 8) / 4, 6);
    success.writeUInt32LE(12101004, 8);
    success.writeUInt16LE(vendor.length, 24);
    success.write(vendor, 40, 'latin1');
    assert.deepEqual(x11Probe.match(success, at(6000)), {
      name: 'X11',
      product: vendor,
      version: '1.21.1.4',
      extraInfo: 'open access',
      confidence: 10,
    });
    const reason = 'No protocol specified\n';
    const failed = Buffer.alloc(8 + 24);
    failed[1] = reason.length;
    failed.writeUInt16LE(11, 2);
    failed.writeUInt16LE(6, 6);
    failed.write(reason, 8, 'latin1');
    assert.equal(x11Probe.match(failed, at(6000))?.extraInfo, 'access denied: No protocol specified\n');
  });

  it('never throws on truncated or random replies', () => {
    let seed = 1;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const samples: Buffer[] = [Buffer.alloc(0), Buffer.from([0xff]), mysqlGreeting('8.0').subarray(0, 9)];
    for (let i = 0; i < 300; i++) {
      samples.push(Buffer.from(Array.from({ length: random() % 96 }, () => random() & 0xff)));
    }
    for (const probe of SERVICE_PROBES) {
      for (const sample of samples) {
        assert.doesNotThrow(() => probe.match(sample, at(1)), `${probe.id} on ${sample.toString('hex')}`);
        assert.doesNotThrow(() => probe.complete?.(sample), `${probe.id}.complete`);
      }
    }
  });
});
