#!/usr/bin/env node
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { Forward } from '../core/responses/forward';
import type { StackInfo } from '../tools/devhost/stack-file';
import { request } from './kit/http';
import { FAST_SETTINGS, startOwnStack, stopOwnStack, type OwnStack } from './kit/own-stack';
import { apiBearerFor } from './kit/sign-in';
import { advanceStackClock } from './kit/stack-clock';
import { out, since, StepRunner } from './kit/steps';

/**
 * `npm run demo [-- --keep] [--fast-clock]`: the whole story once, on the embedded default (the local stack):
 * a forward reaches Ready; an allowed consumer's endpoint is approved and named, a foreign one
 * left pending; the spoke reaches a target by name; a probe runs from the spoke; a broken node is
 * recycled; every target down is recognised as an outage with nothing recycled; the forward is
 * deleted and nothing is left.
 * Always starts its own stack, on free ports with the fast settings it needs and its data in a
 * temporary folder, so it never changes or depends on a stack the user runs (`npm start`: its
 * forwards, its DNS names, its settings). At the end it stops that stack and removes the folder;
 * `--keep` leaves both, skips the delete step (so the status page it prints has the forward and
 * its consumers to show) and prints the status page URL and the folder. Every step prints
 * what it did, what the product answered and how long it took, with a progress line while it
 * waits; the exit code is non-zero when any step did not behave. A tool beside the product: it
 * talks to the public API and to the emulator's control API only.
 *
 * `--fast-clock`: its stack runs on the controllable clock (PLF_STACK_CLOCK=controllable: the
 * emulator's and devhost's, with Azure's PT1M metric grain) and wherever the story waits for time
 * to pass (a metric grain, the watch through an outage) it moves that clock instead
 * (kit/stack-clock.ts) and prints each jump (`⏩`); the rest (LROs, polls, events) runs in real
 * time as without it. Without it the health steps wait on the local 5-second grain in real time.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const HUB = { sub: '00000000-0000-0000-0000-00000000a001', rg: 'rg-hub' };
const SPOKE = '/subscriptions/00000000-0000-0000-0000-00000000c001/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke/subnets/linked';
const SPOKE_JUMP = '/subscriptions/00000000-0000-0000-0000-00000000c001/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke/subnets/jump';
const SPOKE2 = '/subscriptions/00000000-0000-0000-0000-00000000c002/resourceGroups/rg-spoke2/providers/Microsoft.Network/virtualNetworks/vnet-spoke2/subnets/linked';
const FORWARD = 'demo-web';

/**
 * --fast-clock: the fast settings on the controllable clock (PLF_STACK_CLOCK, Azure's PT1M grain and
 * the app's metric delay of 180 s); the health window back at the app's default 900 s, since it
 * must exceed that delay by two grains (core/app-settings.ts; FAST_SETTINGS' 120 s fits 5 s grains).
 */
const FAST_CLOCK_SETTINGS: Readonly<Record<string, string>> = { ...FAST_SETTINGS, PLF_STACK_CLOCK: 'controllable', PLF_HEALTH_WINDOW_SECONDS: '900' };

/**
 * The demo's story on its stack: the API (a bearer token when one is given or its stack signs in) and the
 * emulator's control API and ARM front door (its CA trusted, the demo's own ARM token).
 */
