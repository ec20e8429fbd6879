import * as https from 'node:https';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { ArmRouter, toErrorResponse } from './arm/router';
import { EmulatorClock } from './clock';
import { controlRoutes, handleControl } from './control/api';
import { FaultEngine } from './arm/faults';
import { LroEngine } from './arm/lro';
import { ArmQuotas } from './arm/quotas';
import { ArmThrottle } from './arm/throttle';
import { failInterruptedOperations } from './arm/stored-resource';
import { RequestLog } from './arm/request-log';
import type { ArmResponse, EmulatorRuntime } from './arm/types';
import { EntraIssuer, type EntraIssuerInfo, type SigningKey } from './entra/issuer';
import { EventPublisher, type EventGridOptions } from './eventgrid/publisher';
import { discoverProviders, ProviderRegistry, type EmulatorProvider } from './providers';
import { EmulatorState } from './state/store';
import { generateTls, writeCaFile } from './tls';
import { loadTopology, type Topology } from './topology/topology';

/**
 * The emulator: ARM over HTTPS on 127.0.0.1 for the real Azure SDK clients, plus the control
 * API under /_emulator/. `startEmulator` runs it in-process (tests: port 0, lroDelayMs 0);
 * emulator/cli.ts runs it standalone.
 */
export interface EmulatorOptions {
  /** Default 8443; 0 picks a free port. */
  port?: number;
  /** Path of a topology JSON file, or the topology object; default tools/emulator/topology/default.json. */
  topology?: string | object;
  /** When set, state is loaded from here at start (if present) and saved after changes and at stop. */
  stateFile?: string;
  /** Where the CA PEM is written; default .local/emulator/ca.pem under the current directory. */
  caFile?: string;
  /** Delay before long-running operations complete; default 0. */
  lroDelayMs?: number;
  /** Items per list page before nextLink; default 100. */
  pageSize?: number;
  tenantId?: string;
  eventGrid?: EventGridOptions;
  /** Extra providers (tests); discovered ones are always loaded. */
  providers?: EmulatorProvider[];
  /** Where the local Entra ID issuer's signing key is written at start (entra/issuer.ts); without it the key is made at first use and kept in memory only. */
  signingKeyFile?: string;
}

export interface RunningEmulator {
  url: string;
  port: number;
  caPem: string;
  caFile: string;
  state: EmulatorState;
  runtime: EmulatorRuntime;
  registry: ProviderRegistry;
  /** Resources loaded from the state file mid-operation and set Failed (ids; empty normally). */
  interrupted: string[];
  /** The local Entra ID issuer of the topology's tenant (entra/issuer.ts): its URLs, and its signing key for tests that mint tokens. */
  entra: { info(): EntraIssuerInfo; signingKey(): Promise<SigningKey> };
  /** Back to the topology: state, faults, operations, logs, and (unless kept) event subscriptions. */
  reset(opts?: { keepEventSubscriptions?: boolean }): void;
  stop(): Promise<void>;
}

