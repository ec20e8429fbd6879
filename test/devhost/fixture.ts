import * as path from 'node:path';

/** Where the compiled fixture app lives (built by `npm run build`, which `npm test` runs first). */
export const repoRoot = path.resolve(__dirname, '..', '..');
export const fixtureMain = 'dist/test/fixtures/devhost-app/*.js';
