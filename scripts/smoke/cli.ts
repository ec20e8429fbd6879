#!/usr/bin/env node
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { PROBE_RESOURCES } from '../../azure/container-group/service';
import { request } from '../kit/http';
import { apiBearerFor } from '../kit/sign-in';
import { FAST_SETTINGS, startOwnStack, stopOwnStack, type OwnStack } from '../kit/own-stack';
import { out, since, StepRunner } from '../kit/steps';
import { needsAzdEnv, PARSE_OPTIONS, parseAzdEnv, refusal, smokePlan, USAGE, type SmokeArgs, type SmokePlan } from './args';
import { azureClients, emulatorClients } from './clients';
import { costPerHour, formatCost, tableProblems, type PriceTable } from './cost';
import { cleanUp, createdOf, runStory, TIMINGS, type Made, type SmokeContext } from './story';

/**
 * `npm run smoke:azure`: proves a release on a deployed control plane by running the demo's
 * story against it (story.ts), deleting everything it made, and printing the cost per hour of
 * what it created (cost.ts, scripts/smoke/prices.json). `-- --local` runs the same steps against
 * a local stack of its own (free ports, a temporary folder, removed at the end); CI runs that.
 * The command line and where values come from: args.ts (USAGE). Exit 0 when every step behaved,
 * 1 when one did not (the cleanup ran all the same), 2 on bad usage or the refusal to start on
 * Azure without --subscription and --yes. Ctrl-C stops the story and cleans up; a second Ctrl-C
 * leaves at once, naming what may be left.
 */
const ROOT = path.resolve(__dirname, '..', '..', '..');

/** The smoke's own stack: fast settings, and the health watch on a 2-second timer (no sweep is driven by hand, as on Azure). */
export const LOCAL_SETTINGS: Readonly<Record<string, string>> = { ...FAST_SETTINGS, PLF_HEALTH_SCHEDULE: '*/2 * * * * *' };

/** The azd environment's values: from --azd-env <file>, else `azd env get-values` (no shell, 30 s). */
function readAzdEnv(file: string | undefined): Promise<{ values?: Record<string, string>; error?: string }> {
  if (file) {
    try {
      return Promise.resolve({ values: parseAzdEnv(fs.readFileSync(file, 'utf8')) });
    } catch (err) {
      return Promise.resolve({ error: `--azd-env ${file}: ${(err as Error).message}` });
    }
  }
  return new Promise((resolve) => {
    execFile('azd', ['env', 'get-values'], { cwd: ROOT, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) resolve({ error: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'azd is not installed here' : `azd env get-values failed: ${(stderr || err.message).trim().split('\n')[0]}` });
      else resolve({ values: parseAzdEnv(stdout) });
    });
  });
}

function describe(plan: SmokePlan): string {
  const probeRg = plan.probeSubnetId.split('/')[4];
  return [
    `the forward ${plan.forward} (${plan.nodes.count} × ${plan.nodes.vmSize} nodes, a load balancer and a private link service in the control plane's hub)`,
    `the private endpoint ${plan.endpointName} in ${plan.resourceGroup} (subscription ${plan.subscriptionId})`,
    `a probe container group in ${probeRg}`,
  ].join(', ');
}

