import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { resolveMainGlob } from '../../tools/devhost/loader';
import { PRODUCT_FOLDERS, compiledProduct } from '../../scripts/azd-package';
import { createDeployableZip, extractZip, readZipEntries, resolveRemoteBuild } from './helpers/azd-zip';

/**
 * `azd deploy` of the `api` service, replayed on a copy of the repository (azure-dev cli/azd at
 * ae35809f, pkg/project/service_manager.go `Package()`):
 * 1. Restore: `npm install` unless node_modules is up to date (pkg/tools/node). Stood in for by the
 *    installed tree of this checkout, hard-linked into the copy: the "already up to date" case.
 * 2. The `prepackage` hook read from azure.yaml, as azd runs an inline `shell: sh` hook
 *    (pkg/tools/bash/bash.go `Prepare()`/`Execute()`: a temp script `#!/bin/sh`, `set -e`, the text;
 *    working folder: the service's `project`).
 * 3. `npm run build --if-present` in the project folder (framework_service_node.go `Package()`).
 * 4. The zip of `<project>/<dist>` with its `.funcignore` (helpers/azd-zip.ts), and the remote-build
 *    decision from the project's `.funcignore` and `remoteBuild`.
 * Then the zip is read back and unpacked, and Node loads every function from the unpacked folder.
 * The hook's `npm ci` needs the npm registry: without it the test skips, loudly, unless CI is set.
 */
const ROOT = path.resolve(__dirname, '../..');

interface Service {
  project?: string;
  language?: string;
  host?: string;
  dist?: string;
  remoteBuild?: boolean;
  hooks?: { prepackage?: { shell?: string; run?: string } };
}
const azureYaml = parse(fs.readFileSync(path.join(ROOT, 'azure.yaml'), 'utf8')) as { services: Record<string, Service> };
const service = azureYaml.services.api;

function registryReason(): string | undefined {
  const ping = spawnSync('npm', ['ping'], { encoding: 'utf8', timeout: 30_000 });
  if (ping.error) return `npm ping: ${ping.error.message}`;
  if (ping.status !== 0) return `npm ping exited ${ping.status}: ${(ping.stderr || ping.stdout).trim().split('\n').pop() ?? ''}`;
  return undefined;
}
const reason = registryReason();
const skip = reason !== undefined && !process.env.CI;
if (skip) console.warn(`\n*** SKIPPING the azd packaging replay: the npm registry is unreachable (${reason}). CI runs it. ***\n`);
const describeReplay = skip ? describe.skip : describe;

/** The environment azd would hand the hook: the user's, without what npm/jest add when running tests. */
function userEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|JEST_)/i.test(k) && k !== 'NODE_ENV' && k !== 'INIT_CWD'));
}

/**
 * A scratch folder on the file system of the installed node_modules (so it can be hard-linked):
 * the system's temporary folder, else the repository's git-ignored `.local/`.
 */
function scratchDir(modules: string): string {
  const base = fs.statSync(os.tmpdir()).dev === fs.statSync(modules).dev ? os.tmpdir() : path.join(ROOT, '.local');
  fs.mkdirSync(base, { recursive: true });
  return fs.mkdtempSync(path.join(base, 'plf-azd-package-'));
}

/**
 * The repository as a developer's checkout holds it (tracked and untracked, not ignored files),
 * with its installed node_modules hard-linked, never symlinked: a hook that deletes or prunes
 * there then only drops links. npm's hidden lock file, which npm rewrites in place, is a copy of
 * its own.
 */
function copyRepository(dest: string, modules: string): void {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of files) {
    const src = path.join(ROOT, f);
    if (!fs.existsSync(src)) continue; // deleted in the working tree
    fs.mkdirSync(path.dirname(path.join(dest, f)), { recursive: true });
    fs.cpSync(src, path.join(dest, f), { verbatimSymlinks: true });
  }
  const linked = spawnSync('cp', ['-al', modules, path.join(dest, 'node_modules')], { encoding: 'utf8' });
  if (linked.status !== 0) throw new Error(`cannot hard-link ${modules} into the copy: ${linked.error?.message ?? linked.stderr}`);
  const hidden = path.join(dest, 'node_modules/.package-lock.json');
  if (fs.existsSync(hidden)) {
    const text = fs.readFileSync(hidden);
    fs.unlinkSync(hidden);
    fs.writeFileSync(hidden, text);
  }
}

