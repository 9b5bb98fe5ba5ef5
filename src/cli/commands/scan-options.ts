// The scan command's options, turned into checked engine settings (usage errors name the option).
import { EarshotError } from '../../errors.js';
import { parseDurationMs, type TimingOptions, type TimingPreset } from '../../scan/engine/timing.js';
import type { ServiceDetectOptions } from '../../scan/service/service-detect.js';
import { parseInteger } from '../option-parsers.js';
import type { OutputFileOptions } from '../output-files.js';

/** The scan command's options as commander hands them over. */
export interface ScanCliOptions extends OutputFileOptions {
  ports?: string;
  iL?: string;
  exclude?: string;
  excludeFile?: string;
  Pn?: boolean;
  T?: string;
  maxRate?: string;
  maxRetries?: string;
  hostTimeout?: string;
  reason?: boolean;
  json?: boolean;
  allPorts?: boolean;
  output?: string;
  quiet?: boolean;
  threads?: string;
  sT?: boolean;
  sU?: boolean;
  sS?: boolean;
  osGuess?: boolean;
  sV?: boolean;
  versionIntensity?: string;
  versionTimeout?: string;
}

/** Timing overrides from -T, --max-rate, --max-retries and --host-timeout, checked. */
export function timingFrom(options: ScanCliOptions): Partial<TimingOptions> & { preset?: TimingPreset } {
  const timing: Partial<TimingOptions> & { preset?: TimingPreset } = {};
  if (options.T !== undefined)
    timing.preset = parseInteger(options.T, '-T timing template', 0, 5) as TimingPreset;
  if (options.maxRate !== undefined) {
    const rate = Number(options.maxRate);
    if (!(rate > 0) || !Number.isFinite(rate)) {
      throw new EarshotError(
        'ERR_OPTION',
        `Invalid --max-rate "${options.maxRate}": give probes per second, above 0.`,
      );
    }
    timing.maxRate = rate;
  }
  if (options.maxRetries !== undefined)
    timing.maxRetries = parseInteger(options.maxRetries, '--max-retries', 0, 50);
  if (options.hostTimeout !== undefined)
    timing.hostTimeoutMs = parseDurationMs(options.hostTimeout, '--host-timeout');
  return timing;
}

/** Service detection options from -sV and --version-*, or undefined without -sV. */
export function serviceDetectFrom(options: ScanCliOptions): ServiceDetectOptions | undefined {
  if (!options.sV) return undefined;
  const detect: ServiceDetectOptions = {};
  if (options.versionIntensity !== undefined)
    detect.intensity = parseInteger(options.versionIntensity, '--version-intensity', 0, 9);
  if (options.versionTimeout !== undefined)
    detect.portTimeoutMs = parseDurationMs(options.versionTimeout, '--version-timeout');
  return detect;
}
