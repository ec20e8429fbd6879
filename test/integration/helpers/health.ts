import * as fs from 'node:fs';
import * as path from 'node:path';
import { IDS } from '../../emulator/helpers/emulator';
import { eventually, ROOT, startStack, type Stack } from './stack';

/**
 * What the health integration files (test/integration/health*.test.ts) share: a stack on the
 * controllable clock with Azure's metric timing (PT1M grain, the emulator's default publication
 * delay of two grains; the app's PLF_HEALTH_METRIC_DELAY_SECONDS set to match by the stack), and
 * the loop every test runs — advance one grain, run one sweep, check what this test caused.
 * Advancing a minute costs nothing, so no test sleeps or waits for a grain; a condition that needs
 * more grains than `maxGrains` fails naming what it waited for.
 *
 * The other timers of the app are off (yearly schedules, a drift check a day away): they are not
 * what these files prove, and their ARM requests would land in the tests' request counts.
 */
export const GRAIN_S = 60;
export const example = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples/onprem-web.json'), 'utf8')) as Record<string, unknown> & { nodes: Record<string, unknown> };

export interface Node { instanceId: string; ip?: string; health: string; lastSample?: string; recycles?: { action: string; time: string; result: string }[] }
export interface Cond { type: string; status: string; reason: string; message: string }
export interface ForwardBody { generation: number; status: { phase: string; observedGeneration: number; conditions: Cond[]; nodes: Node[]; resources: { scaleSetId?: string } } }
export interface Action { time: string; actor: string; action: string; target: string; reason: string }
export type RequestEntry = { seq: number; method: string; path: string; kind: string; status: number; resourceType?: string };

const NEVER = '0 0 0 1 1 *';

/** A stack for the health watch on the controllable clock; `env` adds or overrides app settings. */
export function startHealthStack(env: Record<string, string> = {}): Promise<Stack> {
  return startStack(
    {
      // Sweeps run only when a test invokes one; the other timers never fire here.
      PLF_HEALTH_SCHEDULE: NEVER,
      PLF_PROBES_SCHEDULE: NEVER,
      PLF_RECONCILE_SCHEDULE: NEVER,
      PLF_CONNECTIONS_SCHEDULE: NEVER,
      PLF_DRIFT_CHECK_SECONDS: '86400',
      ...env,
    },
    {},
    undefined,
    { clock: 'controllable' },
  );
}

