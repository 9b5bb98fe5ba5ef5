// The one shape `earshot diff` compares, whatever wrote the report (earshot JSON, nmap or earshot
// XML), and the error every report reader raises.
import { EarshotError, quote } from '../errors.js';

/** A port as diff compares it. States are strings: nmap XML may hold states earshot never writes. */
export interface ComparablePort {
  protocol: string;
  port: number;
  state: string;
  service: { name: string; product?: string; version?: string; extraInfo?: string; tunnel?: string } | null;
  /** Who holds the port, as earshot's verify XML writes it in `<owner>` (`sshd[400] (root)`). */
  owner?: string;
  /** earshot's verdict (`notice: ...`), from verify XML's `earshot-verdict` script. */
  verdict?: string;
}

/** A host as diff compares it. */
export interface ComparableHost {
  address: string;
  family: string;
  hostnames: string[];
  /** up, down (nmap XML may also say unknown or skipped). */
  status: string;
  ports: ComparablePort[];
  /** Ports not listed one by one, counted by state. */
  extraPorts: { state: string; count: number }[];
}

/** One report, read from earshot JSON or nmap XML. */
export interface ComparableReport {
  /** The file it came from, as given. */
  file: string;
  format: 'earshot-json' | 'nmap-xml';
  /** `earshot` or `nmap` (XML's `scanner`, which earshot writes as "nmap" by default). */
  scanner: string;
  version: string;
  /** The command line, as one string. */
  args: string;
  /** ISO 8601 start of the scan, when the report says. */
  startedAt: string | null;
  hosts: ComparableHost[];
}

/** ERR_REPORT_READ naming the file and the problem. */
export function reportReadError(file: string, problem: string, cause?: unknown): EarshotError {
  return new EarshotError('ERR_REPORT_READ', `Cannot read the report ${quote(file)}: ${problem}`, {
    cause,
  });
}
