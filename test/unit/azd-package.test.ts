import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PRODUCT_FOLDERS, StageError, packageDir, stage } from '../../scripts/azd-package';

/**
 * scripts/azd-package.ts, the prepackage hook's staging step, on small projects of its own (the
 * `npm ci` it then runs is covered by test/deploy/packaging.test.ts).
 */
const made: string[] = [];
afterAll(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A fresh project folder holding `files` (path -> content). */
function project(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-azd-package-'));
  made.push(root);
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  }
  return root;
}

/** A project with one source per product folder, built. */
function built(extra: Record<string, string> = {}): string {
  const files: Record<string, string> = { 'azure.yaml': 'services:\n  api:\n    dist: .azd-package\n', 'host.json': '{}', 'package.json': '{}', 'package-lock.json': '{}', '.funcignore': '*.ts\n' };
  for (const folder of PRODUCT_FOLDERS) {
    files[`${folder}/a.ts`] = '';
    files[`dist/${folder}/a.js`] = `// ${folder}`;
    files[`dist/${folder}/a.js.map`] = '{}';
  }
  return project({ ...files, ...extra });
}

function listing(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

describe('azd-package: staging the package folder', () => {
  it('copies the compiled product of the current sources and the root files, nothing else', () => {
    const root = built({
      'functions/sub/b.ts': '',
      'dist/functions/sub/b.js': '',
      'functions/a.test.ts': '',
      'dist/functions/gone.js': '// its source was deleted',
      'dist/tools/devhost/cli.js': '',
      'tools/devhost/cli.ts': '',
    });
    const out = packageDir(root);
    stage(root, out);
    expect(listing(out)).toEqual(
      ['.funcignore', 'host.json', 'package-lock.json', 'package.json', 'dist/functions/sub/b.js', ...PRODUCT_FOLDERS.map((f) => `dist/${f}/a.js`)].sort(),
    );
  });

  it('copies .npmrc when the project has one (the install there must reach the same registry)', () => {
    const root = built({ '.npmrc': 'registry=https://registry.npmjs.org/\n' });
    stage(root, packageDir(root));
    expect(fs.existsSync(path.join(root, '.azd-package/.npmrc'))).toBe(true);
  });

  it('empties a package folder it made before, stale files and all', () => {
    const root = built({ '.azd-package/dist/functions/old.js': '', '.azd-package/node_modules/x/index.js': '' });
    stage(root, packageDir(root));
    expect(listing(path.join(root, '.azd-package')).filter((f) => f.includes('old.js') || f.startsWith('node_modules/'))).toEqual([]);
  });

  const refusals: [string, Record<string, string>, string][] = [
    ['a folder holding anything it does not write (left as it is)', { '.azd-package/notes.txt': 'mine' }, 'holds notes.txt: not a package folder this script made'],
    ['a source not compiled yet', { 'core/new.ts': '' }, 'not compiled (run npm run build): dist/core/new.js'],
    ['azure.yaml without dist for the api service', { 'azure.yaml': 'services:\n  api:\n    project: .\n' }, 'services.api.dist must name the package folder'],
    ['dist naming the project folder itself', { 'azure.yaml': 'services:\n  api:\n    dist: .\n' }, 'must be a folder inside the project'],
    ['dist outside the project', { 'azure.yaml': 'services:\n  api:\n    dist: ../elsewhere\n' }, 'must be a folder inside the project'],
  ];
  it.each(refusals)('refuses %s, saying why', (_situation, extra, message) => {
    const root = built(extra);
    const attempt = (): void => stage(root, packageDir(root));
    expect(attempt).toThrow(StageError);
    expect(attempt).toThrow(message);
  });
});
