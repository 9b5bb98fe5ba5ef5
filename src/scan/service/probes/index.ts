// Every service probe earshot knows, in the order tried when the port number suggests none.

import { memcachedProbe } from './databases/memcached.js';
import { mysqlProbe } from './databases/mysql.js';
import { postgresqlProbe } from './databases/postgresql.js';
import { redisProbe } from './databases/redis.js';
import { dnsProbe } from './dns.js';
import { ftpProbe } from './ftp.js';
import { httpProbe } from './http.js';
import { imapProbe } from './mail/imap.js';
import { pop3Probe } from './mail/pop3.js';
import { smtpProbe } from './mail/smtp.js';
import { rpcProbe } from './rpc.js';
import { sshProbe } from './ssh.js';
import type { ServiceProbe } from './types.js';
import { x11Probe } from './x11.js';

/** All probes: banner matchers first (they cost no request), then requests, commonest first. */
export const SERVICE_PROBES: readonly ServiceProbe[] = [
  sshProbe,
  smtpProbe,
  ftpProbe,
  pop3Probe,
  imapProbe,
  mysqlProbe,
  httpProbe,
  redisProbe,
  memcachedProbe,
  // RPC servers drop malformed records at once but wait out a partial one, which is what the
  // PostgreSQL and DNS requests look like to them: ask RPC before those.
  rpcProbe,
  postgresqlProbe,
  dnsProbe,
  x11Probe,
];
