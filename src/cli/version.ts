// earshot's version, read from package.json so that there is one place to bump it.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The version in package.json (src/cli and dist/cli both sit two levels below it). */
export const VERSION: string = (require('../../package.json') as { version: string }).version;
