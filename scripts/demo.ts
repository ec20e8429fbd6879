#!/usr/bin/env node
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { stopChild } from '../tools/devhost/processes';
import { AppRoles } from '../core/auth';
import { localStackToken } from '../tools/devhost/local-token';
import { apiAuthHeaders, readyStack, type StackInfo } from '../tools/devhost/stack-file';

/**
 * `npm run demo [-- --keep]`: the whole story once, on the embedded default (the local stack):
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
 * talks to the public API and to the emulator's control API only. Its API calls carry
 * `Authorization: Bearer $PLF_API_TOKEN` when PLF_API_TOKEN is set (apiHeadersFor).
 */
const ROOT = path.resolve(__dirname, '..', '..');
const HUB = { sub: '00000000-0000-0000-0000-00000000a001', rg: 'rg-hub' };
const SPOKE = '/subscriptions/00000000-0000-0000-0000-00000000c001/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke/subnets/linked';
const SPOKE_JUMP = '/subscriptions/00000000-0000-0000-0000-00000000c001/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke/subnets/jump';
const SPOKE2 = '/subscriptions/00000000-0000-0000-0000-00000000c002/resourceGroups/rg-spoke2/providers/Microsoft.Network/virtualNetworks/vnet-spoke2/subnets/linked';
const FORWARD = 'demo-web';

/** Settings the demo's own stack runs with: fast polls, sweeps and metrics so each step takes seconds. */
export const DEMO_SETTINGS: Record<string, string> = {
  PLF_DEVHOST_PORT: '0',
  PLF_EMULATOR_PORT: '0',
  PLF_AZURITE_PORT: '0',
  PLF_POLL_INTERVAL_MS: '300',
  PLF_CONNECTIONS_LINGER_SECONDS: '10',
  // Health: no grace period for the demo's brand-new nodes; the demo drives sweeps itself.
  PLF_HEALTH_GRACE_SECONDS: '0',
  PLF_HEALTH_WINDOW_SECONDS: '120',
};

interface Http { status: number; body: unknown }

const out = (s: string) => process.stdout.write(s);
const since = (t: number) => `${((Date.now() - t) / 1000).toFixed(1)} s`;

