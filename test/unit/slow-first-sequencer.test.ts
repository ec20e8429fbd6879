import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Test } from '@jest/test-result';
const SlowFirstSequencer = require('../helpers/slow-first-sequencer.js') as { new (options: object): { sort(tests: Test[]): Test[] }; KNOWN_SECONDS: Record<string, number> };

/**
 * jest.config.js's test order on a fresh clone (no cached timings, as in CI): the files known to
 * be longest first, slowest first, then the rest by size, largest first.
 */
const ROOT = path.resolve(__dirname, '../..');

/** A jest Test as the runner hands it over, for a repository-relative path of `bytes` bytes, without a timing cache. */
function fileTest(rel: string, bytes: number): Test {
  return { path: path.join(ROOT, rel), context: { config: { rootDir: ROOT, cache: false }, hasteFS: { getSize: () => bytes } } } as unknown as Test;
}
const order = (tests: Test[]) => new SlowFirstSequencer({}).sort(tests).map((t) => path.relative(ROOT, t.path));

it.each([
  [
    'the demo (a small file, two whole runs) starts before larger files that are quick',
    [fileTest('test/unit/big-and-quick.test.ts', 90_000), fileTest('test/e2e/demo.test.ts', 3_000)],
    ['test/e2e/demo.test.ts', 'test/unit/big-and-quick.test.ts'],
  ],
  [
    'known files by their run time, whatever their size',
    [fileTest('test/integration/connections.test.ts', 40_000), fileTest('test/deploy/packaging.test.ts', 9_000), fileTest('test/integration/probes.test.ts', 20_000)],
    ['test/deploy/packaging.test.ts', 'test/integration/probes.test.ts', 'test/integration/connections.test.ts'],
  ],
  [
    'files without a figure after every known one, largest first',
    [fileTest('test/unit/a.test.ts', 1_000), fileTest('test/unit/b.test.ts', 5_000), fileTest('test/emulator/monitor/history.test.ts', 100)],
    ['test/emulator/monitor/history.test.ts', 'test/unit/b.test.ts', 'test/unit/a.test.ts'],
  ],
])('%s', (_situation, tests, expected) => {
  expect(order(tests)).toEqual(expected);
});

it('every file with a figure exists (a renamed file would silently lose its place)', () => {
  expect(Object.keys(SlowFirstSequencer.KNOWN_SECONDS).filter((rel) => !fs.existsSync(path.join(ROOT, rel)))).toEqual([]);
});