const DEFAULT_TENANT = '00000000-0000-0000-0000-0000000000e1';

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const topology: Topology = loadTopology(options.topology);
  const tls = await generateTls();
  const caFile = path.resolve(options.caFile ?? path.join('.local', 'emulator', 'ca.pem'));
  writeCaFile(caFile, tls.caPem);

  const registry = new ProviderRegistry();
  for (const p of [...discoverProviders(), ...(options.providers ?? [])]) registry.register(p);

  const lroDelayMs = options.lroDelayMs ?? 0;
  const clock = new EmulatorClock();
  const runtime: EmulatorRuntime = {
    clock,
    state: new EmulatorState(),
    lro: new LroEngine(lroDelayMs, clock),
    faults: new FaultEngine(),
    requests: new RequestLog(clock),
    events: new EventPublisher(options.eventGrid, clock),
    throttle: new ArmThrottle(),
    quotas: new ArmQuotas(),
    options: { lroDelayMs, tenantId: topology.tenantId ?? options.tenantId ?? DEFAULT_TENANT, pageSize: options.pageSize ?? 100 },
    hooks: registry.hooks,
  };

  const seed = () => {
    runtime.state.clear();
    const ordered = [...registry.providers].sort((a, b) => (a.seedPriority ?? 100) - (b.seedPriority ?? 100));
    for (const p of ordered) p.seed?.(runtime, topology);
  };
  const stateFile = options.stateFile ? path.resolve(options.stateFile) : undefined;
  // Loaded resources still mid-operation lost it (the emulator was killed): they become Failed.
  let interrupted: string[] = [];
  if (stateFile && runtime.state.load(stateFile)) interrupted = failInterruptedOperations(runtime.state);
  else seed();

  let saveTimer: NodeJS.Timeout | undefined;
  const save = () => {
    if (!stateFile) return undefined;
    runtime.state.save(stateFile);
    return stateFile;
  };
  const scheduleSave = () => {
    if (!stateFile || saveTimer) return;
    saveTimer = setTimeout(() => {
      saveTimer = undefined;
      save();
    }, 200);
    saveTimer.unref();
  };
  // An operation its timer ends changes state with no request to trigger the save.
  runtime.lro.onCompleted = scheduleSave;
  // An advance of the clock completes every operation that fell due in the span it jumped.
  clock.onAdvance(() => runtime.lro.settleDue());

  const reset = (opts: { keepEventSubscriptions?: boolean } = {}) => {
    runtime.lro.clear();
    runtime.faults.clear();
    runtime.requests.clear();
    runtime.throttle.clear();
    runtime.events.reset(opts.keepEventSubscriptions === true);
    seed();
    scheduleSave();
  };

  const entra = new EntraIssuer(runtime.options.tenantId, options.signingKeyFile ? path.resolve(options.signingKeyFile) : undefined);
  const router = new ArmRouter(runtime, registry);
  let baseUrl = '';
  const ctlRoutes = controlRoutes({
    emu: runtime,
    registry,
    reset,
    save,
    entra: () => entra.info(),
    armRequest: (method, p, body) =>
      router.handle({
        method,
        url: new URL(`${baseUrl}${p}?api-version=2024-07-01`),
        headers: { authorization: 'Bearer emulator-consumer' },
        internal: true,
        rawBody: body === undefined ? '' : JSON.stringify(body),
        baseUrl,
      }),
  });

  const server = https.createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const method = (req.method ?? 'GET').toUpperCase();
        // Concatenate rather than resolve: `//subscriptions/...` (metrics SDKs) is a path here, not a host.
        const url = new URL(`${baseUrl}${req.url ?? '/'}`);
        const rawBody = Buffer.concat(chunks).toString('utf8');
        let out: ArmResponse;
        try {
          const entraAnswer = await entra.handle(method, url.pathname);
          if (entraAnswer) {
            out = entraAnswer;
          } else if (url.pathname.startsWith('/_emulator/') || url.pathname === '/_emulator') {
            out = await handleControl(ctlRoutes, registry.control, method, url, req.headers, rawBody, baseUrl, runtime);
          } else {
            out = await router.handle({ method, url, headers: req.headers, rawBody, baseUrl });
          }
        } catch (e) {
          out = toErrorResponse(e);
        }
        if (method !== 'GET') scheduleSave();
        send(res, out);
      })();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8443, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `https://127.0.0.1:${port}`;
  await entra.start(baseUrl);

  return {
    url: baseUrl,
    port,
    caPem: tls.caPem,
    caFile,
    state: runtime.state,
    runtime,
    registry,
    interrupted,
    entra: { info: () => entra.info(), signingKey: () => entra.signingKey() },
    reset,
    async stop() {
      // A restart must not find resources stuck in an operation that no longer exists: finish the
      // running ones now (they would have finished within the LRO delay anyway).
      if (stateFile) runtime.lro.settleAll();
      runtime.lro.stop();
      runtime.events.stop();
      for (const p of registry.providers) p.stop?.();
      if (saveTimer) clearTimeout(saveTimer);
      saveTimer = undefined;
      save();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: import('node:http').ServerResponse, out: ArmResponse): void {
  const headers: Record<string, string> = {
    'x-ms-request-id': randomUUID(),
    'x-ms-correlation-request-id': randomUUID(),
    ...(out.headers ?? {}),
  };
  if (out.body !== undefined && out.status !== 204) {
    const text = JSON.stringify(out.body);
    headers['content-type'] = 'application/json; charset=utf-8';
    headers['content-length'] = String(Buffer.byteLength(text));
    res.writeHead(out.status, headers);
    res.end(text);
  } else {
    headers['content-length'] = '0';
    res.writeHead(out.status, headers);
    res.end();
  }
}
