// One target token → an address product or a host name to resolve. Syntax only: no DNS, no I/O.
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { EarshotError, quote } from '../../errors.js';
import type { AddressFamily } from '../../model.js';
import {
  type AddressProduct,
  applyPrefix,
  normalizePartSet,
  type PartSet,
  singleProduct,
} from './address-set.js';

/** What a token names: addresses written out, or a host name (with an optional prefix) to resolve. */
export type ParsedTarget =
  | { kind: 'addresses'; product: AddressProduct; zone: string | null }
  | { kind: 'name'; name: string; prefix: number | null };

/** Where a token came from, for error messages: the word for it and an optional "file line N". */
export interface TokenOrigin {
  role: 'target' | 'exclude';
  where: string | null;
}

/** A token with its origin, as the parser and resolver see it. */
export interface TargetToken {
  text: string;
  origin: TokenOrigin;
}

/** The one-line ERR_TARGET_SPEC for a token: names the input, where it came from, and the fix. */
export function targetSpecError(token: TargetToken, why: string): EarshotError {
  const where = token.origin.where ? ` (${token.origin.where})` : '';
  return new EarshotError(
    'ERR_TARGET_SPEC',
    `Invalid ${token.origin.role} ${quote(token.text)}${where}: ${why}`,
  );
}

const HOSTNAME =
  /^(?=.{1,253}\.?$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

function readPrefix(token: TargetToken, text: string, max: number, family: string): number {
  if (!/^\d{1,3}$/.test(text)) {
    throw targetSpecError(token, `"/${text}" is not a prefix length; write a number of bits, /0 to /${max}.`);
  }
  const prefix = Number(text);
  if (prefix > max) {
    throw targetSpecError(
      token,
      `the prefix length ${prefix} is above ${max} for ${family}; use /0 to /${max}.`,
    );
  }
  return prefix;
}

/** One octet of nmap's IPv4 range syntax: "7", "1-254", "3-5,7", "*", "-", "250-". */
function parseOctet(token: TargetToken, text: string): PartSet {
  if (text === '*') return [[0, 255]];
  const ranges: [number, number][] = [];
  for (const item of text.split(',')) {
    const match = /^(\d*)(-?)(\d*)$/.exec(item);
    if (!match || (match[2] === '' && match[1] === '')) {
      throw targetSpecError(
        token,
        `${quote(item)} is not an octet; write 0-255, a range like "1-254", a list like "3-5,7", or "*".`,
      );
    }
    const read = (digits: string, fallback: number): number => {
      if (digits === '') return fallback;
      const value = Number(digits);
      if (value > 255 || digits.length > 3) {
        throw targetSpecError(token, `${digits} is above 255; each IPv4 octet is 0-255.`);
      }
      return value;
    };
    const start = read(match[1]!, 0);
    const end = match[2] === '' ? start : read(match[3]!, 255);
    if (end < start) {
      throw targetSpecError(token, `the range ${item} ends below its start; write "${end}-${start}".`);
    }
    ranges.push([start, end]);
  }
  return normalizePartSet(ranges);
}

const PLAIN_IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseIpv4(token: TargetToken, text: string, prefixText: string | null): ParsedTarget {
  // One address written out, by far the commonest line of a big -iL file: no ranges to build.
  const plain = prefixText === null ? PLAIN_IPV4.exec(text) : null;
  if (plain) {
    const values = [Number(plain[1]), Number(plain[2]), Number(plain[3]), Number(plain[4])];
    if (values.every((value) => value <= 255)) {
      return { kind: 'addresses', product: singleProduct('ipv4', values), zone: null };
    }
  }
  const octets = text.split('.');
  if (octets.length !== 4) {
    throw targetSpecError(
      token,
      `an IPv4 address has four parts, this has ${octets.length}; write all four, e.g. "10.0.0.1" or "10.0.0.0/24".`,
    );
  }
  const parts = octets.map((octet) => parseOctet(token, octet));
  const prefix = prefixText === null ? 32 : readPrefix(token, prefixText, 32, 'IPv4');
  return { kind: 'addresses', product: applyPrefix('ipv4', parts, prefix), zone: null };
}

function parseIpv6(token: TargetToken, text: string, prefixText: string | null): ParsedTarget {
  const percent = text.indexOf('%');
  const address = percent === -1 ? text : text.slice(0, percent);
  const zone = percent === -1 ? null : text.slice(percent + 1);
  if (!ipaddr.IPv6.isValid(address)) {
    throw targetSpecError(
      token,
      'not a valid IPv6 address; write it like "fd00::1" or "[fd00::1]", or a range like "fd00::/64".',
    );
  }
  if (zone !== null && (prefixText !== null || !/^[\w.-]+$/.test(zone))) {
    throw targetSpecError(token, 'a zone id ("%eth0") goes only on a single address, e.g. "fe80::1%eth0".');
  }
  const prefix = prefixText === null ? 128 : readPrefix(token, prefixText, 128, 'IPv6');
  const parts: PartSet[] = ipaddr.IPv6.parse(address).parts.map((value) => [[value, value]]);
  return { kind: 'addresses', product: applyPrefix('ipv6', parts, prefix), zone };
}

/** Parses one target token's syntax: IPv4/IPv6 address, CIDR, nmap octet ranges, or host name. */
export function parseTargetToken(token: TargetToken): ParsedTarget {
  const text = token.text;
  if (text === '') throw targetSpecError(token, 'it is empty; give an address, a range or a host name.');
  const bracket = /^\[([^\]]*)\](?:\/(.*))?$/.exec(text);
  if (bracket) return parseIpv6(token, bracket[1]!, bracket[2] ?? null);
  const slash = text.lastIndexOf('/');
  const body = slash === -1 ? text : text.slice(0, slash);
  const prefixText = slash === -1 ? null : text.slice(slash + 1);
  if (body.includes(':')) return parseIpv6(token, body, prefixText);
  if (/^[\d.*,-]+$/.test(body)) return parseIpv4(token, body, prefixText);
  if (HOSTNAME.test(body)) {
    // The longest prefix is checked once the name's family is known.
    const prefix = prefixText === null ? null : readPrefix(token, prefixText, 128, 'IPv6');
    return { kind: 'name', name: body.replace(/\.$/, ''), prefix };
  }
  throw targetSpecError(
    token,
    'not an IP address, CIDR range, octet range or host name; e.g. "10.0.0.1", "10.0.0.0/24", "10.0.0.1-254", "fd00::/64", "localhost".',
  );
}

