import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The Bicep CLI, restored from NuGet through tools/bicep/bicep-cli.csproj (a PackageDownload of
 * the native linux-x64 binary; nothing is downloaded at run time outside `dotnet restore`).
 */
export const TOOLS_PROJECT = 'tools/bicep/bicep-cli.csproj';
export const PACKAGE_ID = 'Azure.Bicep.CommandLine.linux-x64';

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Set when the program could not be started (ENOENT: not installed). */
  error?: NodeJS.ErrnoException;
}

export function run(cmd: string, args: readonly string[], cwd?: string): Run {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' } });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ...(r.error ? { error: r.error as NodeJS.ErrnoException } : {}) };
}

/** The exact version the tools project pins (`Version="[x.y.z]"`). */
export function pinnedVersion(csproj: string): string | undefined {
  return new RegExp(`<PackageDownload\\s+Include="${PACKAGE_ID.replaceAll('.', '\\.')}"\\s+Version="\\[([0-9][^\\]]*)\\]"`).exec(csproj)?.[1];
}

/**
 * The binary's path after `dotnet restore`: the restore's package folder (project.assets.json
 * `packageFolders`, which honours NUGET_PACKAGES) / lower-case id / version / tools/bicep.
 */
export function bicepPath(assetsJson: string, version: string): string | undefined {
  const folders = Object.keys((JSON.parse(assetsJson) as { packageFolders?: Record<string, unknown> }).packageFolders ?? {});
  return folders.map((f) => path.join(f, PACKAGE_ID.toLowerCase(), version, 'tools', 'bicep')).find((p) => fs.existsSync(p));
}

/** Restores the tools project and returns the CLI's path (exec bit set), or why it cannot. */
export function restoreBicep(root: string): { ok: true; path: string } | { ok: false; problem: string } {
  const project = path.join(root, TOOLS_PROJECT);
  const version = pinnedVersion(fs.readFileSync(project, 'utf8'));
  if (!version) return { ok: false, problem: `${TOOLS_PROJECT} pins no exact ${PACKAGE_ID} version (Version="[x.y.z]")` };
  const r = run('dotnet', ['restore', project, '--nologo', '--verbosity', 'quiet']);
  if (r.status !== 0) return { ok: false, problem: `dotnet restore ${TOOLS_PROJECT} failed (exit ${r.status}):\n${r.stdout}${r.stderr}` };
  const assets = path.join(path.dirname(project), 'obj', 'project.assets.json');
  const bin = fs.existsSync(assets) ? bicepPath(fs.readFileSync(assets, 'utf8'), version) : undefined;
  if (!bin) return { ok: false, problem: `${PACKAGE_ID} ${version} restored, but no tools/bicep binary in its package folder` };
  // NuGet extracts the binary without its exec bit on some systems.
  fs.chmodSync(bin, 0o755);
  return { ok: true, path: bin };
}
