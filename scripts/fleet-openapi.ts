// Writes docs/fleet/openapi.json: the fleet server's OpenAPI description, built from the published
// JSON Schemas exactly as the server serves it at /api/openapi.json. Run: node --import tsx scripts/fleet-openapi.ts

import { writeFile } from 'node:fs/promises';
import { loadApiSchemas } from '../src/fleet/server/body-schemas.js';
import { buildOpenApi } from '../src/fleet/server/openapi.js';

const document = buildOpenApi(await loadApiSchemas());
await writeFile(
  new URL('../docs/fleet/openapi.json', import.meta.url),
  `${JSON.stringify(document, null, 2)}\n`,
);
