import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startAzurite, type RunningAzurite } from '../../../tools/devhost/durable/azurite';
import { appGrants } from '../../../tools/devhost/app-grants';
import { localSignIn, mintLocalToken, type MintOptions } from '../../../tools/devhost/local-token';
import { recordOperations } from './arm-operations';
import { startTestEmulator, IDS, type TestEmulator } from '../../emulator/helpers/emulator';
import type { EmulatorOptions } from '../../../tools/emulator/server';
import { checkedFetch, servedChecker } from '../../helpers/openapi-check';
import { eventually } from '../../helpers/wait';
import { advanceStackClock } from '../../../scripts/kit/stack-clock';

/**
 * The product end to end, as `npm start` runs it: Azurite (tables), the emulator (in this
 * process, so tests can use its control API and SDK clients) and devhost running the compiled
 * app from the repository root as its own process (SIGKILL-able), wired by app settings.
 */
export const ROOT = repoRoot(__dirname);

/** The repository root, whether this runs from the sources (jest) or from dist/ (benchmarks). */
function repoRoot(from: string): string {
  for (let dir = from; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'host.json'))) return dir;
  }
  throw new Error(`no repository root above ${from}`);
}

export interface Stack {
  url: string;
  emu: TestEmulator;
  azurite: RunningAzurite;
  devhost: ChildProcess;
  output(): string;
  /**
   * Moves the stack's one clock forward `seconds` (a stack started with `clock: 'controllable'`):
   * the emulator (metric grains crossed sampled, due operations completed), then devhost (the app's
   * time; durable timers and timer triggers that fell due fired), in steps that end at each durable
   * timer's due time (GET /admin/clock `nextTimerAtMs`), so a poll loop runs as many polls as real
   * time would — it resolves once devhost's engine is idle again, so what the span made due has happened. Throws naming what still runs if devhost
   * did not get idle, or if the two clocks disagree. Answers the stack's time after the jump (ms).
   */
  advance(seconds: number): Promise<number>;
  /** The stack's time (the emulator's clock; devhost's reads the same), ms since the epoch. */
  now(): number;
  /** Kills and restarts devhost (at the stack's time when the clock is controllable); `envChanges` are kept for later restarts (a key set to undefined is removed). */
  restartDevhost(signal?: NodeJS.Signals, envChanges?: Record<string, string | undefined>): Promise<void>;
  stop(): Promise<void>;
  /** A call of the API; every answer is checked against the OpenAPI document the app serves (test/helpers/openapi-check.ts): one it does not describe throws. */
  api<T = unknown>(method: string, p: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T; headers: Headers }>;
  /**
   * A token of the stack's local Entra ID issuer (the emulator's) for the app, minted as `npm run
   * token` mints one (tools/devhost/local-token.ts); `options` change it to make a bad one.
   */
  token(roles: readonly string[], options?: Partial<Omit<MintOptions, 'roles'>>): Promise<string>;
}

async function spawnDevhost(env: Record<string, string>, log: (s: string) => void, clockArgs: string[] = []): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/tools/devhost/cli.js'), '--app', ROOT, '--port', '0', '--store', 'tables', ...clockArgs], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    log(c.toString());
  });
  child.stderr!.on('data', (c: Buffer) => log(c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`devhost did not start:\n${out}`)), 30_000);
    child.stdout!.on('data', () => {
      const m = /devhost listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`devhost exited ${code}:\n${out}`));
    });
  });
  return { child, url };
}

/** The emulator's metric timing for a stack (shortened for tests; never a zero delay). */
export interface StackMetrics {
  grainSeconds: number;
  /** Default: the emulator's (two grains). */
  publicationDelaySeconds?: number;
}

/** How the stack keeps time. */
export interface StackOptions {
  /**
   * `controllable`: the emulator's clock and devhost's (`--clock controllable`) move together
   * through `stack.advance` — a test advances a metric grain instead of waiting for it. Default:
   * real time (as `npm start`).
   */
  clock?: 'real' | 'controllable';
}