function request(base: string, method: string, p: string, body?: unknown, ca?: Buffer, extraHeaders: Record<string, string> = {}): Promise<Http> {
  return new Promise((resolve, reject) => {
    const url = new URL(p, base);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { accept: 'application/json', ...(payload ? { 'content-type': 'application/json' } : {}), ...(url.pathname.startsWith('/subscriptions/') ? { authorization: 'Bearer demo' } : {}), ...extraHeaders };
    const mod = url.protocol === 'https:' ? https : require('node:http');
    const req = mod.request(url, { method, headers, ...(ca ? { ca } : {}) }, (res: import('node:http').IncomingMessage) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          /* not JSON: keep the text */
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${p}: no answer in 30 s`)));
    req.end(payload);
  });
}

class Demo {
  failures: string[] = [];
  /** `apiHeaders`: what the API calls carry (a bearer token when its stack has sign-in on). */
  constructor(readonly stack: StackInfo, readonly ca: Buffer, readonly apiHeaders: Record<string, string> = {}) {}
  api(method: string, p: string, body?: unknown) {
    return request(this.stack.devhost, method, p, body, undefined, this.apiHeaders);
  }
  emu(method: string, p: string, body?: unknown) {
    return request(this.stack.emulator, method, p, body, this.ca);
  }
  async step(title: string, run: () => Promise<string>): Promise<boolean> {
    const t = Date.now();
    out(`\n▶ ${title}\n`);
    try {
      const said = await run();
      out(`✓ ${title} — ${said} (${since(t)})\n`);
      return true;
    } catch (err) {
      out(`✗ ${title} — ${(err as Error).message} (${since(t)})\n`);
      this.failures.push(title);
      return false;
    }
  }
  /** Polls until `probe` answers something, with a progress line; throws naming what it waited for. */
  async until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
    const t = Date.now();
    const tty = !!process.stdout.isTTY;
    if (!tty) out(`  … waiting for ${what}\n`);
    for (;;) {
      const v = await probe().catch(() => undefined);
      if (v !== undefined) {
        if (tty) out('\r\x1b[K');
        return v;
      }
      if (Date.now() - t > timeoutMs) {
        if (tty) out('\r\x1b[K');
        throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
      }
      if (tty) out(`\r  … waiting for ${what} (${since(t)})\x1b[K`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

interface ForwardBody { generation: number; status: { phase: string; observedGeneration: number; privateLinkServiceAlias?: string; nodes: { instanceId: string; ip?: string; health: string }[]; conditions: { type: string; status: string; reason: string; message: string }[]; connections?: { privateEndpointId: string; state: string; decision: string; reason: string; dns?: { fqdn: string; ip?: string; state: string }[] }[] } }

/** `keep`: the stack stays for a look at the status page, so the forward and its endpoints stay too. */
async function story(d: Demo, keep: boolean): Promise<void> {
  const example = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples/onprem-web.json'), 'utf8')) as { consumers: Record<string, unknown> } & Record<string, unknown>;
  const spec = { ...example, consumers: { ...example.consumers, visibleTo: ['00000000-0000-0000-0000-00000000c001', '00000000-0000-0000-0000-00000000c002'] } };
  const get = async () => (await d.api('GET', `/api/forwards/${FORWARD}`)).body as ForwardBody;
  const plsId = `/subscriptions/${HUB.sub}/resourceGroups/${HUB.rg}/providers/Microsoft.Network/privateLinkServices/plf-${FORWARD}-pls`;
  const conn = (b: ForwardBody, pe: string) => b.status.connections?.find((c) => c.privateEndpointId.endsWith(`/${pe}`));

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
  // schedule), on the emulator's 5-second metric grain (restored afterwards).
  const grain = ((await d.emu('GET', '/_emulator/settings')).body as { metricGrainSeconds?: number | null } | undefined)?.metricGrainSeconds ?? null;
  await d.emu('PUT', '/_emulator/settings', { metricGrainSeconds: 5 });
  const sweep = () => d.api('POST', '/admin/functions/healthSweep', {});
  const actionsNow = async () => (((await d.api('GET', `/api/forwards/${FORWARD}/actions?top=100`)).body as { value?: { time: string; action: string; target: string; reason: string }[] }).value ?? []);
  const recycles = (list: { action: string }[]) => list.filter((a) => ['reimage', 'replace'].includes(a.action)).length;
  const condition = (b: ForwardBody, type: string) => b.status.conditions.find((c) => c.type === type);

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
    }, 180_000);
    out(`  action ${recycled.action} ${recycled.target}: ${recycled.reason}\n`);
    const b = await d.until('every node healthy again', async () => {
      await sweep();
      const x = await get();
      return x.status.nodes.length === 2 && x.status.nodes.every((n) => n.health === 'healthy') && condition(x, 'NodesHealthy')?.status === 'True' ? x : undefined;
    }, 180_000);
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
      }, 120_000);
      out(`  TargetsReachable ${c.status} ${c.reason}: ${c.message}\n`);
      for (let i = 0; i < 3; i++) {
        await sweep();
        await new Promise((r) => setTimeout(r, 2000));
      }
      const during = recycles(await actionsNow()) - before;
      if (during !== 0) throw new Error(`${during} recycle action(s) during the outage`);
    } finally {
      for (const ip of ['192.168.42.65', '192.168.42.66']) await d.emu('POST', `/_emulator/targets/${ip}/up`);
    }
    await d.until('the outage cleared', async () => {
      await sweep();
      return condition(await get(), 'TargetsReachable')?.status === 'True' ? true : undefined;
    }, 120_000);
    const after = recycles(await actionsNow()) - before;
    if (after !== 0) throw new Error(`${after} recycle action(s) after the outage`);
    return 'outage shown and cleared, zero recycles';
  });
  await d.emu('PUT', '/_emulator/settings', { metricGrainSeconds: grain });

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

async function startOwnStack(keep: boolean): Promise<{ info: StackInfo; child: ChildProcess; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-demo-'));
  const logFile = path.join(dir, 'stack.log');
  const log = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/tools/devhost/stack.js')], {
    cwd: ROOT,
    // A kept stack outlives the demo on purpose: it must not stop when its parent (this) ends.
    env: { ...process.env, ...DEMO_SETTINGS, PLF_LOCAL_DIR: dir, ...(keep ? { PLF_STACK_STOP_WITH_PARENT: '0' } : {}) },
    stdio: ['ignore', log, log],
    detached: keep,
  });
  fs.closeSync(log);
  const t = Date.now();
  try {
    for (;;) {
      const info = await readyStack(dir);
      if (info) return { info, child, dir };
      if (child.exitCode !== null) throw new Error(`the stack exited (${child.exitCode})`);
      if (Date.now() - t > 120_000) throw new Error('the stack did not start in 120 s');
      if (process.stdout.isTTY) out(`\r  … starting the local stack (${since(t)})\x1b[K`);
      await new Promise((r) => setTimeout(r, 300));
    }
  } catch (err) {
    // Its log goes with the folder: show its end here.
    const tail = fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-20).join('\n');
    await stopChild(child, 15_000);
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(err as Error).message}; the end of its log:\n${tail}`);
  }
}

/**
 * The API calls' sign-in: `Authorization: Bearer $PLF_API_TOKEN` when PLF_API_TOKEN is set (an
 * explicit choice wins); else, when the demo's stack runs with sign-in on (PLF_AUTH=entra in the
 * environment it inherits), an operator's token minted for that stack as `npm run token` mints
 * one (tools/devhost/local-token.ts); else none.
 */
export async function apiHeadersFor(dir: string, info: StackInfo): Promise<Record<string, string>> {
  const given = apiAuthHeaders(process.env);
  if (Object.keys(given).length || info.auth?.mode !== 'entra') return given;
  const { token } = await localStackToken(dir, [AppRoles.operator], 120);
  out(`demo: sign-in is on (PLF_AUTH=entra): the API calls carry a ${AppRoles.operator} token of the stack's local issuer\n`);
  return { authorization: `Bearer ${token}` };
}

async function main(): Promise<number> {
  let keep = false;
  try {
    keep = !!parseArgs({ options: { keep: { type: 'boolean', default: false } } }).values.keep;
  } catch (err) {
    process.stderr.write(`demo: ${(err as Error).message}\nusage: npm run demo [-- --keep]\n`);
    return 2;
  }
  const started = Date.now();
  let own: { info: StackInfo; child: ChildProcess; dir: string } | undefined;
  try {
    out('demo: starting its own local stack on free ports with fast settings (a running `npm start` stack is not touched)\n');
    own = await startOwnStack(keep);
    const info = own.info;
    out(`${process.stdout.isTTY ? '\r\x1b[K' : ''}demo: stack up — API ${info.devhost}, emulator ${info.emulator} (data and log in ${own.dir}${keep ? '' : ', removed at the end'})\n`);
    const d = new Demo(info, fs.readFileSync(info.caFile), await apiHeadersFor(own.dir, info));
    await story(d, keep);
    out(`\n${d.failures.length ? `demo: ${d.failures.length} step(s) did not behave: ${d.failures.join('; ')}` : 'demo: every step behaved'} (${since(started)})\n`);
    if (keep) out(`demo: the stack keeps running with the forward ${FORWARD} — status page ${info.devhost}/api/ui; data and log in ${own.dir} (stop it: kill ${own.child.pid}; then rm -r ${own.dir})\n`);
    return d.failures.length ? 1 : 0;
  } catch (err) {
    out(`\ndemo: ${(err as Error).message}\n`);
    return 1;
  } finally {
    if (own && !keep) {
      await stopChild(own.child, 15_000);
      fs.rmSync(own.dir, { recursive: true, force: true });
    }
    if (own && keep) own.child.unref();
  }
}

if (require.main === module) void main().then((code) => process.exit(code));
