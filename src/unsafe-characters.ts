// The one policy for text earshot did not write itself (banners, host names, process names and
// paths, file contents, what the user typed): which characters never reach an output raw. Each
// output writes them in its own inert form — a terminal line and XML as visible `\xNN`/`\uNNNN`,
// JSON and YAML as their own `\uXXXX` escapes, which read back to the same text.
//
// - C0 controls and DEL: cursor movement, ESC sequences (ESC ]0; retitles a terminal), BEL;
// - C1 controls U+0080–U+009F: U+009B is a one-character CSI, U+009D an OSC, on many terminals;
// - line and paragraph separators U+2028, U+2029: a new line to some viewers and JavaScript;
// - bidirectional controls (Unicode UAX #9): U+061C, U+200E, U+200F, the embeddings and overrides
//   U+202A–U+202E and the isolates U+2066–U+2069, which reorder what is shown ("Trojan Source").

/** Every character of the policy, C0 included. */
export const UNSAFE_CHARACTERS =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** The policy's characters beyond C0 and DEL: those JSON.stringify and XML leave as they are. */
export const UNSAFE_BEYOND_C0 = /[\u0080-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** True when `text` holds any character of the policy. */
export function hasUnsafeCharacters(text: string): boolean {
  UNSAFE_CHARACTERS.lastIndex = 0;
  return UNSAFE_CHARACTERS.test(text);
}

/** `\uXXXX` for one UTF-16 code unit: the form JSON, YAML and JavaScript read back. */
export function unicodeEscape(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** `\xNN` up to U+00FF, `\uNNNN` beyond: how a terminal line and XML show an unsafe character. */
export function visibleEscape(char: string): string {
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : unicodeEscape(char);
}