class Demo extends StepRunner {
  /** `token`: the API's bearer token (kit/sign-in.ts), undefined when its stack has sign-in off. `fastClock`: its stack runs on the controllable clock. */
  constructor(readonly stack: StackInfo, readonly ca: Buffer, readonly token: string | undefined, readonly fastClock: boolean) {
    super();
  }
  /**
   * Moves the stack's clock `seconds` forward (emulator first, then devhost; kit/stack-clock.ts) and
   * prints it, with `why` (e.g. `one metric grain`). Only with --fast-clock.
   */
  async advance(seconds: number, why: string): Promise<void> {
    let offsetMs = (((await this.emu('GET', '/_emulator/clock')).body as { offsetSeconds: number }).offsetSeconds) * 1000;
    await advanceStackClock({
      advanceEmulator: async (ms) => {
        const r = await this.emu('POST', '/_emulator/clock/advance', { seconds: ms / 1000 });
        if (r.status !== 200) throw new Error(`the emulator refused the advance: ${r.status} ${JSON.stringify(r.body)}`);
        offsetMs = Math.round((r.body as { offsetSeconds: number }).offsetSeconds * 1000);
      },
      emulatorOffsetMs: () => offsetMs,
      // The emulator runs on this machine's clock plus its offset.
      emulatorNow: () => Date.now() + offsetMs,
      devhost: (method, p, body) => this.api(method, p, body),
    }, seconds);
    out(`  ⏩ advanced the stack's clock ${seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`} (${why}) instead of waiting\n`);
  }
  api(method: string, p: string, body?: unknown) {
    return request(this.stack.devhost, method, p, body, { bearer: this.token });
  }
  emu(method: string, p: string, body?: unknown) {
    return request(this.stack.emulator, method, p, body, { ca: this.ca, ...(p.startsWith('/subscriptions/') ? { bearer: 'demo' } : {}) });
  }
}


/** `keep`: the stack stays for a look at the status page, so the forward and its endpoints stay too. */
async function story(d: Demo, keep: boolean): Promise<void> {
  const example = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples/onprem-web.json'), 'utf8')) as { consumers: Record<string, unknown> } & Record<string, unknown>;
  const spec = { ...example, consumers: { ...example.consumers, visibleTo: ['00000000-0000-0000-0000-00000000c001', '00000000-0000-0000-0000-00000000c002'] } };
  const get = async () => (await d.api('GET', `/api/forwards/${FORWARD}`)).body as Forward;
  const plsId = `/subscriptions/${HUB.sub}/resourceGroups/${HUB.rg}/providers/Microsoft.Network/privateLinkServices/plf-${FORWARD}-pls`;
  const conn = (b: Forward, pe: string) => b.status.connections?.find((c) => c.privateEndpointId.endsWith(`/${pe}`));

  const created = await d.step(`create the forward ${FORWARD} (examples/onprem-web.json, visible to both consumer subscriptions)`, async () => {
    const r = await d.api('PUT', `/api/forwards/${FORWARD}`, spec);
    if (r.status !== 202 && r.status !== 200) throw new Error(`PUT answered ${r.status}: ${JSON.stringify(r.body)}`);
    out(`  PUT /api/forwards/${FORWARD} -> ${r.status}\n`);
    const b = await d.until('phase Ready', async () => {
      const x = await get();
      return x.status?.phase === 'Ready' && x.status.observedGeneration >= 1 ? x : undefined;
    });
    return `Ready: alias ${b.status.privateLinkServiceAlias}, ${b.status.nodes.length} nodes ${b.status.nodes.map((n) => `${n.instanceId}=${n.health}`).join(' ')}`;
  });
  if (!created) return;

  await d.step('an allowed consumer (spoke, subscription c001) creates a private endpoint: approved and named', async () => {
    const r = await d.emu('POST', '/_emulator/consumer-endpoints', { subnetId: SPOKE, name: 'pe-demo-allowed', privateLinkServiceId: plsId });
    if (r.status >= 300) throw new Error(`endpoint creation answered ${r.status}: ${JSON.stringify(r.body)}`);
    const c = await d.until('Approved with its A record', async () => {
      const x = conn(await get(), 'pe-demo-allowed');
      return x?.state === 'Approved' && x.dns?.[0]?.state === 'written' ? x : undefined;
    }, 30_000);
    return `${c.state}: ${c.reason}; ${c.dns![0].fqdn} -> ${c.dns![0].ip}`;
  });

  await d.step('a foreign consumer (spoke2, subscription c002, not in the allow list) creates one: left pending', async () => {
    const r = await d.emu('POST', '/_emulator/consumer-endpoints', { subnetId: SPOKE2, name: 'pe-demo-foreign', privateLinkServiceId: plsId });
    if (r.status >= 300) throw new Error(`endpoint creation answered ${r.status}: ${JSON.stringify(r.body)}`);
    const c = await d.until('a decision', async () => {
      const x = conn(await get(), 'pe-demo-foreign');
      return x?.reason ? x : undefined;
    }, 30_000);
    if (c.state !== 'Pending') throw new Error(`expected Pending, got ${c.state}: ${c.reason}`);
    return `${c.state}: ${c.reason}`;
  });

  await d.step('the spoke reaches the on-prem service by name (emulated data path from the spoke jump subnet)', async () => {
    const r = await d.emu('POST', '/_emulator/datapath', { fromSubnetId: SPOKE_JUMP, host: 'onprem-server.internal.net', port: 8000 });
    const v = r.body as { reachable: boolean; reason?: string; target?: string; hops?: { hop: string; ok: boolean }[] };
    if (!v.reachable) throw new Error(`not reachable: ${v.reason}`);
    return `reachable: ${v.hops?.map((h) => h.hop).join(' -> ')} -> ${v.target}`;
  });

  await d.step('a probe runs from the spoke: a short-lived container instance connects to the name', async () => {
    const r = await d.api('POST', `/api/forwards/${FORWARD}/probes/run`);
    if (r.status !== 202) throw new Error(`POST .../probes/run answered ${r.status}: ${JSON.stringify(r.body)}`);
    const runId = (r.body as { runId: string }).runId;
    out(`  POST /api/forwards/${FORWARD}/probes/run -> 202 (run ${runId})\n`);
    const result = await d.until('the run to finish', async () => {
      const x = (await d.api('GET', `/api/forwards/${FORWARD}/probes/runs/${runId}`)).body as { result?: { outcome: string; host?: string; ports: { port: number; ok: boolean; latencyMs?: number; stage?: string; detail: string }[] } };
      return x.result;
    }, 60_000);
    if (result.outcome !== 'ok') throw new Error(`outcome ${result.outcome}: ${result.ports.map((p) => `${p.port} ${p.stage ?? ''} ${p.detail}`).join('; ')}`);
    return `ok: ${result.ports.map((p) => `${result.host}:${p.port} in ${p.latencyMs} ms`).join(', ')}`;
  });

  // Health: sweeps are driven through devhost's admin endpoint (so the demo does not wait for the
  // schedule), on the emulator's 5-second metric grain (restored afterwards) in real time; with
  // --fast-clock on Azure's minute, each sweep after moving the clock one grain.
  const grain = ((await d.emu('GET', '/_emulator/settings')).body as { metricGrainSeconds?: number | null } | undefined)?.metricGrainSeconds ?? null;
  if (!d.fastClock) await d.emu('PUT', '/_emulator/settings', { metricGrainSeconds: 5 });
  // Between two sweeps: real time to let a 5 s grain pass; with --fast-clock each sweep moves the clock a grain itself.
  const grainEveryMs = d.fastClock ? 10 : d.pollMs;
  const sweep = async () => {
    if (d.fastClock) await d.advance(60, 'one metric grain');
    return d.api('POST', '/admin/functions/healthSweep', {});
  };
  const actionsNow = async () => (((await d.api('GET', `/api/forwards/${FORWARD}/actions?top=100`)).body as { value?: { time: string; action: string; target: string; reason: string }[] }).value ?? []);
  const recycles = (list: { action: string }[]) => list.filter((a) => ['reimage', 'replace'].includes(a.action)).length;
  const condition = (b: Forward, type: string) => b.status.conditions.find((c) => c.type === type);

  await d.step('a forwarder node breaks: the health watch recycles it (reimage) and it is healthy again', async () => {
    const node = (await get()).status.nodes[0];
    if (!node?.ip) throw new Error('no node to break');
    const r = await d.emu('POST', '/_emulator/nodes/break', { target: node.ip });
    if (r.status !== 200) throw new Error(`break answered ${r.status}`);
    out(`  node ${node.instanceId} (${node.ip}) broken through the emulator\n`);
    const recycled = await d.until('the node recycled', async () => {
      await sweep();
      const a = (await actionsNow()).find((x) => ['reimage', 'replace'].includes(x.action));
      return a;
    }, 180_000, grainEveryMs);
    out(`  action ${recycled.action} ${recycled.target}: ${recycled.reason}\n`);
    const b = await d.until('every node healthy again', async () => {
      await sweep();
      const x = await get();
      return x.status.nodes.length === 2 && x.status.nodes.every((n) => n.health === 'healthy') && condition(x, 'NodesHealthy')?.status === 'True' ? x : undefined;
    }, 180_000, grainEveryMs);
    return `recycled by ${recycled.action}; nodes ${b.status.nodes.map((n) => `${n.instanceId}=${n.health}`).join(' ')}`;
  });

  await d.step('every target goes down: recognised as a target outage, nothing recycled; back up: cleared', async () => {
    const before = recycles(await actionsNow());
    for (const ip of ['192.168.42.65', '192.168.42.66']) await d.emu('POST', `/_emulator/targets/${ip}/down`);
    try {
      const c = await d.until('TargetsReachable False (TargetOutage)', async () => {
        await sweep();
        const x = condition(await get(), 'TargetsReachable');
        return x?.status === 'False' && x.reason === 'TargetOutage' ? x : undefined;
      }, 120_000, grainEveryMs);
      out(`  TargetsReachable ${c.status} ${c.reason}: ${c.message}\n`);
      // The watch goes on through the outage (three more sweeps, a grain or 2 s apart): still nothing recycled.
      for (let i = 0; i < 3; i++) {
        await sweep();
        if (!d.fastClock) await new Promise((r) => setTimeout(r, 2000));
      }
      const during = recycles(await actionsNow()) - before;
      if (during !== 0) throw new Error(`${during} recycle action(s) during the outage`);
    } finally {
      for (const ip of ['192.168.42.65', '192.168.42.66']) await d.emu('POST', `/_emulator/targets/${ip}/up`);
    }
    await d.until('the outage cleared', async () => {
      await sweep();
      return condition(await get(), 'TargetsReachable')?.status === 'True' ? true : undefined;
    }, 120_000, grainEveryMs);
    const after = recycles(await actionsNow()) - before;
    if (after !== 0) throw new Error(`${after} recycle action(s) after the outage`);
    return 'outage shown and cleared, zero recycles';
  });
  if (!d.fastClock) await d.emu('PUT', '/_emulator/settings', { metricGrainSeconds: grain });

  if (keep) {
    out(`\n– delete ${FORWARD}: skipped with --keep, so the status page has the forward and its two consumer endpoints to show (delete it yourself: curl -X DELETE ${d.stack.devhost}/api/forwards/${FORWARD})\n`);
    return;
  }
  await d.step(`delete ${FORWARD}: nothing is left`, async () => {
    const r = await d.api('DELETE', `/api/forwards/${FORWARD}`);
    if (r.status !== 202) throw new Error(`DELETE answered ${r.status}`);
    await d.until('the forward gone', async () => ((await d.api('GET', `/api/forwards/${FORWARD}`)).status === 404 ? true : undefined));
    const left: string[] = [];
    for (const type of ['loadBalancers', 'privateLinkServices']) {
      const l = await d.emu('GET', `/subscriptions/${HUB.sub}/resourceGroups/${HUB.rg}/providers/Microsoft.Network/${type}?api-version=2024-05-01`);
      for (const x of ((l.body as { value?: { name: string }[] }).value ?? [])) if (x.name.startsWith(`plf-${FORWARD}-`)) left.push(x.name);
    }
    const vmss = await d.emu('GET', `/subscriptions/${HUB.sub}/resourceGroups/${HUB.rg}/providers/Microsoft.Compute/virtualMachineScaleSets?api-version=2024-07-01`);
    for (const x of ((vmss.body as { value?: { name: string }[] }).value ?? [])) if (x.name.startsWith(`plf-${FORWARD}-`)) left.push(x.name);
    const rec = await d.emu('GET', `/subscriptions/${HUB.sub}/resourceGroups/${HUB.rg}/providers/Microsoft.Network/privateDnsZones/internal.net/A/onprem-server?api-version=2024-06-01`);
    if (rec.status === 200) left.push('A record onprem-server.internal.net');
    if (left.length) throw new Error(`left behind: ${left.join(', ')}`);
    return 'load balancer, scale set, private link service and A record all gone';
  });
  // The consumers' endpoints are removed too: nothing of the story is left.
  for (const [sub, rg, pe] of [['00000000-0000-0000-0000-00000000c001', 'rg-spoke', 'pe-demo-allowed'], ['00000000-0000-0000-0000-00000000c002', 'rg-spoke2', 'pe-demo-foreign']]) {
    await d.emu('DELETE', `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/privateEndpoints/${pe}?api-version=2024-05-01`).catch(() => undefined);
  }
}

async function main(): Promise<number> {
  let keep = false;
  let fastClock = false;
  try {
    const v = parseArgs({ options: { keep: { type: 'boolean', default: false }, 'fast-clock': { type: 'boolean', default: false } } }).values;
    keep = !!v.keep;
    fastClock = !!v['fast-clock'];
  } catch (err) {
    process.stderr.write(`demo: ${(err as Error).message}\nusage: npm run demo [-- --keep] [--fast-clock]\n`);
    return 2;
  }
  const started = Date.now();
  let own: OwnStack | undefined;
  try {
    out(`demo: starting its own local stack on free ports with fast settings${fastClock ? ' on the controllable clock (--fast-clock: the health steps move time instead of waiting for it)' : ''} (a running \`npm start\` stack is not touched)\n`);
    // Fast settings (kit/own-stack.ts); the demo drives the health sweeps itself.
    own = await startOwnStack(ROOT, { prefix: 'plf-demo-', settings: fastClock ? FAST_CLOCK_SETTINGS : FAST_SETTINGS, keep });
    const info = own.info;
    out(`${process.stdout.isTTY ? '\r\x1b[K' : ''}demo: stack up — API ${info.devhost}, emulator ${info.emulator} (data and log in ${own.dir}${keep ? '' : ', removed at the end'})\n`);
    const d = new Demo(info, fs.readFileSync(info.caFile), await apiBearerFor(own.dir, info, 'demo'), fastClock);
    await story(d, keep);
    out(`\n${d.failures.length ? `demo: ${d.failures.length} step(s) did not behave: ${d.failures.join('; ')}` : 'demo: every step behaved'} (${since(started)})\n`);
    if (keep) out(`demo: the stack keeps running with the forward ${FORWARD} — status page ${info.devhost}/api/ui; data and log in ${own.dir} (stop it: kill ${own.child.pid}; then rm -r ${own.dir})\n`);
    if (keep && fastClock) {
      const ahead = ((await d.emu('GET', '/_emulator/clock')).body as { offsetSeconds?: number } | undefined)?.offsetSeconds ?? 0;
      out(`demo: its clock stays ${Math.round(ahead / 60)} min ahead of real time (moved by --fast-clock), so its times read that far ahead\n`);
    }
    return d.failures.length ? 1 : 0;
  } catch (err) {
    out(`\ndemo: ${(err as Error).message}\n`);
    return 1;
  } finally {
    if (own && !keep) await stopOwnStack(own);
    if (own && keep) own.child.unref();
  }
}

if (require.main === module) void main().then((code) => process.exit(code));
