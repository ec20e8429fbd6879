#!/usr/bin/env node
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { AppRoles } from '../core/auth';
import { localStackToken } from '../tools/devhost/local-token';
import { localDirOf, stackFilePath } from '../tools/devhost/stack-file';

/**
 * `npm run token -- --role Forwards.Read [--role Forwards.Operate] [--minutes 60]`: prints a
 * bearer token for the running local stack as the last line of its output (stdout holds nothing
 * else: `export PLF_API_TOKEN=$(npm run --silent token -- --role Forwards.Operate)`); what it is
 * for goes to stderr. The stack is found through its folder as `npm run watch` finds it:
 * `stack.json` in PLF_LOCAL_DIR (default <repo>/.local), written by `npm start` while it runs. The
 * token is signed with that stack's local issuer key (new at every start: a restarted stack needs
 * a new token) and carries the app roles asked for; `--minutes` is its lifetime (1-1440, default
 * 60). Exit 2 on bad usage, 1 when no stack runs there. A token for a stack running with
 * PLF_AUTH=off is printed too, with a note that the stack does not ask for one.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const USAGE = `usage: npm run token -- --role ${AppRoles.reader}|${AppRoles.operator} [--role ...] [--minutes 1-1440]`;

/** The roles and lifetime asked for, or every problem with the command line. */
export function tokenArgs(argv: string[]): { ok: true; roles: string[]; minutes: number } | { ok: false; problems: string[] } {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { role: { type: 'string', multiple: true }, minutes: { type: 'string', default: '60' } } }));
  } catch (err) {
    return { ok: false, problems: [(err as Error).message] };
  }
  const known: readonly string[] = Object.values(AppRoles);
  const roles = values.role ?? [];
  const minutes = Number(values.minutes);
  const problems = [
    ...(roles.length ? [] : [`--role is missing (${known.join(' or ')})`]),
    ...roles.filter((r) => !known.includes(r)).map((r) => `--role ${r} is not an app role of the API (${known.join(', ')})`),
    ...(Number.isInteger(minutes) && minutes >= 1 && minutes <= 1440 ? [] : [`--minutes must be a whole number from 1 to 1440, got "${values.minutes}"`]),
  ];
  return problems.length ? { ok: false, problems } : { ok: true, roles: [...new Set(roles)], minutes };
}

async function main(): Promise<number> {
  const args = tokenArgs(process.argv.slice(2));
  if (!args.ok) {
    process.stderr.write(`${args.problems.map((p) => `token: ${p}`).join('\n')}\n${USAGE}\n`);
    return 2;
  }
  const localDir = localDirOf(process.env, ROOT);
  let minted;
  try {
    minted = await localStackToken(localDir, args.roles, args.minutes);
  } catch (err) {
    process.stderr.write(`token: ${(err as Error).message}\n`);
    return 1;
  }
  const until = new Date(Date.now() + args.minutes * 60_000).toISOString();
  process.stderr.write(`token: ${args.roles.join(', ')} for the stack at ${minted.devhost} (${stackFilePath(localDir)}), valid ${args.minutes} min (until ${until})\n`);
  if (minted.auth.mode !== 'entra') process.stderr.write(`token: note: that stack runs with PLF_AUTH=${minted.auth.mode} and checks no token; PLF_AUTH=entra npm start turns sign-in on\n`);
  process.stdout.write(`${minted.token}\n`);
  return 0;
}

if (require.main === module) void main().then((code) => process.exit(code));
