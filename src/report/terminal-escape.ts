// Makes untrusted text (banners, hostnames, process names, command lines) safe to print: a peer or a
// process must never be able to move the cursor, retitle the terminal or hide a line.

const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\\]/g;

const NAMED: Record<string, string> = { '\t': '\\t', '\r': '\\r', '\\': '\\\\' };

/**
 * Escapes control characters (C0, DEL, C1), line/paragraph separators and bidirectional overrides
 * as `\xNN` / `\uNNNN`, and backslashes as `\\`, so the result is one line of inert text.
 * Newlines become `\n` too unless `keepNewlines` is set.
 */
export function escapeForTerminal(text: string, options: { keepNewlines?: boolean } = {}): string {
  const escaped = text.replace(UNSAFE, (char) => {
    const named = NAMED[char];
    if (named) return named;
    const code = char.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  return options.keepNewlines ? escaped : escaped.replace(/\n/g, '\\n');
}
