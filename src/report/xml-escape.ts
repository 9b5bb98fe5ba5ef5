// Makes untrusted text (hostnames, banners, process names) safe inside XML 1.0 attributes, text and
// comments: no markup injection, and no character a conforming parser must reject.
import { UNSAFE_BEYOND_C0, visibleEscape } from '../unsafe-characters.js';

// XML 1.0 §2.2 allows only #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF],
// and not even as character references, so the rest become visible `\xNN` / `\uNNNN` text.
const FORBIDDEN =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

// DEL and the rest of the policy (../unsafe-characters.ts: C1 controls, separators, bidirectional
// controls) are legal XML but mislead whoever reads the file, or the terminal that shows it.
const MISLEADING = new RegExp(`[\\u007f${UNSAFE_BEYOND_C0.source.slice(1)}`, 'g');

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  // Attribute-value normalisation (XML 1.0 §3.3.3) turns literal tabs and newlines into spaces.
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

/**
 * `text` as nmap XML can carry it: characters XML forbids, C1 controls and bidi overrides as visible
 * `\xNN` / `\uNNNN`. Two reports compare equal on this form whether they came as JSON or as XML.
 */
export function xmlRepresentable(text: string): string {
  return text.replace(FORBIDDEN, visibleEscape).replace(MISLEADING, visibleEscape);
}

/** Escapes `text` for a double- or single-quoted XML attribute value. */
export function escapeXmlAttribute(text: string): string {
  return xmlRepresentable(text).replace(/[&<>"'\t\n\r]/g, (char) => ENTITIES[char] ?? char);
}

/** Escapes `text` for XML character data (between tags); newlines and tabs stay as they are. */
export function escapeXmlText(text: string): string {
  return xmlRepresentable(text).replace(/[&<>]/g, (char) => ENTITIES[char] ?? char);
}

/** Makes `text` safe inside `<!-- -->`: no `--`, no trailing `-`, no forbidden characters. */
export function escapeXmlComment(text: string): string {
  // A comment may not contain "--" (XML 1.0 §2.5); nmap writes "-&#45;" the same way.
  return xmlRepresentable(text)
    .replace(/[\r\n]/g, ' ')
    .replace(/--/g, '-&#45;')
    .replace(/-$/, '&#45;');
}

/** Attribute values of an element; undefined ones are left out. */
export type XmlAttributes = Record<string, string | number | undefined>;

/** `<name a="1" b="2"/>` (or an opening tag with `close` = '>'), every value escaped. */
export function xmlElement(name: string, attributes: XmlAttributes, close: '/>' | '>' = '/>'): string {
  let out = `<${name}`;
  for (const [key, value] of Object.entries(attributes)) {
    if (value !== undefined) out += ` ${key}="${escapeXmlAttribute(String(value))}"`;
  }
  return out + close;
}
