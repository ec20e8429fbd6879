import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { RegisteredFunction } from './contracts';
import { createDurableEngine, type DevhostDurableEngine } from './durable';
import { DevhostInvoker } from './invoker';
import { applyLocalSettings } from './local-settings';
import { appEnv, loadApp, mainOf, startApp, type LoadedFunction } from './loader';
import { createLogger, type Logger } from './log';
import { createRequestListener } from './server';
import { TimerScheduler } from './timers';
import { clockFor, type ClockMode, type DevhostClock } from './clock';

/**
 * devhost: a local Azure Functions host for the compiled app. Loads the app from its `main`
 * glob, serves HTTP/Event Grid/admin routes, runs timers, and runs orchestrations on the local
 * durable engine (in memory, or on Azure Tables for a host that survives restarts).
 */
export interface DevhostOptions {
  appDir: string;
  main?: string;
  port?: number;
  json?: boolean;
  store?: 'memory' | 'tables';
  storageConnection?: string;
  hub?: string;
  /** App settings to add to process.env before the app loads (the app reads settings from env, as in Azure). */
  env?: Record<string, string>;
  /** Where log lines go (tests capture them); a terminal logger on stdout otherwise. */
  logger?: Logger;
  /** Overrides the app's host.json (tests use it for routePrefix). */
  hostJson?: HostJson;
  /**
   * The host's clock (clock.ts): `real` (default) or `controllable` (a shifted global Date the app
   * sees too, advanced through POST /admin/clock/advance), starting `offsetMs` ahead of real time.
   */
  clock?: { mode: ClockMode; offsetMs?: number };
}

export interface RunningDevhost {
  url: string;
  port: number;
  durable: DevhostDurableEngine;
  clock: DevhostClock;
  /** What the app registered (name, trigger type, metadata). */
  functions: readonly RegisteredFunction[];
  stop(): Promise<void>;
}

export interface HostJson {
  extensions?: { http?: { routePrefix?: string }; durableTask?: { hubName?: string; maxConcurrentActivityFunctions?: number; maxConcurrentOrchestratorFunctions?: number } };
}

