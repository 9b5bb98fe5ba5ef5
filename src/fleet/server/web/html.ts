// Every value a page shows goes through one function, escapeHtml; the `html` template applies it
// to each interpolated value, so that only markup written here is markup. A process name holding
// `<script>` or a terminal escape arrives in the browser as visible text.
import { escapeXmlAttribute } from '../../../report/xml-escape.js';

const TRUSTED: unique symbol = Symbol('earshot.html');

/** Markup built by `html` (and nothing else). */
export interface Html {
  readonly [TRUSTED]: true;
  readonly text: string;
}

/**
 * Escapes text for HTML text and quoted attribute values alike: `& < > " '` as references, and
 * control characters (ESC among them), C1 controls and bidi overrides as visible `\xNN`/`\uNNNN`.
 */
export function escapeHtml(value: string): string {
  return escapeXmlAttribute(value);
}

function isHtml(value: unknown): value is Html {
  return typeof value === 'object' && value !== null && TRUSTED in value;
}

function render(value: unknown): string {
  if (value === null || value === undefined || value === false) return '';
  if (isHtml(value)) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** A tagged template: the literal parts are markup, every `${value}` is escaped (Html and arrays of it pass). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let text = strings[0] ?? '';
  for (let index = 0; index < values.length; index++)
    text += render(values[index]) + (strings[index + 1] ?? '');
  return { [TRUSTED]: true, text };
}
