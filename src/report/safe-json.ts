// JSON that is safe to print: JSON.stringify leaves C1 controls, line separators and bidirectional
// overrides raw, and some terminals act on them.

const UNSAFE_IN_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** JSON.stringify, with the characters it leaves raw that a terminal may act on written as \uXXXX. */
export function stringifySafeJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, null, indent).replace(
    UNSAFE_IN_JSON,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