/**
 * The one host a client that asks a single peer is given (rpcinfo HOST): an IPv4 or IPv6 address
 * (brackets and a zone allowed) or a host name, no range. The address as `connect` takes it, or
 * ERR_TARGET_SPEC saying it is neither: a control character or "bad..host" never reaches the resolver.
 */
export function parseHostAddress(text: string): string {
  const inner = /^\[(.*)\]$/.exec(text)?.[1] ?? text;
  if (isIP(inner) !== 0) return inner;
  // Digits and dots only, and not an address: "10.0.0" or "999.1.1.1" are typos, not names.
  if (HOSTNAME.test(inner) && !/^[\d.]+$/.test(inner)) return inner;
  throw new EarshotError(
    'ERR_TARGET_SPEC',
    `Invalid host ${quote(text)}: it is not a host name or an IP address; give one host, e.g. "127.0.0.1", "::1" or "rpc.example.com".`,
  );
}

/** Applies a "name/24" prefix to the address a name resolved to. */
export function prefixResolved(
  token: TargetToken,
  family: AddressFamily,
  product: AddressProduct,
  prefix: number | null,
): AddressProduct {
  if (prefix === null) return product;
  const max = family === 'ipv4' ? 32 : 128;
  if (prefix > max) {
    throw targetSpecError(
      token,
      `the prefix length ${prefix} is above ${max} for an IPv4 name; use /0 to /${max}.`,
    );
  }
  return applyPrefix(family, product.parts, prefix);
}

/** Splits an --exclude value on commas, keeping nmap's commas inside an octet ("192.168.3-5,7.1"). */
export function splitCommaList(text: string): string[] {
  const ipv4ish = (piece: string): boolean => /^[\d.*,-]+$/.test(piece);
  const complete = (piece: string): boolean => !ipv4ish(piece) || piece.split('.').length >= 4;
  const pieces: string[] = [];
  let current: string | null = null;
  for (const raw of text.split(',')) {
    const piece = raw.trim();
    const previous = pieces[pieces.length - 1];
    // "10.0.0.1,2" lists two values of the last octet, as nmap reads it.
    if (current === null && /^[\d*-]+$/.test(piece) && previous !== undefined && ipv4ish(previous)) {
      pieces[pieces.length - 1] = `${previous},${piece}`;
      continue;
    }
    current = current === null ? piece : `${current},${piece}`;
    if (complete(current)) {
      pieces.push(current);
      current = null;
    }
  }
  if (current !== null) pieces.push(current);
  return pieces.filter((piece) => piece !== '');
}
