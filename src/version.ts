// earshot's version, read from package.json so that there is one place to bump it.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The version in package.json (src/ and dist/ both sit one level below it). */
export const VERSION: string = (require('../package.json') as { version: string }).version;
