// What the agent needs to talk to its server: the server's URL, the agent token (read from a file
// that other users cannot read; the token itself never appears in a message) and, for a server
// whose certificate a private CA signed, that CA.
import { open, readFile } from 'node:fs/promises';
import { EarshotError, errnoCode } from '../../errors.js';

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

/** The longest token file read (a token is ~50 characters). */
const MAX_TOKEN_FILE_BYTES = 4096;

/**
 * Reads the agent token from `path`: its one line, as `earshot server token --agent HOST` printed it.
 * Refuses a file that every user may read or write (as ssh does for keys) and anything but one token.
 */
export async function readTokenFile(path: string): Promise<string> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new EarshotError(
      'ERR_OPTION',
      `Cannot read the token file ${path} (${errnoCode(error) ?? (error as Error).message}): write the token that \`earshot server token --agent HOST\` printed into it.`,
      { cause: error },
    );
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      throw new EarshotError('ERR_OPTION', `The token file ${path} is not a regular file.`);
    }
    // Other users reading it could push as this host; writing it, make the agent push elsewhere.
    if ((stat.mode & 0o006) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new EarshotError(
        'ERR_OPTION',
        `The token file ${path} is open to every user (mode ${mode}): run chmod 600 ${path} (or 640 for a group) and start again.`,
      );
    }
    if (stat.size > MAX_TOKEN_FILE_BYTES) {
      throw new EarshotError(
        'ERR_OPTION',
        `The token file ${path} is larger than a token: it must hold one line.`,
      );
    }
    const text = (await handle.readFile({ encoding: 'utf8' })).trim();
    if (!/^[\x21-\x7e]{16,512}$/.test(text)) {
      throw new EarshotError(
        'ERR_OPTION',
        `The token file ${path} must hold one token on one line (16 to 512 printable characters, no spaces), as \`earshot server token --agent HOST\` prints it.`,
      );
    }
    return text;
  } finally {
    await handle.close();
  }
}

/** Reads a PEM CA certificate file for --ca. */
export async function readCaFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new EarshotError(
      'ERR_OPTION',
      `Cannot read the CA file ${path} (${errnoCode(error) ?? (error as Error).message}).`,
      { cause: error },
    );
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new EarshotError(
      'ERR_OPTION',
      `The CA file ${path} holds no PEM certificate ("-----BEGIN CERTIFICATE-----"): give the CA that signed the server's certificate.`,
    );
  }
  return text;
}
