// Validators of the event and history JSON, built from schema/ beside the scan and verify schemas
// they refer to (ajv, draft 2020-12, strict and without format plugins, as compare/report-schema.ts
// and the fleet server compile them).
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';

const load = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../schema/${name}`, import.meta.url), 'utf8')) as object;

const ajv = new Ajv2020({ allErrors: true, strict: true });
for (const name of ['earshot-scan.schema.json', 'earshot-verify.schema.json', 'earshot-event.schema.json'])
  ajv.addSchema(load(name));
const event = ajv.getSchema('https://earshot.invalid/schema/earshot-event.schema.json')!;
const history = ajv.compile(load('earshot-history.schema.json'));

function problems(validate: typeof event, value: unknown): string[] {
  if (validate(value)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || '(top)'}: ${error.message}`);
}

/** What is wrong with `value` as an event ([] when it is valid). */
export const eventProblems = (value: unknown) => problems(event, value);

/** What is wrong with `value` as `earshot history --json` output. */
export const historyProblems = (value: unknown) => problems(history, value);
