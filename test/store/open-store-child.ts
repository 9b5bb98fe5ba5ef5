// Opens a store as the current user and prints the error code, or how many listeners it holds: run
// by store-errors.test.ts as another user.
import { openStore } from '../../src/store/open-store.js';

const [path, mode] = process.argv.slice(2);
try {
  const store = openStore(path!, { readOnly: mode === 'read' });
  console.log(`listeners ${store.history({ since: '1970-01-01T00:00:00.000Z' }).listeners.length}`);
  store.close();
} catch (error) {
  console.log(`${(error as { code?: string }).code} ${(error as Error).message}`);
}
