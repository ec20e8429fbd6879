import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ignore from 'ignore';
import { PACKAGE_FILES, PRODUCT_FOLDERS, compiledProduct } from '../../scripts/azd-package';
import { resolveMainGlob } from '../../tools/devhost/loader';

/**
 * `.funcignore` has two roots (see its header). azd zips the package folder the prepackage hook
 * stages (scripts/azd-package.ts) with the copy of this file found there, and reads the file in
 * the project folder only to decide on a remote build; `func` publishing from the project folder
 * applies it there. This derives the files each root holds — for the project: every tracked file,
 * the dist/ layout the build produces from tsconfig.build.json, local state and a few node_modules
 * files; for the package folder: what the staging script copies and what `npm ci` writes — applies
 * the rules (gitignore, case-sensitive as azd's go-gitignore) and checks what remains.
 * test/deploy/packaging.test.ts replays the real thing (hook, azd's build, azd's zip).
 */
const ROOT = path.resolve(__dirname, '../..');
const rules = ignore({ ignorecase: false }).add(fs.readFileSync(path.join(ROOT, '.funcignore'), 'utf8'));
const ignored = (file: string): boolean => rules.ignores(file);

/** What `npm run build` writes: each .ts under tsconfig.build.json's include -> dist/x.js (+ .map). */
function distLayout(tracked: string[]): string[] {
  const build = JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
  return tracked
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts') && build.include.some((inc) => f === inc || f.startsWith(`${inc}/`)))
    .flatMap((f) => [`dist/${f.replace(/\.ts$/, '.js')}`, `dist/${f.replace(/\.ts$/, '.js.map')}`]);
}

/** Files as npm ci lays them out in a dependency: code, declarations, sources, maps, the data they read. */
const NODE_MODULES = [
  'node_modules/@azure/functions/package.json',
  'node_modules/@azure/functions/dist/azure-functions.js',
  'node_modules/@azure/functions/types/index.d.ts',
  'node_modules/durable-functions/lib/src/index.js',
  'node_modules/durable-functions/lib/src/index.js.map',
  'node_modules/@azure/data-tables/dist/commonjs/index.js',
  'node_modules/@azure/data-tables/dist/esm/index.js',
  'node_modules/@azure/data-tables/dist/esm/index.js.map',
  'node_modules/@azure/data-tables/dist/esm/index.d.mts',
  'node_modules/@azure/data-tables/src/index.ts',
  'node_modules/protobufjs/google/protobuf/descriptor.json',
  'node_modules/.package-lock.json',
  'node_modules/.bin/uuid',
];
const CODE_OR_DATA = /^node_modules\/.*\.(js|json)$|^node_modules\/\.bin\//;

const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);

