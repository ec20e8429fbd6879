import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applyLocalSettings } from '../../tools/devhost/local-settings';
import { fixtureMain, repoRoot } from './fixture';
import { startTestHost } from './harness';

/** local.settings.json `Values` become app settings, as with Core Tools; the environment wins. */
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function appDirWith(localSettings: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-devhost-app-'));
  dirs.push(dir);
  // The app is the compiled fixture; only the settings file is this folder's own.
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ main: path.join(repoRoot, fixtureMain) }));
  fs.writeFileSync(path.join(dir, 'local.settings.json'), typeof localSettings === 'string' ? localSettings : JSON.stringify(localSettings));
  return dir;
}

describe('local.settings.json', () => {
  it.each([
    ['a new setting is applied', { Values: { A: '1' } }, {}, { A: '1' }, { applied: ['A'], skipped: [] }],
    ['a setting already in the environment wins', { Values: { A: 'file' } }, { A: 'env' }, { A: 'env' }, { applied: [], skipped: ['A'] }],
    ['numbers and booleans become strings', { Values: { N: 5, B: true } }, {}, { N: '5', B: 'true' }, { applied: ['N', 'B'], skipped: [] }],
    ['no Values at all', { IsEncrypted: false }, {}, {}, { applied: [], skipped: [] }],
  ])('%s', (_s, file, envBefore, envAfter, result) => {
    const env: NodeJS.ProcessEnv = { ...envBefore };
    expect(applyLocalSettings(appDirWith(file), env)).toEqual(result);
    expect(env).toEqual(envAfter);
  });

  it.each([
    ['a file that is not JSON', '{ nope', /is not valid JSON/],
    ['Values that is not an object', { Values: ['x'] }, /"Values" must be an object/],
    ['a value that is an object', { Values: { A: { b: 1 } } }, /Values "A" must be strings/],
  ])('%s is refused naming the problem', (_s, file, message) => {
    expect(() => applyLocalSettings(appDirWith(file), {})).toThrow(message);
  });

  it('a host.json that is not JSON stops the start with a message naming the file', async () => {
    const dir = appDirWith({ Values: {} });
    fs.writeFileSync(path.join(dir, 'host.json'), '{ "version": ');
    await expect(startTestHost({ appDir: dir, main: undefined })).rejects.toThrow(`${path.join(dir, 'host.json')} is not valid JSON`);
  });

  it('the running app reads a setting from the file, and the log names how many without values', async () => {
    const host = await startTestHost({ appDir: appDirWith({ Values: { DEVHOST_FIXTURE_GREETING: 'from-local-settings' } }), main: undefined });
    try {
      const res = await fetch(`${host.url}/api/fixture/setting/DEVHOST_FIXTURE_GREETING`);
      expect(await res.json()).toEqual({ value: 'from-local-settings' });
      expect(host.lines).toContainEqual(expect.objectContaining({ message: 'local.settings.json: 1 setting(s) applied' }));
      expect(JSON.stringify(host.lines)).not.toContain('from-local-settings');
    } finally {
      await host.stop();
    }
  });
});