/** The helpers of one stack (each file has its own). */
export function healthKit(stack: () => Stack) {
  const s = () => stack();
  const get = async (name: string) => (await s().api<ForwardBody>('GET', `/api/forwards/${name}`)).body;
  const cond = (b: ForwardBody, type: string) => b.status.conditions.find((c) => c.type === type);

  /** A forward's whole action log, newest first (every page). */
  async function actions(name: string): Promise<Action[]> {
    type Page = { value: Action[]; nextLink?: string };
    const out: Action[] = [];
    let next: string | undefined = `/api/forwards/${name}/actions?top=200`;
    while (next) {
      const page: Page = (await s().api<Page>('GET', next)).body;
      out.push(...page.value);
      next = page.nextLink;
    }
    return out;
  }
  const entryKey = (a: Action) => JSON.stringify([a.time, a.actor, a.action, a.target, a.reason]);
  /** Marks a forward's action log now (before the step a test then takes). */
  async function markLog(name: string): Promise<LogMark> {
    const present = new Map<string, number>();
    for (const a of await actions(name)) present.set(entryKey(a), (present.get(entryKey(a)) ?? 0) + 1);
    return { name, present };
  }
  /**
   * The entries logged after `mark`, newest first: the log minus the entries present at the mark
   * (matched by content, each once), so an entry logged late with an earlier time is still seen.
   */
  async function actionsSince(mark: LogMark): Promise<Action[]> {
    const left = new Map(mark.present);
    return (await actions(mark.name)).filter((a) => {
      const n = left.get(entryKey(a)) ?? 0;
      if (n > 0) left.set(entryKey(a), n - 1);
      return n === 0;
    });
  }
  const requests = async () => (await s().emu.control<{ value: RequestEntry[] }>('GET', '/requests')).body.value;
  /** Scale set instance actions (reimage, deleteInstances, capacity writes) on a forward's scale set. */
  const scaleSetActions = async (name: string) =>
    (await requests()).filter((r) => r.path.toLowerCase().includes(`/virtualmachinescalesets/plf-${name}-vmss`) && r.method !== 'GET' && r.status < 400 && !r.path.toLowerCase().includes('/operations/'));
  const sweeps = () => (s().output().match(/health sweep: /g) ?? []).length;

  /** Runs one sweep now and waits for it to finish (its log line). */
  async function sweep(): Promise<void> {
    const before = sweeps();
    const r = await s().api('POST', '/admin/functions/healthSweep', {});
    if (r.status !== 202) throw new Error(`healthSweep invocation answered ${r.status}`);
    await eventually(async () => (sweeps() > before ? true : undefined), 'the health sweep finished', 30_000, 50);
  }
  /** Advances one grain, then runs one sweep. */
  async function step(): Promise<void> {
    await s().advance(GRAIN_S);
    await sweep();
  }
  /** Advance a grain, sweep, check — until `until` holds, at most `maxGrains` times. */
  async function sweepUntil<T>(until: () => Promise<T | undefined>, what: string, maxGrains = 20): Promise<T> {
    for (let i = 0; i < maxGrains; i++) {
      await step();
      const v = await until();
      if (v !== undefined) return v;
    }
    throw new Error(`${what}: not after ${maxGrains} grains (${maxGrains} sweeps)`);
  }
  /** Advances `stepSeconds` at a time (no sweep) until `until` holds, at most `maxSteps` times. */
  async function advanceUntil<T>(until: () => Promise<T | undefined>, what: string, stepSeconds = 1, maxSteps = 120): Promise<T> {
    for (let i = 0; i < maxSteps; i++) {
      await s().advance(stepSeconds);
      const v = await until();
      if (v !== undefined) return v;
    }
    throw new Error(`${what}: not after ${maxSteps} advances of ${stepSeconds} s`);
  }
  /**
   * Sweeps until every node's last judged metric point is from `grains` grains after now on: every
   * point up to now (what the test caused before) has been published and read by a sweep.
   */
  async function sweepPast(name: string, grains = 1) {
    const from = new Date(Math.ceil(s().now() / (GRAIN_S * 1000) + grains) * GRAIN_S * 1000).toISOString();
    return sweepUntil(async () => {
      const b = await get(name);
      return b.status.nodes.length && b.status.nodes.every((n) => n.lastSample && n.lastSample >= from) ? b : undefined;
    }, `${name}: every node judged on points from ${from} on`);
  }
  /** PUTs a forward of `count` nodes and waits (real time: the reconcile's polls) until that generation is Ready. */
  async function putForward(name: string, count: number) {
    const r = await s().api<ForwardBody>('PUT', `/api/forwards/${name}`, { ...example, nodes: { ...example.nodes, count } });
    if (![200, 201, 202].includes(r.status)) throw new Error(`PUT ${name} answered ${r.status}: ${JSON.stringify(r.body)}`);
    return eventually(async () => {
      const b = await get(name);
      return b.status.observedGeneration >= r.body.generation && b.status.phase === 'Ready' ? b : undefined;
    }, `${name} Ready`, 90_000);
  }
  /** Sweeps until every node of the forward reads healthy in the health section. */
  async function allHealthy(name: string, count: number) {
    return sweepUntil(async () => {
      const b = await get(name);
      return b.status.nodes.length === count && b.status.nodes.every((n) => n.health === 'healthy' && n.lastSample) && cond(b, 'NodesHealthy')?.status === 'True' ? b : undefined;
    }, `${name}: ${count} node(s) healthy`);
  }
  /** A node's published DipAvailability points (average or undefined) over the last `minutes`, read as the product does, at the stack's time. */
  async function nodePoints(name: string, ip: string, minutes = 15): Promise<(number | undefined)[]> {
    const lbId = `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Network/loadBalancers/plf-${name}-lb`;
    const [r] = await s().emu.metrics().queryResources([lbId], ['DipAvailability'], 'Microsoft.Network/loadBalancers', { filter: "BackendIPAddress eq '*'", startTime: new Date(s().now() - minutes * 60_000), endTime: new Date(s().now()) });
    return (r.metrics[0].timeseries.find((t) => String(t.metadatavalues?.[0]?.value) === ip)?.data ?? []).map((p) => p.average);
  }
  /** Advances grains (no sweep) until the emulator has published `k` bad points for a node's IP. */
  async function advanceUntilBadPoints(name: string, ip: string, k: number, maxGrains = 10) {
    for (let i = 0; i < maxGrains; i++) {
      await s().advance(GRAIN_S);
      if ((await nodePoints(name, ip)).filter((v) => v !== undefined && v < 50).length >= k) return;
    }
    throw new Error(`${name}: ${k} bad points for ${ip} not published after ${maxGrains} grains`);
  }
  return { get, cond, actions, markLog, actionsSince, requests, scaleSetActions, sweeps, sweep, step, sweepUntil, advanceUntil, sweepPast, putForward, allHealthy, nodePoints, advanceUntilBadPoints };
}

/** The entries of a forward's action log at one moment: what `actionsSince` leaves out. */
export interface LogMark { name: string; present: Map<string, number> }

export const isRecycle = (r: RequestEntry) => /\/reimage$|\/delete$|\/deleteinstances$/i.test(r.path) || r.method === 'PATCH';