describe('.funcignore in the project folder (func publishing; azd reads it for the remote-build decision)', () => {
  const candidates = [
    ...tracked,
    '.funcignore',
    ...distLayout(tracked),
    '.local/azurite/__azurite_db_table__.json',
    '.local/emulator/ca.pem',
    'local.settings.json',
    '.npmrc',
    '.azd-package/package.json',
    '.azd-package/dist/functions/health.js',
    '.azd-package/node_modules/@azure/functions/package.json',
    ...NODE_MODULES,
  ];
  const shipped = candidates.filter((f) => !ignored(f));

  it('keeps node_modules: excluding it would switch azd to a remote build, which the package cannot do (no sources, no tsc)', () => {
    expect(ignored('node_modules/')).toBe(false);
  });

  it('ships the compiled product, host.json, package.json and the dependencies', () => {
    for (const folder of PRODUCT_FOLDERS) {
      const compiled = shipped.filter((f) => f.startsWith(`dist/${folder}/`) && f.endsWith('.js'));
      expect({ folder, compiled: compiled.length > 0 }).toEqual({ folder, compiled: true });
      // every compiled product file ships, not just some
      expect(distLayout(tracked).filter((f) => f.startsWith(`dist/${folder}/`) && f.endsWith('.js')).filter((f) => ignored(f))).toEqual([]);
    }
    expect(shipped).toEqual(expect.arrayContaining(['host.json', 'package.json', ...NODE_MODULES.filter((f) => CODE_OR_DATA.test(f))]));
  });

  it('ships nothing else: no tools, tests, benchmarks, sources, maps, infra, docs, scripts, the staged package or local state', () => {
    const allowed = new RegExp(`^(host\\.json|package\\.json|node_modules/.*|dist/(${PRODUCT_FOLDERS.join('|')})/.*\\.js)$`);
    expect(shipped.filter((f) => !allowed.test(f))).toEqual([]);
    expect(shipped.filter((f) => /\.(ts|mts|cts|map)$/.test(f))).toEqual([]);
    for (const prefix of ['dist/tools/', 'dist/test/', 'dist/bench/', 'dist/scripts/', '.local/', '.azd-package/', 'test/', 'bench/', 'tools/', 'infra/', 'docs/', 'scripts/']) {
      expect({ prefix, shipped: shipped.filter((f) => f.startsWith(prefix)) }).toEqual({ prefix, shipped: [] });
    }
  });

  it("package.json's main still finds every trigger file, and only shipped ones", () => {
    const main = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { main: string }).main;
    // Resolved as the worker's glob does (devhost mirrors it, braces included), on the built tree.
    const found = resolveMainGlob(ROOT, main).map((f) => path.relative(ROOT, f).split(path.sep).join('/'));
    const triggers = tracked.filter((f) => /^functions\/[^/]+\.ts$/.test(f)).map((f) => `dist/${f.replace(/\.ts$/, '.js')}`);
    expect([...found].sort()).toEqual(triggers.sort());
    expect(found.filter((f) => !shipped.includes(f))).toEqual([]);
  });

  it('the compiled product imports nothing that does not ship (no devhost, emulator, test or bench code)', () => {
    const product = tracked.filter((f) => new RegExp(`^(${PRODUCT_FOLDERS.join('|')})/.*\\.ts$`).test(f) && !f.endsWith('.test.ts'));
    const bad: string[] = [];
    for (const f of product) {
      for (const m of fs.readFileSync(path.join(ROOT, f), 'utf8').matchAll(/(?:from|import|require\()\s*'(\.[^']+)'/g)) {
        const target = `dist/${path.posix.normalize(path.posix.join(path.posix.dirname(f), m[1]))}`;
        const candidatesFor = [`${target}.js`, `${target}/index.js`, target];
        if (!candidatesFor.some((c) => shipped.includes(c))) bad.push(`${f} -> ${m[1]}`);
      }
    }
    expect(bad).toEqual([]);
  });
});

describe('.funcignore in the package folder azd zips (.azd-package/, staged by scripts/azd-package.ts)', () => {
  // What the staging script writes (the compiled product of the current sources, the root files)
  // and what `npm ci --omit=dev` adds there.
  const candidates = [...compiledProduct(ROOT), ...PACKAGE_FILES, '.npmrc', ...NODE_MODULES];
  const shipped = candidates.filter((f) => !ignored(f));

  it('keeps every compiled product file, host.json, package.json and the dependencies’ code and data', () => {
    expect(shipped).toEqual(expect.arrayContaining([...compiledProduct(ROOT), 'host.json', 'package.json', ...NODE_MODULES.filter((f) => CODE_OR_DATA.test(f))]));
  });

  it('leaves out the lock, itself (azd skips it too), .npmrc (it may hold a registry token) and the dependencies’ declarations, sources and maps', () => {
    expect(candidates.filter((f) => ignored(f)).sort()).toEqual(
      ['package-lock.json', '.funcignore', '.npmrc', ...NODE_MODULES.filter((f) => !CODE_OR_DATA.test(f))].sort(),
    );
  });
});
