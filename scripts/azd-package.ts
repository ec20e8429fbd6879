#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

/**
 * Stages what `azd deploy` zips for the `api` service: azure.yaml's `prepackage` hook runs
 * `npm run build && node dist/scripts/azd-package.js` in the project folder.
 *
 * Why a staged folder (azure-dev, cli/azd, read at commit ae35809f):
 * - pkg/project/service_manager.go `Package()` restores (pkg/tools/node/node.go `npmCli.Install`:
 *   `npm install`, skipped when pkg/tools/node/detect.go `IsDependenciesUpToDate`), then fires the
 *   `prepackage` hook (`runCommand(ServiceEventPackage, ...)`), then runs
 *   pkg/project/framework_service_node.go `Package()`: `npm run build --if-present` in the project
 *   folder (node.go `npmCli.RunScript`). Dev dependencies must therefore stay in the project: a
 *   hook that prunes them breaks azd's own build (`tsc: not found`).
 * - The package root is the project folder joined with the service's `dist:` (service_config.go
 *   `OutputPath`, yaml `dist`; framework_service_node.go `Package()`), and
 *   pkg/project/service_target_functionapp.go `Package()` zips that root with
 *   pkg/project/project_utils.go `createDeployableZip()`, applying the `.funcignore` found in that
 *   root. So the root gets the compiled product, host.json, package.json, the lock and .funcignore,
 *   and production dependencies installed by `npm ci --omit=dev` of its own.
 *
 * Layout of `<dist>`: dist/<product folder>/**.js (only files compiled from a current source, so a
 * stale dist/ file of a deleted source never ships), host.json, package.json (its `main` finds
 * dist/functions), package-lock.json, .funcignore, .npmrc when the project has one, node_modules.
 * Install scripts are skipped (`--ignore-scripts`): the only production package with one is
 * protobufjs, whose postinstall only warns about version schemes.
 *
 * Errors: exits 1 with one line per problem on stderr (azure.yaml without `services.api.dist`, a
 * package folder that is not ours, compiled files missing, `npm ci` failing).
 */

/** The product's source folders: each `x.ts` (not tests) is compiled to `dist/x.js` and ships. */
export const PRODUCT_FOLDERS = ['functions', 'orchestrations', 'core', 'azure', 'store', 'dataplane'] as const;

/** Files of the project root copied as they are; the optional ones only when present. */
export const PACKAGE_FILES = ['host.json', 'package.json', 'package-lock.json', '.funcignore'] as const;
const OPTIONAL_FILES = ['.npmrc'] as const;

/** What the package folder may hold: everything this script writes, nothing else (it is emptied first). */
const STAGED_ENTRIES = new Set<string>(['dist', 'node_modules', ...PACKAGE_FILES, ...OPTIONAL_FILES]);

/** `npm ci` of the production dependencies, as in the package folder. */
export const NPM_CI_ARGS = ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'];

export class StageError extends Error {}

/** The package folder azure.yaml names for the `api` service (`dist:`), absolute; a strict subfolder of root. */
export function packageDir(root: string): string {
  const doc = parse(fs.readFileSync(path.join(root, 'azure.yaml'), 'utf8')) as { services?: { api?: { dist?: unknown } } };
  const dist = doc.services?.api?.dist;
  if (typeof dist !== 'string' || !dist.trim()) throw new StageError('azure.yaml: services.api.dist must name the package folder azd zips');
  const out = path.resolve(root, dist);
  const rel = path.relative(root, out);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) throw new StageError(`azure.yaml: services.api.dist (${dist}) must be a folder inside the project`);
  return out;
}

/** Source-relative paths (posix) of the product's compiled files: `dist/functions/health.js`, ... */
export function compiledProduct(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(child);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts')) out.push(`dist/${child.replace(/\.ts$/, '.js')}`);
    }
  };
  for (const folder of PRODUCT_FOLDERS) walk(folder);
  return out.sort();
}

/** Empties (or creates) the package folder and copies the compiled product and the root files into it. */
export function stage(root: string, out: string): void {
  if (fs.existsSync(out)) {
    const foreign = fs.readdirSync(out).filter((e) => !STAGED_ENTRIES.has(e));
    if (foreign.length) throw new StageError(`${out} holds ${foreign.join(', ')}: not a package folder this script made, not emptied`);
    fs.rmSync(out, { recursive: true, force: true });
  }
  const compiled = compiledProduct(root);
  const missing = compiled.filter((f) => !fs.existsSync(path.join(root, f)));
  if (missing.length) throw new StageError(`not compiled (run npm run build): ${missing.join(', ')}`);
  for (const f of compiled) {
    fs.mkdirSync(path.dirname(path.join(out, f)), { recursive: true });
    fs.copyFileSync(path.join(root, f), path.join(out, f));
  }
  for (const f of PACKAGE_FILES) fs.copyFileSync(path.join(root, f), path.join(out, f));
  for (const f of OPTIONAL_FILES) if (fs.existsSync(path.join(root, f))) fs.copyFileSync(path.join(root, f), path.join(out, f));
}

function main(): number {
  const root = path.resolve(__dirname, '../..');
  try {
    const out = packageDir(root);
    stage(root, out);
    const ci = spawnSync('npm', NPM_CI_ARGS, { cwd: out, stdio: 'inherit' });
    if (ci.error || ci.status !== 0) throw new StageError(`npm ${NPM_CI_ARGS.join(' ')} in ${out} failed: ${ci.error?.message ?? `exit ${ci.status}`}`);
    console.log(`azd-package: staged ${compiledProduct(root).length} compiled files and the production dependencies in ${path.relative(root, out)}/`);
    return 0;
  } catch (err) {
    if (!(err instanceof StageError)) throw err;
    console.error(`azd-package: ${err.message}`);
    return 1;
  }
}

if (require.main === module) process.exitCode = main();
