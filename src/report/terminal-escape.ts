// Makes untrusted text (banners, hostnames, process names, command lines, error messages) safe to
// print: a peer or a process must never be able to move the cursor, retitle the terminal or hide a
// line. Which characters are unsafe is the one policy of ../unsafe-characters.ts.
import { UNSAFE_CHARACTERS, visibleEscape } from '../unsafe-characters.js';

// The policy's characters, and the backslash, so that an escape in the output is always ours.
const UNSAFE = new RegExp(`${UNSAFE_CHARACTERS.source.slice(0, -1)}\\\\]`, 'g');

const NAMED: Record<string, string> = { '\t': '\\t', '\r': '\\r', '\n': '\\n', '\\': '\\\\' };

/**
 * Escapes the unsafe characters (C0, DEL, C1, line/paragraph separators, bidirectional controls) as
 * `\xNN` / `\uNNNN`, and backslashes as `\\`, so the result is one line of inert text.
 * Newlines become `\n` too unless `keepNewlines` is set.
 */
export function escapeForTerminal(text: string, options: { keepNewlines?: boolean } = {}): string {
  return text.replace(UNSAFE, (char) => {
    if (char === '\n' && options.keepNewlines) return char;
    return NAMED[char] ?? visibleEscape(char);
  });
}
