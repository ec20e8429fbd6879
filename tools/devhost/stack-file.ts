import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * `<local dir>/stack.json`: where a running `npm start` stack listens, written by stack.ts once it
 * is ready and removed when it stops; the tools beside it (npm run demo, npm run watch) read it
 * here, so they agree on which stack they talk to.
 */
export interface StackInfo {
  pid: number;
  devhost: string;
  emulator: string;
  caFile: string;
  azurite?: string;
  /** The app's sign-in: its PLF_AUTH and the local issuer its PLF_AUTH_* settings name, with the file of the issuer's signing key (`npm run token` signs with it). */
  auth?: StackAuth;
}

export interface StackAuth {
  mode: string;
  issuer: string;
  audience: string;
  jwksUrl: string;
  signingKeyFile: string;
}

export const stackFilePath = (localDir: string) => path.join(localDir, 'stack.json');

/** The stack's folder: PLF_LOCAL_DIR (relative to the repository), default <repo>/.local; the same for `npm start` (stack-config.ts) and the tools beside it. */
export const localDirOf = (env: Readonly<Record<string, string | undefined>>, repoRoot: string) => path.resolve(repoRoot, env.PLF_LOCAL_DIR?.trim() || '.local');

/** The stack.json in `localDir` when it names a live process; undefined otherwise (none, unreadable or stale). */
export function readStackFile(localDir: string): StackInfo | undefined {
  try {
    const info = JSON.parse(fs.readFileSync(stackFilePath(localDir), 'utf8')) as StackInfo;
    if (typeof info.pid !== 'number' || typeof info.devhost !== 'string') return undefined;
    process.kill(info.pid, 0);
    return info;
  } catch {
    return undefined;
  }
}

/** The stack recorded in `localDir` once its API answers /api/health with 200; undefined before. */
export async function readyStack(localDir: string): Promise<StackInfo | undefined> {
  const info = readStackFile(localDir);
  if (!info) return undefined;
  try {
    const res = await fetch(`${info.devhost}/api/health`, { signal: AbortSignal.timeout(5000) });
    await res.body?.cancel();
    return res.status === 200 ? info : undefined;
  } catch {
    return undefined;
  }
}

export const DEFAULT_API_URL = 'http://127.0.0.1:7071';

/**
 * Which API a tool talks to when not told on its command line: PLF_API_URL when set (an explicit
 * choice wins), else the running stack's (stack.json in PLF_LOCAL_DIR, default <repo>/.local),
 * else the default port.
 */
export function resolveApiUrl(env: Readonly<Record<string, string | undefined>>, repoRoot: string): { url: string; from: string } {
  const fromEnv = env.PLF_API_URL?.trim();
  if (fromEnv) return { url: fromEnv.replace(/\/+$/, ''), from: 'PLF_API_URL' };
  const localDir = localDirOf(env, repoRoot);
  const info = readStackFile(localDir);
  if (info) {
    const file = stackFilePath(localDir);
    const rel = path.relative(process.cwd(), file);
    return { url: info.devhost, from: rel.startsWith('..') || path.isAbsolute(rel) ? file : rel };
  }
  return { url: DEFAULT_API_URL, from: 'the default; no running stack found' };
}

/**
 * The headers a tool sends to the API: `Authorization: Bearer $PLF_API_TOKEN` when PLF_API_TOKEN
 * is set (a stack with sign-in on, PLF_AUTH=entra; `npm run token` prints one for the local stack),
 * none otherwise.
 */
export function apiAuthHeaders(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const token = env.PLF_API_TOKEN?.trim();
  return token ? { authorization: `Bearer ${token}` } : {};
}
