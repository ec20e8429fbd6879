import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { analyzerProblems, errorRules, parseDiagnostics, probeFile } from './analyzers';
import { pinnedVersion, restoreBicep, run, TOOLS_PROJECT } from './bicep';
import { SAMPLES, bicepparamFor, type ParametersFile } from './sample-params';
import { documentedWithDefault, productSettingsRead, settingsCoverage } from './settings-read';
import { parseSnapshot } from './snapshot';
import { SIGN_IN_SETTINGS, appSettingNames, checkHubRole, checkSignIn, checkStorageNames } from './template-checks';

/**
 * `npm run check:infra`: the real Bicep compiler over infra/. Restores the Bicep CLI through
 * NuGet (tools/bicep/bicep-cli.csproj), prints its version line, builds every .bicep under infra/
 * into a temporary folder and lints it (no diagnostic of any level allowed), proves each
 * analyzer infra/bicepconfig.json sets to `error` fires (analyzers.ts), then runs
 * `bicep snapshot` of main.bicep for main.parameters.json filled with each sample environment
 * (sample-params.ts) and asserts on the predicted resources (template-checks.ts, settings-read.ts).
 * Without dotnet it skips loudly (exit 0); with CI=true a missing dotnet fails (exit 1).
 * Exit 0 when everything passed, 1 otherwise, 2 on bad arguments.
 */
const ROOT = path.resolve(__dirname, '../../..');
const rel = (p: string, from = ROOT) => path.relative(from, p).split(path.sep).join('/');

function bicepFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? bicepFiles(path.join(dir, e.name)) : e.name.endsWith('.bicep') ? [path.join(dir, e.name)] : []))
    .sort();
}

