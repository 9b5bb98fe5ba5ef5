// Writes docs/fleet-openapi.json: the fleet server's OpenAPI description, built from the published
// JSON Schemas exactly as the server serves it at /api/openapi.json. Run: node --import tsx scripts/fleet-openapi.ts

import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { EVENT_SCHEMA_PATH, loadApiSchemas } from '../src/fleet/server/body-schemas.js';
import { buildOpenApi } from '../src/fleet/server/openapi.js';

// Until watch publishes the event schema, the tests' stand-in describes events.
const eventSchema = existsSync(EVENT_SCHEMA_PATH)
  ? EVENT_SCHEMA_PATH
  : fileURLToPath(new URL('../test/fleet/fixtures/earshot-event.schema.json', import.meta.url));
const document = buildOpenApi(await loadApiSchemas(eventSchema));
await writeFile(
  new URL('../docs/fleet-openapi.json', import.meta.url),
  `${JSON.stringify(document, null, 2)}\n`,
);
