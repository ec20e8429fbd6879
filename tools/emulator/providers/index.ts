/**
 * Provider registry — THE EXTENSION POINT of the emulator.
 *
 * A provider is a folder `emulator/providers/<name>/` whose `index.ts` exports
 *
 *     export const provider: EmulatorProvider = { name: 'compute', resourceTypes: [...], ... };
 *
 * Folders are discovered at start (no edit of this file needed). `emulator/datapath/index.ts`
 * is discovered the same way and normally only sets `dataPath`.
 *
 * What the framework does before a handler runs (so handlers never repeat it):
 *   bearer token (401), api-version (400; a version the type has not registered in
 *   arm/api-versions.ts → NoRegisteredProviderFound: add new Azure types' namespaces there, test
 *   types declare `apiVersions`), identity and scope (401 another tenant, 403 not granted:
 *   arm/authorization.ts), ARM throttling (429, arm/throttle.ts), quotas (arm/quotas.ts),
 *   fault rules (429/5xx/latency; failLro is handed to the
 *   handler as `ctx.req.failLro`), subscription and resource-group existence (404), JSON body
 *   parsing (400 InvalidRequestFormat), settling due long-running operations, request logging.
 *
 * Routing (`ctx.req.path` is the parsed ArmPath; type segments match case-insensitively):
 *   GET    .../{type}/{name}             -> handler.get
 *   PUT    .../{type}/{name}             -> handler.put
 *   PATCH  .../{type}/{name}             -> handler.patch
 *   DELETE .../{type}/{name}             -> handler.delete
 *   GET    .../{type}                    -> handler.list (also sub-paths: register
 *                                           "Microsoft.Compute/virtualMachineScaleSets/instanceView"
 *                                           with `list` to answer GET .../vmss/{n}/instanceView)
 *   POST   .../{type}/{name}/{action}    -> handler.actions[action]
 *   extension resources (.../{resource}/providers/Microsoft.Insights/metrics) are routed by their
 *   own type with `ctx.req.path.scope` = the parent resource.
 *   `routes` (RawRoute) are tried first, for paths that are not resource paths.
 *
 * Building blocks for handlers (all in emulator/arm/):
 *   errors.ts          ArmError + resourceNotFound / invalidParameters / conflict / preconditionFailed
 *   etag.ts            newEtag, checkPreconditions (If-Match / If-None-Match: *)
 *   lro.ts             ctx.emu.lro.begin({... onSucceeded, onFailed, failWith: ctx.req.failLro})
 *                      then ctx.emu.lro.accepted(op, {baseUrl, apiVersion, method}, 201|200|202, body)
 *   stored-resource.ts storedResourceHandlers(spec): GET/list/PUT/PATCH/DELETE of a stored ARM body
 *                      with etags, tags, LRO and events; supply build/afterWrite/beforeDelete/render
 *   actions.ts         longRunningAction(ctx, {resourceId, resourceType, action, run}) for POST
 *                      actions: 202 + polling, ResourceActionSuccess event on completion
 *   pagination.ts      paginate(ctx, items) -> {value, nextLink}
 *   resource-path.ts   parseResourceId(id) for ids found in bodies, idKey for case-insensitive keys
 * State (ctx.emu.state, emulator/state/store.ts): resources by id, `ips` (subnet IP allocation,
 *   allocateIp in providers/network/subnets.ts), `targets` (on-prem targets), and
 *   `bag(name, init)` for a provider's own JSON-serialisable state (saved with the state file).
 * Events: ctx.emu.events.publishResource({kind: 'write'|'delete'|'action', resourceId,
 *   resourceType, subscriptionId, tenantId: ctx.emu.options.tenantId, action?}) after a change
 *   takes effect (storedResourceHandlers does it for you).
 * Hooks: set `nodeControl` (compute) for POST /_emulator/nodes/{break|repair} and `dataPath`
 *   (datapath) for POST /_emulator/datapath; `control` adds more /_emulator/ routes; `seed` runs
 *   on start and on every reset.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ControlRoute, EmulatorHooks, RawRoute, ResourceTypeHandler } from '../arm/types';
import type { EmulatorProvider } from './provider';

export type { EmulatorProvider } from './provider';

export class ProviderRegistry {
  readonly providers: EmulatorProvider[] = [];
  private readonly types = new Map<string, ResourceTypeHandler>();
  readonly routes: RawRoute[] = [];
  readonly control: ControlRoute[] = [];
  readonly hooks: EmulatorHooks = {};

  register(p: EmulatorProvider): void {
    if (this.providers.some((q) => q.name === p.name)) throw new Error(`emulator provider '${p.name}' registered twice`);
    this.providers.push(p);
    for (const h of p.resourceTypes ?? []) {
      const k = h.type.toLowerCase();
      if (this.types.has(k)) throw new Error(`resource type ${h.type} registered twice (provider ${p.name})`);
      this.types.set(k, h);
    }
    this.routes.push(...(p.routes ?? []));
    this.control.push(...(p.control ?? []));
    if (p.nodeControl) this.hooks.nodeControl = p.nodeControl;
    if (p.dataPath) this.hooks.dataPath = p.dataPath;
  }

  handlerFor(fullType: string): ResourceTypeHandler | undefined {
    return this.types.get(fullType.toLowerCase());
  }

  typeNames(): string[] {
    return [...this.types.values()].map((h) => h.type);
  }
}

function loadModule(dir: string): EmulatorProvider | undefined {
  const hasIndex = ['index.ts', 'index.js'].some((f) => fs.existsSync(path.join(dir, f)));
  if (!hasIndex) return undefined;
  const mod = require(dir) as { provider?: EmulatorProvider; default?: EmulatorProvider };
  return mod.provider ?? mod.default;
}

/** Every provider folder under emulator/providers/ plus emulator/datapath/, in name order. */
export function discoverProviders(): EmulatorProvider[] {
  const out: EmulatorProvider[] = [];
  const dirs = fs
    .readdirSync(__dirname, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => path.join(__dirname, d.name))
    .sort();
  dirs.push(path.join(__dirname, '..', 'datapath'));
  for (const dir of dirs) {
    if (!fs.existsSync(dir)) continue;
    const p = loadModule(dir);
    if (p) out.push(p);
  }
  return out;
}
