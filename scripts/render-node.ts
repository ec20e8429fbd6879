#!/usr/bin/env node
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dataPlaneViewOf } from '../azure/scale-set/data-plane-view';
import { forwardNameProblems, parseForwardSpec } from '../core/forward-spec';
import { DataPlaneInputError, isCidr, renderCloudInit } from '../dataplane';

/**
 * `npm run --silent render-node -- <forward.json> [--name NAME] [--nat-subnet CIDR] [--ssh-from CIDR,...]`
 * prints the cloud-init a forwarder node of that forward boots with. The file is the body of
 * `PUT /api/forwards/{name}`; the name defaults to the file's base name; the NAT subnet (the
 * Private Link Service's, the only forwarded source besides the LB probe) defaults to the sample
 * hub subnet 10.0.1.0/26. Problems go to stderr as `path: message` lines, exit code 2.
 */
const USAGE = 'usage: render-node <forward.json> [--name NAME] [--nat-subnet CIDR] [--ssh-from CIDR,...]';

function main(argv: string[]): number {
  const problems: string[] = [];
  let file: string | undefined;
  let name: string | undefined;
  let natSubnet = '10.0.1.0/26';
  let sshFrom: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--name') name = argv[++i];
    else if (a === '--nat-subnet') natSubnet = argv[++i] ?? '';
    else if (a === '--ssh-from') sshFrom = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (a.startsWith('--')) problems.push(`unknown option ${a}`);
    else if (!file) file = a;
    else problems.push(`unexpected argument ${a}`);
  }
  if (!file) problems.push('a forward spec file is required');
  if (!isCidr(natSubnet)) problems.push(`--nat-subnet: "${natSubnet}" is not an IPv4 CIDR network`);
  sshFrom.forEach((c) => isCidr(c) || problems.push(`--ssh-from: "${c}" is not an IPv4 CIDR network`));
  if (problems.length) return fail(problems, true);

  let body: unknown;
  try {
    body = JSON.parse(fs.readFileSync(file!, 'utf8'));
  } catch (err) {
    return fail([`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not valid JSON (${(err as Error).message})`}`]);
  }
  const forwardName = name ?? path.basename(file!).replace(/\.json$/i, '');
  const parsed = parseForwardSpec(body);
  const nameProblems = forwardNameProblems(forwardName).map((p) => `${p.path}: "${forwardName}" ${p.message}`);
  if (!parsed.ok || nameProblems.length) return fail([...nameProblems, ...(parsed.ok ? [] : parsed.problems.map((p) => `${p.path}: ${p.message}`))]);
  try {
    process.stdout.write(renderCloudInit(dataPlaneViewOf(forwardName, parsed.spec, natSubnet, sshFrom)));
  } catch (err) {
    if (err instanceof DataPlaneInputError) return fail(err.problems);
    throw err;
  }
  return 0;
}

function fail(lines: string[], usage = false): number {
  process.stderr.write(`${lines.join('\n')}\n${usage ? `${USAGE}\n` : ''}`);
  return 2;
}

process.exitCode = main(process.argv.slice(2));
