// Every service probe earshot knows, in the order tried when the port number suggests none.
import { dnsProbe } from './dns.js';
import { ftpProbe } from './ftp.js';
import { httpProbe } from './http.js';
import { imapProbe } from './imap.js';
import { memcachedProbe } from './memcached.js';
import { mysqlProbe } from './mysql.js';
import { pop3Probe } from './pop3.js';
import { postgresqlProbe } from './postgresql.js';
import { redisProbe } from './redis.js';
import { rpcProbe } from './rpc.js';
import { smtpProbe } from './smtp.js';
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
