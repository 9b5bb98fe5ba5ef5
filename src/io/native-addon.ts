// Loads earshot's optional N-API addons, which `npm install` builds into build/Release
// (scripts/build-native.mjs). earshot runs without them: a missing or broken addon comes back as the
// reason it is unavailable, quoting what the build recorded when it failed.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { errnoCode } from '../errors.js';

const releaseUrl = new URL('../../build/Release/', import.meta.url);
const buildErrorPath = fileURLToPath(new URL('../../build/native-build-error.txt', import.meta.url));

/** Where `npm install` builds the addon `name` (bind_probe, raw_tcp, sock_diag). */
export function nativeAddonPath(name: string): string {
  return fileURLToPath(new URL(`${name}.node`, releaseUrl));
}

// By path, a failure too: the bind witness asks for its addon once per probe, four probes a verify.
const loaded = new Map<string, unknown>();

/**
 * Loads the addon at `path` once; a string is the reason it is unavailable, with how to fix it.
 */
export function loadNativeAddon<Addon>(path: string): Addon | string {
  let addon = loaded.get(path) as Addon | string | undefined;
  if (addon === undefined) {
    addon = tryLoad<Addon>(path);
    loaded.set(path, addon);
  }
  return addon;
}

function tryLoad<Addon>(path: string): Addon | string {
  try {
    return createRequire(import.meta.url)(path) as Addon;
  } catch (error) {
    if (errnoCode(error) !== 'MODULE_NOT_FOUND') {
      return `native addon does not load (${(error as Error).message.split('\n')[0]}); run "npm rebuild"`;
    }
    let buildSaid = '';
    try {
      if (path.startsWith(fileURLToPath(releaseUrl))) {
        buildSaid = readFileSync(buildErrorPath, 'utf8').split('\n')[0] ?? '';
      }
    } catch {
      // No record of a failed build: the install step never ran (npm install --ignore-scripts).
    }
    return `native addon not built: ${buildSaid || 'run "npm rebuild" with a C compiler (apt-get install build-essential)'}`;
  }
}
