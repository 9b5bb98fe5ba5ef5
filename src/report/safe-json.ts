// JSON that is safe to print: JSON.stringify escapes C0 controls but leaves DEL, C1 controls, line
// separators and bidirectional controls raw, and terminals act on some of them. They are written as
// \uXXXX, which JSON.parse reads back to the same text (../unsafe-characters.ts is the policy).
import { UNSAFE_BEYOND_C0, unicodeEscape } from '../unsafe-characters.js';

// DEL too: JSON allows it raw, and some terminals show it as a rubout.
const UNSAFE_IN_JSON = new RegExp(`[\\u007f${UNSAFE_BEYOND_C0.source.slice(1)}`, 'g');

/**
 * JSON.stringify, with every character of the policy that it leaves raw written as \uXXXX. The
 * result is valid JSON and parses back to `value`: the characters replaced can only occur inside
 * strings, where \uXXXX means the same.
 */
export function stringifySafeJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, null, indent).replace(UNSAFE_IN_JSON, unicodeEscape);
}