function main(): number {
  try {
    parseArgs({ args: process.argv.slice(2), options: {}, strict: true, allowPositionals: false });
  } catch (err) {
    console.error(`check:infra: ${(err as Error).message}\nusage: npm run check:infra (no arguments)`);
    return 2;
  }
  const say = (line: string) => console.log(`check:infra: ${line}`);
  const dotnet = run('dotnet', ['--version']);
  if (dotnet.error || dotnet.status !== 0) {
    const why = dotnet.error?.code === 'ENOENT' ? 'dotnet is not installed' : `dotnet --version failed (exit ${dotnet.status})`;
    if (process.env.CI === 'true') {
      console.error(`check:infra: FAILED: ${why}, and CI=true requires the Bicep checks (install the .NET SDK: the Bicep CLI is restored from NuGet through ${TOOLS_PROJECT}).`);
      return 1;
    }
    const bar = '*'.repeat(100);
    console.warn(`${bar}\n*** check:infra SKIPPED: ${why}. infra/ was NOT compiled, linted or checked.\n*** Install the .NET SDK (the Bicep CLI is restored from NuGet through ${TOOLS_PROJECT}); CI (CI=true) fails instead of skipping.\n${bar}`);
    return 0;
  }

  const problems: string[] = [];
  const fail = (where: string, list: string[]) => {
    for (const p of list) problems.push(`${where}: ${p}`);
    return list.length === 0;
  };
  const restored = restoreBicep(ROOT);
  if (!restored.ok) {
    console.error(`check:infra: FAILED: ${restored.problem}`);
    return 1;
  }
  const bicep = restored.path;
  const version = run(bicep, ['--version']);
  const versionLine = version.stdout.trim().split('\n')[0] ?? '';
  console.log(versionLine);
  const pinned = pinnedVersion(fs.readFileSync(path.join(ROOT, TOOLS_PROJECT), 'utf8'));
  const printed = /^Bicep CLI version (\d+\.\d+\.\d+)\b/.exec(versionLine)?.[1];
  fail('bicep --version', printed === pinned ? [] : [`printed "${versionLine}", expected Bicep CLI version ${pinned} (${TOOLS_PROJECT})`]);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-infra-check-'));
  try {
    // 1. Build and lint every file (one CLI run each, --pattern): clean means no diagnostic of any
    // level (a warning names a wrong property or type too).
    const files = bicepFiles(path.join(ROOT, 'infra'));
    const outDir = path.join(tmp, 'build');
    const b = run(bicep, ['build', '--pattern', 'infra/**/*.bicep', '--outdir', outDir], ROOT);
    const l = run(bicep, ['lint', '--pattern', 'infra/**/*.bicep'], ROOT);
    const byFile = (output: string, status: number | null, what: string) => {
      const lines = output.split('\n').filter((x) => x.trim());
      const diagnostics = parseDiagnostics(output);
      const stray = lines.filter((x) => !parseDiagnostics(x).length);
      if (status !== 0 && !diagnostics.length) stray.push(`${what} exit ${status}`);
      fail(what, stray);
      return (file: string) => diagnostics.filter((d) => path.resolve(ROOT, d.file) === file).map((d) => `${d.level} ${d.code} (${d.line},${d.column}): ${d.message}`);
    };
    const built = byFile(b.stdout + b.stderr, b.status, 'bicep build --pattern infra/**/*.bicep');
    const linted = byFile(l.stdout + l.stderr, l.status, 'bicep lint --pattern infra/**/*.bicep');
    for (const file of files) {
      const out = path.join(outDir, rel(file, path.join(ROOT, 'infra')).replace(/\.bicep$/, '.json'));
      const json = fs.existsSync(out) ? (JSON.parse(fs.readFileSync(out, 'utf8')) as { resources?: unknown }) : undefined;
      const bOk = fail(`build ${rel(file)}`, [...(json ? [] : ['no compiled template']), ...built(file)]);
      const lOk = fail(`lint ${rel(file)}`, linted(file));
      const count = Array.isArray(json?.resources) ? json.resources.length : Object.keys(json?.resources ?? {}).length;
      say(`${rel(file)}: build ${bOk ? `ok (${count} resources)` : 'FAILED'}, lint ${lOk ? 'clean' : 'FAILED'}`);
    }

    // 2. The analyzers at `error` fire on their probes, with infra's bicepconfig.json.
    const configPath = path.join(ROOT, 'infra', 'bicepconfig.json');
    const enabled = errorRules(JSON.parse(fs.readFileSync(configPath, 'utf8')));
    const probe = probeFile(enabled);
    const probeDir = path.join(tmp, 'probe');
    fs.mkdirSync(probeDir);
    fs.copyFileSync(configPath, path.join(probeDir, 'bicepconfig.json'));
    fs.writeFileSync(path.join(probeDir, 'probe.bicep'), probe.text);
    const pl = run(bicep, ['lint', path.join(probeDir, 'probe.bicep')]);
    const aOk = fail('analyzers', analyzerProblems(enabled, probe.lines, parseDiagnostics(pl.stdout + pl.stderr)));
    say(`analyzers at error in infra/bicepconfig.json: ${enabled.length}, ${aOk ? 'each reported on its probe' : 'FAILED'}: ${enabled.join(', ')}`);

    // 3. main.bicep's predicted deployment for main.parameters.json, per sample environment.
    const parameters = JSON.parse(fs.readFileSync(path.join(ROOT, 'infra', 'main.parameters.json'), 'utf8')) as ParametersFile;
    const roles = JSON.parse(fs.readFileSync(path.join(ROOT, 'infra', 'roles.json'), 'utf8')) as { hub: { actions: string[]; linkedActions: string[] } };
    const read = productSettingsRead(ROOT);
    const documented = documentedWithDefault(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
    for (const [i, sample] of SAMPLES.entries()) {
      const dir = path.join(tmp, `snapshot-${i + 1}`);
      fs.mkdirSync(dir);
      const where = `sample ${i + 1} (${sample.title})`;
      const param = bicepparamFor(path.relative(dir, path.join(ROOT, 'infra', 'main.bicep')), parameters, sample.env);
      if (!fail(where, param.problems)) continue;
      fs.writeFileSync(path.join(dir, 'main.bicepparam'), param.text);
      const s = run(bicep, ['snapshot', path.join(dir, 'main.bicepparam'), '--subscription-id', sample.subscriptionId, '--resource-group', sample.resourceGroup, '--location', sample.location, '--tenant-id', sample.tenantId]);
      const file = path.join(dir, 'main.snapshot.json');
      if (!fail(where, s.status === 0 && fs.existsSync(file) ? [] : [`bicep snapshot failed (exit ${s.status}): ${(s.stdout + s.stderr).trim()}`])) continue;
      const snapshot = parseSnapshot(fs.readFileSync(file, 'utf8'));
      const accounts = snapshot.predictedResources.filter((r) => r.type === 'Microsoft.Storage/storageAccounts').map((r) => r.name);
      const coverage = settingsCoverage(read, appSettingNames(snapshot), { required: SIGN_IN_SETTINGS, documented });
      const checks: [string, string, string[]][] = [
        ['snapshot', 'no diagnostics', snapshot.diagnostics.map((d) => JSON.stringify(d))],
        ['(a)', `storage account name ${accounts.join(', ')} for prefix "${sample.env.PLF_NAME_PREFIX}"`, checkStorageNames(snapshot)],
        ['(b, e)', `hub role in ${sample.env.PLF_HUB_RESOURCE_GROUP} of the hub subnet's subscription, actions = roles.json hub (${roles.hub.actions.length} + ${roles.hub.linkedActions.length} linked)`, checkHubRole(snapshot, sample, roles.hub)],
        ['(c)', 'Easy Auth: 401, token store, excluded paths; PLF_AUTH=entra with issuer, audience, keys; sign-in URL and redirect URI outputs', checkSignIn(snapshot, sample)],
        ['(d)', `app settings: ${read.size} read by the product: ${coverage.set.length} set by main.bicep, ${coverage.localOnly.length} local-only (${coverage.localOnly.join(', ')}), ${coverage.defaults.length} left to their documented code default`, coverage.problems],
      ];
      say(`${where}: ${snapshot.predictedResources.length} predicted resources`);
      for (const [key, title, list] of checks) {
        const ok = fail(`sample ${i + 1} ${key}`, list);
        console.log(`  ${ok ? 'ok    ' : 'FAILED'} ${key} ${title}`);
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  if (problems.length) {
    console.error(`check:infra: FAILED, ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    return 1;
  }
  say('passed');
  return 0;
}

process.exitCode = main();