export async function startDevhost(options: DevhostOptions): Promise<RunningDevhost> {
  const log = options.logger ?? createLogger({ json: options.json });
  const appDir = path.resolve(options.appDir);
  const hostJson = options.hostJson ?? readHostJson(appDir);
  // Precedence like Core Tools: explicit settings, then the environment, then local.settings.json.
  const env = appEnv();
  for (const [name, value] of Object.entries(options.env ?? {})) env[name] = value;
  const local = applyLocalSettings(appDir, env);
  if (local.applied.length || local.skipped.length) {
    log.info(`local.settings.json: ${local.applied.length} setting(s) applied${local.skipped.length ? `, ${local.skipped.length} already set in the environment` : ''}`);
  }

  const storeKind = options.store ?? 'memory';
  const connection = options.storageConnection ?? env.AzureWebJobsStorage;
  if (storeKind === 'tables' && !connection) throw new Error('--store tables needs --storage-connection or AzureWebJobsStorage');

  // A controllable clock installs its shifted Date before the app loads, so the app reads it too.
  const clock = clockFor(options.clock?.mode ?? 'real', options.clock?.offsetMs ?? 0);
  // The app reads its settings from process.env, as in Azure; the durable client's URL fix-up
  // keys off WEBSITE_HOSTNAME, which the real host sets too.
  const app = loadApp(appDir, options.main ?? mainOf(appDir));
  let baseUrl = '';
  const invoker = new DevhostInvoker(app, { log, durableClientBinding: () => durable.clientBinding(baseUrl) });
  const durable: DevhostDurableEngine = createDurableEngine({
    invoker,
    store: storeKind === 'tables' ? { connectionString: connection! } : 'memory',
    ...(options.hub ? { hubName: options.hub } : {}),
    hostJson,
    log,
  });
  const timers = new TimerScheduler(invoker, log);
  const routePrefix = hostJson.extensions?.http?.routePrefix ?? 'api';
  const functions = [...app.functions.values()];
  // Requests in progress, so stop() can let them finish (bounded) before closing.
  let draining = false;
  let inFlight = 0;
  // After a jump of the clock, whatever waits on it looks again at what is due.
  clock.onAdvance(() => {
    durable.engine.recheckTimers();
    timers.recheck();
  });
  const clockRoutes = { clock, waitIdle: (timeoutMs: number) => durable.engine.waitIdle(timeoutMs, 15, () => timers.isIdle()), nextTimerAt: () => durable.engine.nextTimerAt() };
  const listener = createRequestListener({ invoker, functions, log, routePrefix, engine: durable, timers, clock: clockRoutes, isDraining: () => draining });
  const server = http.createServer((req, res) => {
    inFlight++;
    res.once('close', () => inFlight--);
    listener(req, res);
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`port ${options.port ?? 7071} on 127.0.0.1 is taken: stop what uses it, or pass --port N (0 = any free port)`) : err),
    );
    server.listen(options.port ?? 7071, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;
  env.WEBSITE_HOSTNAME = `127.0.0.1:${port}`;
  durable.clientBinding(baseUrl);

  await startApp(app);
  await durable.start();
  timers.start(functions);
  // Like Core Tools: every function with its URL (HTTP) or trigger type.
  log.info(`devhost: ${functions.length} function(s)`, { functions: functions.map((f) => describeFunction(f, baseUrl, routePrefix)) });
  for (const problem of unsupportedBindings(functions)) log.warn(problem);

  return {
    url: baseUrl,
    port,
    durable,
    clock,
    functions: invoker.functions(),
    async stop() {
      // Drain: new function work gets 503 while requests in progress finish (at most 10 s).
      draining = true;
      server.closeIdleConnections();
      const deadline = Date.now() + 10_000;
      while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await timers.stop();
      for (const hook of app.hooks.get('appTerminate') ?? []) {
        await Promise.resolve(hook({ hookData: app.appHookData, appHookData: app.appHookData })).catch(() => undefined);
      }
      await durable.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      clock.uninstall();
    },
  };
}

/** Triggers devhost fires by itself, and the other bindings it fills or carries out. */
const SERVED_TRIGGERS = new Set(['httpTrigger', 'timerTrigger', 'eventGridTrigger', 'orchestrationTrigger', 'activityTrigger', 'entityTrigger']);
const SERVED_BINDINGS = new Set(['http', 'durableClient', 'orchestrationClient']);

/** One warning per binding devhost will not honour, so nobody waits for a queue message that never comes. */
export function unsupportedBindings(functions: LoadedFunction[]): string[] {
  const problems: string[] = [];
  for (const fn of functions) {
    for (const [name, binding] of Object.entries(fn.metadata.bindings)) {
      if (name === fn.triggerName) {
        if (!SERVED_TRIGGERS.has(binding.type)) problems.push(`'${fn.name}': devhost does not fire ${binding.type} triggers; invoke it with POST /admin/functions/${fn.name}`);
      } else if (!SERVED_BINDINGS.has(binding.type)) {
        problems.push(`'${fn.name}': the ${binding.direction} binding '${name}' (${binding.type}) is not carried out by devhost`);
      }
    }
  }
  return problems;
}

function readHostJson(appDir: string): HostJson {
  const file = path.join(appDir, 'host.json');
  if (!fs.existsSync(file)) return {};
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as HostJson;
  } catch (err) {
    throw new Error(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}

function describeFunction(fn: LoadedFunction, baseUrl: string, routePrefix: string): string {
  if (fn.trigger.type !== 'httpTrigger') return `${fn.name}: ${fn.trigger.type}`;
  const methods = (fn.trigger.methods as string[] | undefined)?.map((m) => m.toUpperCase()).join(',') ?? 'ALL';
  const prefix = routePrefix ? `/${routePrefix.replace(/^\/+|\/+$/g, '')}` : '';
  return `${fn.name}: [${methods}] ${baseUrl}${prefix}/${String(fn.trigger.route ?? fn.name)}`;
}
