import { startTestEmulator, type TestEmulator } from './emulator';
import type { EmulatorOptions } from '../../../tools/emulator/server';

// Jest hooks live here, apart from emulator.ts: the benchmarks import that one, and the build
// (tsconfig.build.json) knows no jest globals.

/**
 * One emulator for a test file, back to its topology before each test: registers the jest hooks
 * (start, stop, `POST /_emulator/reset`) and answers a getter, since the emulator exists only once
 * `beforeAll` has run. Hooks a file registers after calling it run after the reset.
 */
export function emulatorPerFile(options: EmulatorOptions = {}): () => TestEmulator {
  let t: TestEmulator | undefined;
  beforeAll(async () => {
    t = await startTestEmulator(options);
  });
  afterAll(async () => t?.stop());
  beforeEach(async () => {
    await t!.control('POST', '/reset');
  });
  return () => t!;
}
