// The push API's bodies, checked against the JSON Schemas earshot publishes: a snapshot is verify's
// JSON report (schema/earshot-verify.schema.json) plus a report id; an event is what watch emits
// (schema/earshot-event.schema.json). The same schemas make the OpenAPI description.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { EarshotError } from '../../errors.js';

/** Where the published schemas live (the package's `schema/` folder). */
export const SCHEMA_DIR = new URL('../../../schema/', import.meta.url);

/** The id clients choose for a report or event: retried with the same id, it is stored once. */
export const PUSH_ID_SCHEMA = {
  type: 'string',
  minLength: 1,
  maxLength: 128,
  pattern: '^[A-Za-z0-9._:-]+$',
  description:
    'Chosen by the agent (a UUID, say); a report or event sent again with the same id is stored once.',
} as const;

/** Every schema the API speaks, by name, as OpenAPI and the validators use them. */
export interface ApiSchemas {
  scan: { $id: string } & Record<string, unknown>;
  verify: { $id: string } & Record<string, unknown>;
  event: { $id: string } & Record<string, unknown>;
  snapshot: Record<string, unknown>;
  eventBatch: Record<string, unknown>;
}

/** The most events one push may carry. */
export const MAX_EVENTS_PER_PUSH = 1000;

async function readSchema(path: string): Promise<{ $id: string } & Record<string, unknown>> {
  let schema: Record<string, unknown>;
  try {
    schema = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new EarshotError(
      'ERR_SERVER',
      `Cannot load the JSON Schema ${path}: ${(error as Error).message}; reinstall earshot.`,
      { cause: error },
    );
  }
  if (typeof schema.$id !== 'string') {
    throw new EarshotError('ERR_SERVER', `The JSON Schema ${path} has no $id; reinstall earshot.`);
  }
  return schema as { $id: string } & Record<string, unknown>;
}

/** Loads the published schemas and composes the push bodies from them. */
export async function loadApiSchemas(): Promise<ApiSchemas> {
  const read = (name: string) => readSchema(fileURLToPath(new URL(name, SCHEMA_DIR)));
  const [scan, verify, event] = await Promise.all([
    read('earshot-scan.schema.json'),
    read('earshot-verify.schema.json'),
    read('earshot-event.schema.json'),
  ]);
  const snapshot = {
    $id: 'https://earshot.invalid/schema/earshot-agent-snapshot.schema.json',
    title: 'agent snapshot',
    description: "An agent's snapshot: the verify report of its host and the id it chose for it.",
    type: 'object',
    additionalProperties: false,
    required: ['reportId', 'report'],
    properties: { reportId: PUSH_ID_SCHEMA, report: { $ref: verify.$id } },
  };
  const eventBatch = {
    $id: 'https://earshot.invalid/schema/earshot-agent-events.schema.json',
    title: 'agent events',
    description: "Events of the agent's host, oldest first, each with the id the agent chose for it.",
    type: 'object',
    additionalProperties: false,
    required: ['events'],
    properties: {
      host: {
        type: 'string',
        description: "The sending host's name; when given it must be the token's host.",
      },
      events: {
        type: 'array',
        minItems: 1,
        maxItems: MAX_EVENTS_PER_PUSH,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['eventId', 'event'],
          properties: { eventId: PUSH_ID_SCHEMA, event: { $ref: event.$id } },
        },
      },
    },
  };
  return { scan, verify, event, snapshot, eventBatch };
}

/** The first problem of an invalid body: where (a JSON pointer) and what. */
export interface BodyProblem {
  path: string;
  message: string;
}

/** Checks a parsed body; null when it is valid. */
export type BodyValidator = (body: unknown) => BodyProblem | null;

/** Compiles the snapshot and event-batch validators. */
export function compileBodyValidators(schemas: ApiSchemas): {
  snapshot: BodyValidator;
  eventBatch: BodyValidator;
} {
  // allErrors off: the first problem is what the reply names, and a valid body is checked faster.
  const ajv = new Ajv2020({ allErrors: false, strict: true });
  ajv.addSchema(schemas.scan);
  ajv.addSchema(schemas.verify);
  ajv.addSchema(schemas.event);
  const wrap =
    (validate: ReturnType<typeof ajv.compile>): BodyValidator =>
    (body) => {
      if (validate(body)) return null;
      const error = validate.errors?.[0];
      const path = error?.instancePath || '/';
      const params = (error?.params ?? {}) as Record<string, unknown>;
      const detail =
        'additionalProperty' in params
          ? ` "${String(params.additionalProperty)}"`
          : 'allowedValues' in params
            ? ` ${JSON.stringify(params.allowedValues)}`
            : '';
      return { path, message: `${path}: ${error?.message ?? 'is invalid'}${detail}` };
    };
  return { snapshot: wrap(ajv.compile(schemas.snapshot)), eventBatch: wrap(ajv.compile(schemas.eventBatch)) };
}

// PostgreSQL's text and jsonb cannot hold U+0000, and UTF-8 has no encoding for an unpaired UTF-16
// surrogate: a string holding either fails in the database, so it is refused before it gets there.
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// In JSON text decoded from UTF-8 both can only arrive as \u escapes: without one, no walk is needed.
const MAY_HOLD_UNSTORABLE = /\\u(?:0000|d[89a-f])/i;

/** True when PostgreSQL can store `text`: no U+0000 and no unpaired surrogate. */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !UNPAIRED_SURROGATE.test(text);
}

/** The JSON pointer of the first key or string of a parsed JSON body that PostgreSQL cannot store, or null. */
export function unstorableTextPath(json: string, body: unknown): string | null {
  if (!MAY_HOLD_UNSTORABLE.test(json)) return null;
  // A stack, not recursion: a body may nest as deep as 2 MB of brackets allows.
  const stack: { value: unknown; path: string }[] = [{ value: body, path: '' }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      if (!isStorableText(value)) return path || '/';
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: `${path}/${i}` });
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value).reverse()) {
        const at = `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
        if (!isStorableText(key)) return at;
        stack.push({ value: item, path: at });
      }
    }
  }
  return null;
}