/**
 * `emulatorOptions`: e.g. a topology of its own (benchmarks). `metrics`: the emulator's metric grain
 * and publication delay (default: the emulator's, 60 s and two grains); the app's
 * PLF_HEALTH_METRIC_DELAY_SECONDS is set to match (grain + delay: when a point is published in full).
 * `options.clock`: see StackOptions.
 */
export async function startStack(extraEnv: Record<string, string> = {}, emulatorOptions: EmulatorOptions = {}, metrics?: StackMetrics, options: StackOptions = {}): Promise<Stack> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-stack-'));
  // Azurite and the emulator need nothing of each other: started side by side; if one fails, the
  // other is stopped before the error is thrown.
  const [azuriteStart, emuStart] = await Promise.allSettled([startAzurite({ inMemory: true }), startTestEmulator(emulatorOptions)]);
  if (azuriteStart.status === 'rejected' || emuStart.status === 'rejected') {
    if (azuriteStart.status === 'fulfilled') await azuriteStart.value.stop();
    if (emuStart.status === 'fulfilled') await emuStart.value.stop();
    throw azuriteStart.status === 'rejected' ? azuriteStart.reason : (emuStart as PromiseRejectedResult).reason;
  }
  const azurite = azuriteStart.value;
  const emu = emuStart.value;
  const timing = await emu.control<{ metricGrainSeconds: number; metricPublicationDelaySeconds: number; error?: unknown }>('PUT', '/settings', metrics ? { metricGrainSeconds: metrics.grainSeconds, ...(metrics.publicationDelaySeconds !== undefined ? { metricPublicationDelaySeconds: metrics.publicationDelaySeconds } : {}) } : {});
  if (timing.status !== 200) throw new Error(`metric settings refused: ${JSON.stringify(timing.body)}`);
  const caFile = path.join(dir, 'ca.pem');
  fs.writeFileSync(caFile, emu.emu.caPem);
  let log = '';
  const env: Record<string, string> = {
    AzureWebJobsStorage: azurite.connectionString,
    PLF_ARM_ENDPOINT: emu.emu.url,
    PLF_ARM_CA_FILE: caFile,
    // Sign-in off unless a test asks for PLF_AUTH=entra; the local issuer is named either way (as npm start does).
    ...localSignIn({}, emu.emu.entra.info()).settings,
    // Azure Monitor metrics (health watch) come from the same emulator.
    PLF_METRICS_ENDPOINT: emu.emu.url,
    // The health sweep runs only when a test invokes it (POST /admin/functions/healthSweep): its
    // metrics calls would otherwise land in other tests' request-log counts once a minute.
    PLF_HEALTH_SCHEDULE: '0 0 0 1 1 *',
    PLF_HUB_SUBNET_ID: IDS.hubShared,
    PLF_HUB_RESOURCE_GROUP: IDS.hubRg,
    PLF_LOCATION: IDS.location,
    PLF_POLL_INTERVAL_MS: '100',
    PLF_DRIFT_CHECK_SECONDS: '3600',
    PLF_HEALTH_METRIC_DELAY_SECONDS: String(Math.ceil(timing.body.metricGrainSeconds + timing.body.metricPublicationDelaySeconds)),
    ...extraEnv,
  };
  // The app's principal may do exactly what infra grants it (tools/devhost/app-grants.ts).
  for (const g of appGrants(ROOT, { subscriptionId: env.PLF_HUB_SUBSCRIPTION_ID ?? IDS.hubSub, resourceGroup: env.PLF_HUB_RESOURCE_GROUP })) {
    const r = await emu.control('PUT', `/role-assignments/${encodeURIComponent(g.name)}`, { scope: g.scope, actions: g.actions });
    if (r.status >= 300) throw new Error(`granting the app ${g.name} failed: ${r.status} ${JSON.stringify(r.body)}`);
  }
  const clock = emu.emu.runtime.clock;
  const controllable = options.clock === 'controllable';
  // devhost starts (and restarts) at the stack's time: the emulator's offset is the one offset.
  const clockArgs = () => (controllable ? ['--clock', 'controllable', '--clock-offset-seconds', String(clock.offsetMs() / 1000)] : []);
  let { child, url } = await spawnDevhost(env, (s) => (log += s), clockArgs());
  // The check of every answer against the served document, compiled now, not inside a test.
  await servedChecker(url);
  // The app's Event Grid trigger gets the provider subscription's events, with the filters infra
  // deploys (as `npm start` subscribes it).
  const subscribeEvents = async () => {
    const filters = JSON.parse(fs.readFileSync(path.join(ROOT, 'infra/eventgrid-filters.json'), 'utf8')) as Record<string, unknown>;
    await emu.control('DELETE', '/eventgrid/subscriptions/devhost-connectionEvents');
    const r = await emu.control('POST', '/eventgrid/subscriptions', {
      name: 'devhost-connectionEvents',
      endpointUrl: `${url}/runtime/webhooks/eventgrid?functionName=connectionEvents`,
      includedEventTypes: filters.includedEventTypes,
      advancedFilters: filters.advancedFilters,
      topicSubscriptionId: env.PLF_HUB_SUBSCRIPTION_ID ?? IDS.hubSub,
    });
    if (r.status !== 201) throw new Error(`event subscription failed: ${r.status} ${JSON.stringify(r.body)}`);
  };
  await subscribeEvents();
  const stack: Stack = {
    get url() {
      return url;
    },
    emu,
    azurite,
    get devhost() {
      return child;
    },
    output: () => log,
    now: () => clock.now(),
    async advance(seconds: number) {
      if (!controllable) throw new Error("stack.advance needs a stack started with { clock: 'controllable' }");
      if (!(Number.isFinite(seconds) && seconds > 0)) throw new Error(`stack.advance: seconds must be a positive number, got ${seconds}`);
      return advanceStackClock({
        advanceEmulator: (ms) => void clock.advance(ms),
        emulatorOffsetMs: () => clock.offsetMs(),
        emulatorNow: () => clock.now(),
        async devhost(method, p, body) {
          const res = await fetch(`${url}${p}`, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
          return { status: res.status, body: await res.json() };
        },
      }, seconds);
    },
    async restartDevhost(signal: NodeJS.Signals = 'SIGKILL', envChanges: Record<string, string | undefined> = {}) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill(signal);
      });
      for (const [k, v] of Object.entries(envChanges)) {
        if (v === undefined) delete env[k];
        else env[k] = v;
      }
      ({ child, url } = await spawnDevhost(env, (s) => (log += s), clockArgs()));
      await subscribeEvents();
    },
    async stop() {
      // The Azure operations this run needed, for the least-privilege check (roles.test.ts).
      await emu
        .control<{ value: { method: string; path: string }[] }>('GET', '/requests')
        .then((r) => recordOperations(path.basename((globalThis as { expect?: { getState(): { testPath?: string } } }).expect?.getState().testPath ?? 'run', '.test.ts'), r.body.value))
        .catch(() => undefined);
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        });
      }
      await emu.stop();
      await azurite.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
    async token(roles: readonly string[], options: Partial<Omit<MintOptions, 'roles'>> = {}) {
      const key = await emu.emu.entra.signingKey();
      return mintLocalToken({ issuer: env.PLF_AUTH_ISSUER, audience: env.PLF_AUTH_AUDIENCE, key: { kid: key.kid, privateKeyPem: key.privateKeyPem }, roles, ...options });
    },
    async api<T>(method: string, p: string, body?: unknown, headers: Record<string, string> = {}) {
      const res = await checkedFetch(`${url}${p}`, {
        method,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
    },
  };
  return stack;
}

export { eventually };

/** PUTs a forward spec and waits until that generation is provisioned (Ready or Degraded); throws naming what it waited for. */
export async function putForwardReady(s: Stack, name: string, body: unknown): Promise<void> {
  const r = await s.api<{ generation: number }>('PUT', `/api/forwards/${name}`, body);
  if (r.status !== 200 && r.status !== 202) throw new Error(`PUT /api/forwards/${name} answered ${r.status}: ${JSON.stringify(r.body)}`);
  await eventually(async () => {
    const b = (await s.api<{ status: { phase: string; observedGeneration: number } }>('GET', `/api/forwards/${name}`)).body;
    return b.status.observedGeneration >= r.body.generation && ['Ready', 'Degraded'].includes(b.status.phase) ? true : undefined;
  }, `${name} Ready at generation ${r.body.generation}`, 60_000);
}
