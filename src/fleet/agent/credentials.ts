// What the agent needs to talk to its server: the server's URL, the agent token (read from a file
// that other users cannot read; the token itself never appears in a message) and, for a server
// whose certificate a private CA signed, that CA.
import type { Stats } from 'node:fs';
import { EarshotError } from '../../errors.js';
import { inputFileError, readBoundedTextFile } from '../../io/bounded-read.js';
import { INPUT_FILES } from '../../io/input-files.js';

/** The server's base URL: http(s), a host, no credentials, query or fragment. ERR_OPTION otherwise. */
export function parseServerUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new EarshotError(
      'ERR_OPTION',
      `Invalid --server "${text}": write the server's address as https://host:port (or http://).`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new EarshotError('ERR_OPTION', `Invalid --server "${text}": only https: and http: are supported.`);
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new EarshotError(
      'ERR_OPTION',
      `Invalid --server "${text}": give the address alone; the token goes in --token-file.`,
    );
  }
  // The API paths are resolved against the URL as against a folder (a server behind a path prefix).
  if (!url.pathname.endsWith('/')) url.pathname = `${url.pathname}/`;
  return url;
}

/**
 * Reads the agent token from `path`: its one line, as `earshot server token --agent HOST` printed it.
 * Refuses a file that every user may read or write (as ssh does for keys) and anything but one token;
 * the file is read as every input file is (io/), so a FIFO or a device is refused, not waited on.
 */
export async function readTokenFile(path: string): Promise<string> {
  const kind = INPUT_FILES.agentToken;
  // Other users reading it could push as this host; writing it, make the agent push elsewhere.
  const refuseOpenToEveryone = (stats: Stats) => {
    if ((stats.mode & 0o006) === 0) return;
    const mode = (stats.mode & 0o777).toString(8).padStart(4, '0');
    throw inputFileError(
      kind,
      path,
      `it is open to every user (mode ${mode}): run chmod 600 ${path} (or 640 for a group) and start again`,
    );
  };
  const text = (await readBoundedTextFile(path, { kind, inspect: refuseOpenToEveryone })).trim();
  if (!/^[\x21-\x7e]{16,512}$/.test(text)) {
    throw inputFileError(
      kind,
      path,
      'it must hold one token on one line (16 to 512 printable characters, no spaces), as `earshot server token --agent HOST` prints it',
    );
  }
  return text;
}

/** Reads a PEM CA certificate file for --ca, bounded as every input file is. */
export async function readCaFile(path: string): Promise<string> {
  const text = await readBoundedTextFile(path, { kind: INPUT_FILES.caCertificate });
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw inputFileError(
      INPUT_FILES.caCertificate,
      path,
      'it holds no PEM certificate ("-----BEGIN CERTIFICATE-----"); give the CA that signed the server\'s certificate',
    );
  }
  return text;
}
