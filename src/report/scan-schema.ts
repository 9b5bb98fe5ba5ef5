// The JSON Schema of `earshot scan` JSON output (schema/earshot-scan.schema.json), and a validator
// built from it with ajv.
import { readFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { EarshotError } from '../errors.js';

/** Where the scan report schema lives (shipped in the package's `schema/` folder). */
export const SCAN_REPORT_SCHEMA_URL = new URL('../../schema/earshot-scan.schema.json', import.meta.url);

/** Checks a parsed JSON value; returns the problems found (`/hosts/0/status: must be ...`), none when valid. */
export type ScanReportValidator = (value: unknown) => string[];

let cached: Promise<ScanReportValidator> | undefined;

async function buildValidator(): Promise<ScanReportValidator> {
  let schema: unknown;
  try {
    schema = JSON.parse(await readFile(SCAN_REPORT_SCHEMA_URL, 'utf8'));
  } catch (error) {
    throw new EarshotError(
      'ERR_REPORT_READ',
      `Cannot load the scan report schema ${SCAN_REPORT_SCHEMA_URL.pathname}: ${(error as Error).message}; reinstall earshot.`,
      { cause: error },
    );
  }
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  const validate = ajv.compile(schema as object);
  return (value) => {
    if (validate(value)) return [];
    return (validate.errors ?? []).map((error) => {
      const where = error.instancePath === '' ? '(top level)' : error.instancePath;
      const allowed =
        error.params && 'allowedValues' in error.params
          ? ` ${JSON.stringify(error.params.allowedValues)}`
          : '';
      const extra =
        error.params && 'additionalProperty' in error.params
          ? ` "${String(error.params.additionalProperty)}"`
          : '';
      return `${where}: ${error.message ?? 'is invalid'}${allowed}${extra}`;
    });
  };
}

/** Loads (once) the validator for earshot scan JSON. */
export function loadScanReportValidator(): Promise<ScanReportValidator> {
  cached ??= buildValidator().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}
