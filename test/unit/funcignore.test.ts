import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveMainGlob } from '../../tools/devhost/loader';

/**
 * `.funcignore` decides what the deployed package carries. This derives the files a deploy
 * would see — every tracked file, the dist/ layout the build produces from tsconfig.build.json,
 * local state and a few node_modules files — applies `.funcignore` (gitignore rules) and checks
 * that only the compiled product, host.json, package.json and the dependencies remain, and that
 * package.json's `main` still finds the functions.
 */
const ROOT = path.resolve(__dirname, '../..');

/** Compiles one gitignore line to a matcher of repository-relative paths (no negations used). */
function rule(line: string): (file: string) => boolean {
  const dirOnly = line.endsWith('/');
  let pattern = dirOnly ? line.slice(0, -1) : line;
  const anchored = pattern.startsWith('/') || pattern.slice(0, -1).includes('/');
  pattern = pattern.replace(/^\//, '');
  const body = pattern
    .split('/')
    .map((seg) => (seg === '**' ? '.*' : seg.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')))
    .join('/');
  // A directory pattern matches everything under it; a file pattern the path or a directory of it.
  const re = new RegExp(`${anchored ? '^' : '(^|/)'}${body}${dirOnly ? '/' : '(/|$)'}`);
  return (file) => re.test(file);
}

function funcignore(): (file: string) => boolean {
  const rules = fs
    .readFileSync(path.join(ROOT, '.funcignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  expect(rules.some((l) => l.startsWith('!'))).toBe(false); // the matcher here does not do negations
  const matchers = rules.map(rule);
  return (file) => matchers.some((m) => m(file));
}

/** What `npm run build` writes: each .ts under tsconfig.build.json's include -> dist/x.js (+ .map). */
function distLayout(tracked: string[]): string[] {
  const build = JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
  return tracked
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts') && build.include.some((inc) => f === inc || f.startsWith(`${inc}/`)))
    .flatMap((f) => [`dist/${f.replace(/\.ts$/, '.js')}`, `dist/${f.replace(/\.ts$/, '.js.map')}`]);
}

const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
const candidates = [
  ...tracked,
  '.funcignore',
  ...distLayout(tracked),
  '.local/azurite/__azurite_db_table__.json',
  '.local/emulator/ca.pem',
  'local.settings.json',
  'node_modules/@azure/functions/package.json',
  'node_modules/@azure/functions/dist/azure-functions.js',
  'node_modules/durable-functions/lib/src/index.js',
  'node_modules/@azure/data-tables/dist/commonjs/index.js',
];
const ignored = funcignore();
const shipped = candidates.filter((f) => !ignored(f));

describe('.funcignore', () => {
  it('ships the compiled product, host.json, package.json and the dependencies', () => {
    for (const folder of ['functions', 'orchestrations', 'core', 'azure', 'store', 'dataplane']) {
      const compiled = shipped.filter((f) => f.startsWith(`dist/${folder}/`) && f.endsWith('.js'));
      expect({ folder, compiled: compiled.length > 0 }).toEqual({ folder, compiled: true });
      // every compiled product file ships, not just some
      expect(distLayout(tracked).filter((f) => f.startsWith(`dist/${folder}/`) && f.endsWith('.js')).filter((f) => ignored(f))).toEqual([]);
    }
    expect(shipped).toEqual(expect.arrayContaining(['host.json', 'package.json', 'node_modules/@azure/functions/package.json', 'node_modules/durable-functions/lib/src/index.js']));
  });

  it('ships nothing else: no tools, tests, benchmarks, sources, infra, docs, scripts or local state', () => {
    const allowed = /^(host\.json|package\.json|node_modules\/.*|dist\/(functions|orchestrations|core|azure|store|dataplane)\/.*\.js)$/;
    expect(shipped.filter((f) => !allowed.test(f))).toEqual([]);
    for (const prefix of ['dist/tools/', 'dist/test/', 'dist/bench/', 'dist/scripts/', '.local/', 'test/', 'bench/', 'tools/', 'infra/', 'docs/', 'scripts/']) {
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
    const product = tracked.filter((f) => /^(functions|orchestrations|core|azure|store|dataplane)\/.*\.ts$/.test(f) && !f.endsWith('.test.ts'));
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