interface Step {
  step: string;
  status: number | null;
  output: string;
}

function run(step: string, cmd: string, args: string[], cwd: string): Step {
  const r = spawnSync(cmd, args, { cwd, env: userEnv(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 180_000 });
  return { step, status: r.error ? -1 : r.status, output: `${r.error?.message ?? ''}${r.stdout}${r.stderr}`.slice(-4000) };
}

describeReplay('azd deploy of the api service, replayed: prepackage hook, azd build, azd zip', () => {
  let tmp = '';
  let project = '';
  let packageRoot = '';
  let zipFile = '';
  let unpacked = '';
  const steps: Step[] = [];
  const timings: string[] = [];
  let entries: { name: string; size: number }[] = [];
  let names = new Set<string>();

  beforeAll(async () => {
    if (reason) throw new Error(`CI is set but the npm registry is unreachable: ${reason}`);
    const started = Date.now();
    const lap = (label: string): void => {
      timings.push(`${label} ${((Date.now() - mark) / 1000).toFixed(0)} s`);
      mark = Date.now();
    };
    let mark = started;
    const modules = fs.realpathSync(path.join(ROOT, 'node_modules'));
    tmp = scratchDir(modules);
    const checkout = path.join(tmp, 'repo');
    copyRepository(checkout, modules);
    project = path.resolve(checkout, service.project ?? '.');
    lap('copy');

    const hook = service.hooks?.prepackage;
    const script = path.join(tmp, 'prepackage.sh');
    fs.writeFileSync(script, `#!/bin/sh\nset -e\n\n# Auto generated file from Azure Developer CLI\n${hook?.run ?? 'exit 99'}\n`);
    for (const [step, cmd, args] of [
      ['prepackage hook', 'sh', [script]],
      ['azd: npm run build --if-present', 'npm', ['run', 'build', '--if-present']],
    ] as const) {
      steps.push(run(step, cmd, [...args], project));
      lap(step.startsWith('azd') ? 'azd build' : 'hook');
      if (steps[steps.length - 1].status !== 0) return;
    }

    packageRoot = path.join(project, service.dist ?? '');
    zipFile = path.join(tmp, 'private-link-forwarder-api-azddeploy.zip');
    await createDeployableZip(packageRoot, zipFile, { ignoreFile: '.funcignore', remoteBuild: service.remoteBuild });
    lap('zip');
    entries = await readZipEntries(zipFile);
    names = new Set(entries.map((e) => e.name));
    unpacked = path.join(tmp, 'unpacked');
    fs.mkdirSync(unpacked);
    unpacked = fs.realpathSync(unpacked); // require.cache holds real paths
    await extractZip(zipFile, unpacked);
    lap('read and unpack');
    const unpackedBytes = entries.reduce((n, e) => n + e.size, 0);
    console.log(
      `azd package replay: zip ${(fs.statSync(zipFile).size / 1e6).toFixed(1)} MB, ${entries.length} files ` +
        `(${(unpackedBytes / 1e6).toFixed(1)} MB unpacked); ${((Date.now() - started) / 1000).toFixed(0)} s (${timings.join(', ')})`,
    );
  }, 300_000);

  afterAll(() => {
    const started = Date.now();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    console.log(`azd package replay: scratch folder deleted in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }, 120_000);

  it('azure.yaml: a ts function service whose prepackage hook is an inline sh script and whose package folder is dist', () => {
    expect({ language: service.language, host: service.host, shell: service.hooks?.prepackage?.shell, run: typeof service.hooks?.prepackage?.run }).toEqual({ language: 'ts', host: 'function', shell: 'sh', run: 'string' });
    expect(typeof service.dist).toBe('string');
  });

  it("the hook, then azd's own npm run build --if-present, both succeed (the hook leaves the dev tools in the project)", () => {
    expect(steps.map((s) => ({ step: s.step, status: s.status, output: s.status === 0 ? '' : s.output }))).toEqual([
      { step: 'prepackage hook', status: 0, output: '' },
      { step: 'azd: npm run build --if-present', status: 0, output: '' },
    ]);
    expect(fs.existsSync(path.join(project, 'node_modules/.bin/tsc'))).toBe(true);
  });

  it('azd deploys the zip as it is: no remote build (the project .funcignore keeps node_modules, remoteBuild false)', () => {
    expect(resolveRemoteBuild(project, { ignoreFile: '.funcignore', remoteBuild: service.remoteBuild })).toBe(false);
  });

  it("the zip holds the compiled product, every function package.json's main finds, and nothing else under dist/", () => {
    const main = (JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { main: string }).main;
    const found = resolveMainGlob(unpacked, main).map((f) => path.relative(unpacked, f).split(path.sep).join('/'));
    const triggers = fs.readdirSync(path.join(project, 'functions')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => `dist/functions/${f.replace(/\.ts$/, '.js')}`);
    expect([...found].sort()).toEqual(triggers.sort());
    const dist = [...names].filter((n) => n.startsWith('dist/')).sort();
    expect(dist).toEqual(compiledProduct(project));
    expect(dist.filter((n) => !new RegExp(`^dist/(${PRODUCT_FOLDERS.join('|')})/.+\\.js$`).test(n))).toEqual([]);
  });

  it('the zip holds host.json, package.json, dist/ and node_modules/ only: no tools, tests, benchmarks, scripts, sources, local state or settings', () => {
    const top = new Set([...names].map((n) => (n.includes('/') ? `${n.split('/')[0]}/` : n)));
    expect([...top].sort()).toEqual(['dist/', 'host.json', 'node_modules/', 'package.json']);
    const forbidden = [...names].filter((n) => /(^|\/)(local\.settings\.json|\.local\/|\.funcignore$|\.npmrc$)/.test(n) || /\.(ts|mts|cts|map)$/.test(n));
    expect(forbidden).toEqual([]);
  });

  it('node_modules holds no package the lock marks dev-only (typescript, jest, @swc, eslint, azurite, ...)', () => {
    const lock = JSON.parse(fs.readFileSync(path.join(project, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; optional?: boolean }> };
    const devOnly = Object.entries(lock.packages).filter(([k, v]) => k && v.dev).map(([k]) => k);
    for (const named of ['typescript', 'jest', '@swc/core', 'eslint', 'azurite', 'playwright-core']) expect(devOnly).toContain(`node_modules/${named}`);
    const folders = new Set([...names].flatMap((n) => n.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'))));
    const shipped = devOnly.filter((k) => folders.has(k));
    expect({ zipped: names.size > 0, shipped }).toEqual({ zipped: true, shipped: [] });
  });

  it("every production dependency ships: package.json's dependencies and every non-dev, non-optional package of the lock", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const lock = JSON.parse(fs.readFileSync(path.join(project, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; optional?: boolean }> };
    const wanted = [...Object.keys(pkg.dependencies).map((d) => `node_modules/${d}`), ...Object.entries(lock.packages).filter(([k, v]) => k && !v.dev && !v.optional).map(([k]) => k)];
    expect([...new Set(wanted)].filter((k) => !names.has(`${k}/package.json`))).toEqual([]);
  });

  it('Node loads every function from the unpacked zip alone, in package.json main order, with nothing from outside it', () => {
    const main = (JSON.parse(fs.readFileSync(path.join(unpacked, 'package.json'), 'utf8')) as { main: string }).main;
    const files = resolveMainGlob(unpacked, main);
    const probe = [
      'const files = JSON.parse(process.argv[1]);',
      'for (const f of files) require(f);',
      "const outside = Object.keys(require.cache).filter((m) => !m.startsWith(process.cwd() + '/'));",
      'console.log(JSON.stringify({ loaded: files.length, outside }));',
    ].join('\n');
    const r = spawnSync(process.execPath, ['-e', probe, JSON.stringify(files)], { cwd: unpacked, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8', timeout: 60_000 });
    const last = r.stdout.trim().split('\n').pop() ?? '';
    expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr.slice(-2000) }).toEqual({ status: 0, stderr: '' });
    expect(JSON.parse(last)).toEqual({ loaded: files.length, outside: [] });
    expect(files.length).toBeGreaterThan(0);
  });
});
