import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createDeployableZip, deployableEntries, extractZip, readZipEntries, resolveRemoteBuild } from './helpers/azd-zip';

/**
 * The replay of azd's zip (helpers/azd-zip.ts) against the branches of azure-dev's
 * project_utils.go `createDeployableZip()`, rzip.go `CreateFromDirectory()` and
 * service_target_functionapp.go `resolveFunctionAppRemoteBuild()`, one folder per situation.
 */

const made: string[] = [];
afterAll(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A fresh temporary folder, removed after the file's tests. */
function tmpDir(prefix: string): string {
  const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  made.push(d);
  return d;
}

/** A fresh folder holding `files` (path -> content; `->target` makes a symlink). */
function folder(files: Record<string, string>): string {
  const root = tmpDir('plf-azd-zip-');
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    if (content.startsWith('->')) fs.symlinkSync(content.slice(2), p);
    else fs.writeFileSync(p, content);
  }
  return root;
}

const names = (root: string, remoteBuild?: boolean): string[] => deployableEntries(root, { ignoreFile: '.funcignore', remoteBuild }).map((e) => e.name);

describe('azd zip replay: which files go in', () => {
  const cases: [string, Record<string, string>, string[], boolean | undefined][] = [
    ['a .azure folder is left out, a file named .azure is not', { '.azure/env/.env': 'x', 'a/.azure': 'x', 'host.json': '{}' }, ['a/.azure', 'host.json'], undefined],
    ['the ignore file itself is left out wherever it is', { '.funcignore': '', 'a/.funcignore': '', 'a/b.js': '' }, ['a/b.js'], undefined],
    ['local.settings.json is left out at any depth, even unlisted', { 'local.settings.json': '{}', 'a/local.settings.json': '{}', 'a/b.js': '' }, ['a/b.js'], undefined],
    ['an anchored folder rule leaves that folder out whole, not a namesake deeper down', { '.funcignore': '/tools/\n', 'tools/a.js': '', 'tools/b/c.js': '', 'x/tools/a.js': '' }, ['x/tools/a.js'], undefined],
    ['an unanchored rule matches at every depth, node_modules included', { '.funcignore': '*.map\n', 'a.js.map': '', 'node_modules/p/i.js.map': '', 'node_modules/p/i.js': '' }, ['node_modules/p/i.js'], undefined],
    ['a folder rule does not match a file of that name', { '.funcignore': 'coverage/\n', coverage: 'file', 'x/coverage/a': '' }, ['coverage'], undefined],
    ['without an ignore file node_modules is left out (azd builds remotely)', { 'node_modules/p/i.js': '', 'a.js': '' }, ['a.js'], undefined],
    ['without an ignore file but remoteBuild false node_modules ships', { 'node_modules/p/i.js': '', 'a.js': '' }, ['a.js', 'node_modules/p/i.js'], false],
    ['with an ignore file that does not name it, node_modules ships', { '.funcignore': '*.log\n', 'node_modules/p/i.js': '', 'x.log': '' }, ['node_modules/p/i.js'], undefined],
    ['rules are case-sensitive, as go-gitignore is', { '.funcignore': '*.MAP\n', 'a.map': '', 'b.MAP': '' }, ['a.map'], undefined],
    ['a UTF-8 BOM before the first rule is dropped', { '.funcignore': '\uFEFF*.log\n', 'a.log': '', 'a.js': '' }, ['a.js'], undefined],
    ['entries come in name order, files only', { 'b/z.js': '', 'a.js': '', 'b/a.js': '' }, ['a.js', 'b/a.js', 'b/z.js'], undefined],
  ];
  it.each(cases)('%s', (_situation, files, expected, remoteBuild) => {
    expect(names(folder(files), remoteBuild)).toEqual(expected);
  });

  it("a symlinked file goes in under the link's name; a symlinked folder is walked from its target, where the ignore file no longer applies", () => {
    const outside = folder({ 'lib/i.js': 'lib', 'lib/i.js.map': 'map', 'f.txt': 'text' });
    const root = folder({ '.funcignore': '*.map\n', 'linked-file': `->${path.join(outside, 'f.txt')}`, 'linked-dir': `->${path.join(outside, 'lib')}` });
    const entries = deployableEntries(root, { ignoreFile: '.funcignore' });
    expect(entries.map((e) => e.name)).toEqual(['linked-dir/i.js', 'linked-dir/i.js.map', 'linked-file']);
    expect(entries.find((e) => e.name === 'linked-file')?.source).toBe(path.join(outside, 'f.txt'));
  });
});

describe('azd zip replay: the zip file', () => {
  it('holds exactly the chosen files, byte for byte', async () => {
    const root = folder({ '.funcignore': '*.log\n', 'a.js': 'console.log(1)', 'd/b.json': '{"b":2}', 'x.log': 'no' });
    const zip = path.join(tmpDir('plf-azd-zip-out-'), 'out.zip');
    expect(await createDeployableZip(root, zip, { ignoreFile: '.funcignore' })).toBe(2);
    expect((await readZipEntries(zip)).map((e) => e.name)).toEqual(['a.js', 'd/b.json']);
    const out = tmpDir('plf-azd-unzip-');
    await extractZip(zip, out);
    expect([fs.readFileSync(path.join(out, 'a.js'), 'utf8'), fs.readFileSync(path.join(out, 'd/b.json'), 'utf8')]).toEqual(['console.log(1)', '{"b":2}']);
  });
});

describe('azd remote-build decision (the project folder ignore file and remoteBuild)', () => {
  const cases: [string, Record<string, string>, boolean | undefined, boolean | string][] = [
    ['no ignore file, remoteBuild unset: remote build', {}, undefined, true],
    ['no ignore file, remoteBuild false: none', {}, false, false],
    ['an ignore file that keeps node_modules, remoteBuild unset: none', { '.funcignore': '*.ts\n' }, undefined, false],
    ['an ignore file that excludes node_modules, remoteBuild unset: remote build', { '.funcignore': 'node_modules/\n' }, undefined, true],
    ['an ignore file that excludes node_modules, remoteBuild false: an error', { '.funcignore': 'node_modules\n' }, false, "'remoteBuild: false' cannot be used when '.funcignore' excludes node_modules"],
    ['an ignore file that keeps node_modules, remoteBuild true: an error', { '.funcignore': '*.ts\n' }, true, "'remoteBuild: true' requires '.funcignore' to exclude node_modules"],
  ];
  it.each(cases)('%s', (_situation, files, remoteBuild, expected) => {
    const decide = (): boolean => resolveRemoteBuild(folder(files), { ignoreFile: '.funcignore', remoteBuild });
    if (typeof expected === 'string') expect(decide).toThrow(expected);
    else expect(decide()).toBe(expected);
  });
});
