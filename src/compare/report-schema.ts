// The JSON Schemas of earshot's JSON reports (schema/earshot-scan.schema.json and
// earshot-verify.schema.json, which shares the scan schema's definitions), and validators built from
// them with ajv.
import { readFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { EarshotError } from '../errors.js';

/** Where the scan report schema lives (shipped in the package's `schema/` folder). */
export const SCAN_REPORT_SCHEMA_URL = new URL('../../schema/earshot-scan.schema.json', import.meta.url);

/** Where the verify report schema lives. */
export const VERIFY_REPORT_SCHEMA_URL = new URL('../../schema/earshot-verify.schema.json', import.meta.url);

/** Checks a parsed JSON value; returns the problems found (`/hosts/0/status: must be ...`), none when valid. */
export type ReportValidator = (value: unknown) => string[];

/** The validator of scan reports (kept under its first name). */
export type ScanReportValidator = ReportValidator;

let cached: Promise<Record<'scan' | 'verify', ReportValidator>> | undefined;

async function loadSchema(url: URL): Promise<object> {
  try {
    return JSON.parse(await readFile(url, 'utf8')) as object;
  } catch (error) {
    throw new EarshotError(
      'ERR_REPORT_READ',
      `Cannot load the report schema ${url.pathname}: ${(error as Error).message}; reinstall earshot.`,
      { cause: error },
    );
  }
}

async function buildValidators(): Promise<Record<'scan' | 'verify', ReportValidator>> {
  const [scan, verify] = await Promise.all([
    loadSchema(SCAN_REPORT_SCHEMA_URL),
    loadSchema(VERIFY_REPORT_SCHEMA_URL),
  ]);
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  ajv.addSchema(scan);
  const wrap =
    (validate: ReturnType<typeof ajv.compile>): ReportValidator =>
    (value) => {
      if (validate(value)) return [];
      return (validate.errors ?? []).map((error) => {
        const where = error.instancePath === '' ? '(top level)' : error.instancePath;
        const params = error.params as Record<string, unknown>;
        const allowed = 'allowedValues' in params ? ` ${JSON.stringify(params.allowedValues)}` : '';
        const extra = 'additionalProperty' in params ? ` "${String(params.additionalProperty)}"` : '';
        return `${where}: ${error.message ?? 'is invalid'}${allowed}${extra}`;
      });
    };
  // The verify schema refers to the scan schema's definitions by its $id, so that one is added first.
  const scanValidator = ajv.getSchema((scan as { $id: string }).$id)!;
  return { scan: wrap(scanValidator), verify: wrap(ajv.compile(verify)) };
}

/** Loads (once) the validator for earshot JSON reports of `kind`. */
export async function loadReportValidator(kind: 'scan' | 'verify'): Promise<ReportValidator> {
  cached ??= buildValidators().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return (await cached)[kind];
}

/** Loads (once) the validator for earshot scan JSON. */
export function loadScanReportValidator(): Promise<ReportValidator> {
  return loadReportValidator('scan');
}