async function main(argv: string[]): Promise<number> {
  let args: SmokeArgs;
  try {
    args = parseArgs({ args: argv, options: PARSE_OPTIONS, allowPositionals: false, strict: true }).values as SmokeArgs;
  } catch (err) {
    process.stderr.write(`smoke: ${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    out(`${USAGE}\n`);
    return 0;
  }
  const refused = refusal(args);
  if (refused.length) {
    process.stderr.write(`${refused.map((l) => `smoke: ${l}`).join('\n')}\n\nnpm run smoke:azure -- --help for every option\n`);
    return 2;
  }
  const azd = needsAzdEnv(args) ? await readAzdEnv(args['azd-env']) : {};
  const parsed = smokePlan(args, process.env, azd, { prices: path.join(ROOT, 'scripts/smoke/prices.json'), suffix: randomBytes(3).toString('hex') });
  if (!parsed.ok) {
    process.stderr.write(`${parsed.problems.map((p) => `smoke: ${p}`).join('\n')}\n\nnpm run smoke:azure -- --help for every option\n`);
    return 2;
  }
  const plan = parsed.plan;
  let table: PriceTable;
  try {
    table = JSON.parse(fs.readFileSync(plan.pricesFile, 'utf8')) as PriceTable;
  } catch (err) {
    process.stderr.write(`smoke: the price table ${plan.pricesFile}: ${(err as Error).message}\n`);
    return 2;
  }
  const tableWrong = tableProblems(table);
  if (tableWrong.length) {
    process.stderr.write(`${tableWrong.map((p) => `smoke: ${plan.pricesFile}: ${p}`).join('\n')}\n`);
    return 2;
  }

  const started = Date.now();
  let own: OwnStack | undefined;
  let interrupts = 0;
  const runner = new StepRunner(TIMINGS[plan.mode].pollMs);
  const made: Made = { nameWasFree: false, forwardPut: false, resources: {} };
  const onInterrupt = () => {
    interrupts++;
    if (interrupts === 1) {
      out('\nsmoke: Ctrl-C — stopping the story; deleting what it made (Ctrl-C again to leave at once)\n');
      runner.cancel('Ctrl-C');
      return;
    }
    const maybe = [made.endpoint ? `the private endpoint ${made.endpoint.name} in ${made.endpoint.resourceGroup}` : '', made.forwardPut ? `the forward ${plan.forward} (DELETE ${plan.apiUrl ?? ''}/api/forwards/${plan.forward})` : ''].filter(Boolean);
    if (own) {
      // The stack stops when this process ends anyway (it watches its parent); its folder stays.
      own.child.kill('SIGTERM');
      out(`\nsmoke: interrupted; the local stack stops, its folder ${own.dir} stays\n`);
    } else out(`\nsmoke: interrupted${maybe.length ? `; may be left: ${maybe.join('; ')}` : ''}\n`);
    process.exit(130);
  };
  process.on('SIGINT', onInterrupt);
  try {
    let clients;
    if (plan.mode === 'local') {
      out('smoke: starting its own local stack on free ports with fast settings (a running `npm start` stack is not touched)\n');
      // Its own process group: a Ctrl-C stops the story, and the cleanup still has the stack to talk to.
      own = await startOwnStack(ROOT, { prefix: 'plf-smoke-', settings: LOCAL_SETTINGS, ownProcessGroup: true });
      plan.apiUrl = own.info.devhost;
      plan.token = await apiBearerFor(own.dir, own.info, 'smoke');
      clients = emulatorClients(own.info.emulator, fs.readFileSync(own.info.caFile, 'utf8'));
      out(`${process.stdout.isTTY ? '\r\x1b[K' : ''}smoke: local stack up — API ${own.info.devhost}, emulator ${own.info.emulator} (data and log in ${own.dir}, removed at the end)\n`);
    } else {
      clients = azureClients();
      out(`smoke: Azure run against ${plan.apiUrl}\n`);
    }
    out(`smoke: creates ${describe(plan)}; deletes them at the end\n`);
    const ctx: SmokeContext = {
      plan,
      runner,
      clients,
      timings: TIMINGS[plan.mode],
      api: (method, p, body) => request(plan.apiUrl!, method, p, body, { bearer: plan.token }),
    };
    try {
      await runStory(ctx, made);
    } finally {
      runner.resume();
      await cleanUp(ctx, made);
    }
    if (made.forwardPut || made.endpoint) out(`\n${formatCost(costPerHour(table, createdOf(plan, made, PROBE_RESOURCES))).join('\n')}\n`);
    const f = runner.failures;
    out(`\n${f.length ? `smoke: ${f.length} step(s) did not behave: ${f.join('; ')}` : 'smoke: every step behaved'} (${since(started)})\n`);
    return f.length ? 1 : 0;
  } catch (err) {
    out(`\nsmoke: ${(err as Error).message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onInterrupt);
    if (own) await stopOwnStack(own);
  }
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => process.exit(code));
