import type { IncomingHttpHeaders } from 'node:http';
import { applyMetricSettings, metricSettingProblems, metricSettings } from '../providers/monitor/settings';
import { ArmError, invalidParameters } from '../arm/errors';
import { validateFaultRule } from '../arm/faults';
import type { ArmResponse, EmulatorRuntime, RawContext } from '../arm/types';
import { validateEventSubscription } from '../eventgrid/publisher';
import { isIpv4 } from '../state/ip-allocator';
import type { ProviderRegistry } from '../providers';
import { isObject } from '../arm/stored-resource';
import { armLimitRoutes } from '../arm/limits-control';
import { clockRoutes } from './clock-routes';
import type { EntraIssuerInfo } from '../entra/issuer';

/**
 * The control API under /_emulator/ (documented in emulator/README.md). No auth: it only listens
 * on loopback and exists for tests and demos. Bad input gets 400 with every problem named.
 */
export interface ControlDeps {
  emu: EmulatorRuntime;
  registry: ProviderRegistry;
  reset(opts?: { keepEventSubscriptions?: boolean }): void;
  save(): string | undefined;
  /** The local Entra ID issuer's URLs (entra/issuer.ts). */
  entra(): EntraIssuerInfo;
  /** Sends a request through the ARM front door as a client would (logged, events, faults). */
  armRequest(method: string, path: string, body?: unknown): Promise<ArmResponse>;
}

type Route = { method: string; pattern: RegExp; handle: (ctx: RawContext, m: RegExpMatchArray) => ArmResponse | Promise<ArmResponse> };

const ok = (body: unknown, status = 200): ArmResponse => ({ status, body });

function targetOf(emu: EmulatorRuntime, ip: string) {
  const t = emu.state.targets.get(ip);
  if (!t) throw new ArmError(404, 'TargetNotFound', `No target ${ip} in the emulator (known: ${[...emu.state.targets.keys()].join(', ') || 'none'}).`);
  return t;
}

function validPort(p: unknown): p is number {
  return Number.isInteger(p) && (p as number) >= 1 && (p as number) <= 65535;
}

export function controlRoutes(deps: ControlDeps): Route[] {
  const { emu } = deps;
  return [
    ...armLimitRoutes(emu),
    ...clockRoutes(emu),
    { method: 'GET', pattern: /^\/health$/, handle: () => ok({ status: 'ok', resourceTypes: deps.registry.typeNames() }) },
    {
      method: 'POST',
      pattern: /^\/reset$/,
      handle: (ctx) => {
        const b = ctx.body;
        if (b !== undefined && !(isObject(b) && Object.keys(b).every((k) => k === 'keepEventSubscriptions') && (b.keepEventSubscriptions === undefined || typeof b.keepEventSubscriptions === 'boolean'))) {
          throw invalidParameters(['Body must be empty or {"keepEventSubscriptions": boolean}.']);
        }
        deps.reset({ keepEventSubscriptions: isObject(b) && b.keepEventSubscriptions === true });
        return ok({ status: 'reset' });
      },
    },
    { method: 'POST', pattern: /^\/save$/, handle: () => ok({ stateFile: deps.save() ?? null }) },
    // The local Entra ID issuer: what the app's PLF_AUTH_ISSUER and PLF_AUTH_JWKS_URL are set to locally.
    { method: 'GET', pattern: /^\/entra$/, handle: () => ok(deps.entra()) },
    { method: 'GET', pattern: /^\/state$/, handle: () => ok(emu.state.snapshot()) },
    { method: 'GET', pattern: /^\/settings$/, handle: () => ok({ lroDelayMs: emu.options.lroDelayMs, pageSize: emu.options.pageSize, ...metricSettings(emu) }) },
    {
      method: 'PUT',
      pattern: /^\/settings$/,
      handle: (ctx) => {
        const b = ctx.body as Record<string, unknown>;
        const problems: string[] = [];
        if (!isObject(b)) throw invalidParameters(['Body must be a JSON object.']);
        if (b.lroDelayMs !== undefined && !(Number.isInteger(b.lroDelayMs) && (b.lroDelayMs as number) >= 0)) problems.push('lroDelayMs must be a non-negative integer.');
        if (b.pageSize !== undefined && !(Number.isInteger(b.pageSize) && (b.pageSize as number) >= 1)) problems.push('pageSize must be a positive integer.');
        problems.push(...metricSettingProblems(emu, b));
        if (problems.length) throw invalidParameters(problems);
        applyMetricSettings(emu, b);
        if (b.lroDelayMs !== undefined) emu.options.lroDelayMs = emu.lro.delayMs = b.lroDelayMs as number;
        if (b.pageSize !== undefined) emu.options.pageSize = b.pageSize as number;
        return ok({ lroDelayMs: emu.options.lroDelayMs, pageSize: emu.options.pageSize, ...metricSettings(emu) });
      },
    },
    // Long-running operations
    {
      method: 'GET',
      pattern: /^\/operations$/,
      handle: () => ok({ value: emu.lro.running().map((op) => ({ id: op.id, resourceId: op.resourceId, status: op.status, startTime: op.startTime, dueAt: new Date(op.dueAt).toISOString() })) }),
    },
    { method: 'POST', pattern: /^\/operations\/settle$/, handle: () => ok({ completed: emu.lro.settleAll() }) },
    // Request log
    { method: 'GET', pattern: /^\/requests$/, handle: () => ok({ value: emu.requests.list() }) },
    {
      method: 'DELETE',
      pattern: /^\/requests$/,
      handle: () => {
        emu.requests.clear();
        return { status: 204 };
      },
    },
    // Faults
    { method: 'GET', pattern: /^\/faults$/, handle: () => ok({ value: emu.faults.list() }) },
    { method: 'POST', pattern: /^\/faults$/, handle: (ctx) => ok(emu.faults.add(validateFaultRule(ctx.body)), 201) },
    {
      method: 'DELETE',
      pattern: /^\/faults$/,
      handle: () => {
        emu.faults.clear();
        return { status: 204 };
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/faults\/([^/]+)$/,
      handle: (_ctx, m) => {
        if (!emu.faults.remove(m[1])) throw new ArmError(404, 'FaultNotFound', `No fault rule ${m[1]}.`);
        return { status: 204 };
      },
    },
    // Event Grid
    { method: 'GET', pattern: /^\/eventgrid\/subscriptions$/, handle: () => ok({ value: emu.events.subscriptions() }) },
    { method: 'POST', pattern: /^\/eventgrid\/subscriptions$/, handle: async (ctx) => ok(await emu.events.subscribe(validateEventSubscription(ctx.body)), 201) },
    {
      method: 'DELETE',
      pattern: /^\/eventgrid\/subscriptions\/([^/]+)$/,
      handle: (_c, m) => {
        if (!emu.events.unsubscribe(decodeURIComponent(m[1]))) throw new ArmError(404, 'EventSubscriptionNotFound', `No event subscription ${m[1]}.`);
        return { status: 204 };
      },
    },
    { method: 'GET', pattern: /^\/eventgrid\/deliveries$/, handle: () => ok({ value: emu.events.deliveries() }) },
    {
      method: 'DELETE',
      pattern: /^\/eventgrid\/deliveries$/,
      handle: () => {
        emu.events.clearLog();
        return { status: 204 };
      },
    },
    { method: 'GET', pattern: /^\/eventgrid\/switches$/, handle: () => ok(emu.events.switches) },
    {
      method: 'PUT',
      pattern: /^\/eventgrid\/switches$/,
      handle: (ctx) => {
        const b = ctx.body as Record<string, unknown>;
        if (!isObject(b)) throw invalidParameters(['Body must be a JSON object.']);
        const problems: string[] = [];
        for (const k of ['duplicate', 'reorder', 'providerConnectionEvents']) if (b[k] !== undefined && typeof b[k] !== 'boolean') problems.push(`${k} must be a boolean.`);
        if (b.delayMs !== undefined && !(Number.isInteger(b.delayMs) && (b.delayMs as number) >= 0 && (b.delayMs as number) <= 600_000)) problems.push('delayMs must be an integer 0-600000.');
        const unknown = Object.keys(b).filter((k) => !['duplicate', 'reorder', 'delayMs', 'providerConnectionEvents'].includes(k));
        if (unknown.length) problems.push(`unknown switch(es): ${unknown.join(', ')}.`);
        if (problems.length) throw invalidParameters(problems);
        Object.assign(emu.events.switches, b);
        return ok(emu.events.switches);
      },
    },
    // Targets
    { method: 'GET', pattern: /^\/targets$/, handle: () => ok({ value: [...emu.state.targets.values()] }) },
    {
      method: 'PUT',
      pattern: /^\/targets\/([^/]+)$/,
      handle: (ctx, m) => {
        const ip = decodeURIComponent(m[1]);
        const b = ctx.body as Record<string, unknown>;
        const problems: string[] = [];
        if (!isIpv4(ip)) problems.push(`'${ip}' is not an IPv4 address.`);
        if (!isObject(b)) problems.push('Body must be a JSON object {up, openPorts}.');
        else {
          if (b.up !== undefined && typeof b.up !== 'boolean') problems.push('up must be a boolean.');
          if (!Array.isArray(b.openPorts) || !b.openPorts.every(validPort)) problems.push('openPorts must be an array of ports 1-65535.');
        }
        if (problems.length) throw invalidParameters(problems);
        const t = { ip, up: (b.up as boolean | undefined) ?? true, openPorts: [...(b.openPorts as number[])] };
        emu.state.targets.set(ip, t);
        return ok(t);
      },
    },
    {
      method: 'POST',
      pattern: /^\/targets\/([^/]+)\/(up|down)$/,
      handle: (_c, m) => {
        const t = targetOf(emu, decodeURIComponent(m[1]));
        t.up = m[2] === 'up';
        return ok(t);
      },
    },
    {
      method: 'POST',
      pattern: /^\/targets\/([^/]+)\/ports\/([^/]+)\/(open|close)$/,
      handle: (_c, m) => {
        const t = targetOf(emu, decodeURIComponent(m[1]));
        const port = Number(m[2]);
        if (!validPort(port)) throw invalidParameters([`'${m[2]}' is not a port 1-65535.`]);
        t.openPorts = t.openPorts.filter((p) => p !== port);
        if (m[3] === 'open') t.openPorts.push(port);
        t.openPorts.sort((a, b) => a - b);
        return ok(t);
      },
    },
    // Nodes (compute provider hook)
    {
      method: 'POST',
      pattern: /^\/nodes\/(break|repair)$/,
      handle: (ctx, m) => {
        const b = ctx.body as Record<string, unknown>;
        if (!isObject(b) || typeof b.target !== 'string' || b.target === '') {
          throw invalidParameters(['Body must be {"target": "<VMSS instance id or node IP>"}.']);
        }
        const nc = deps.registry.hooks.nodeControl;
        if (!nc) throw new ArmError(501, 'NotImplemented', 'No provider implements node control (the compute provider registers nodeControl).');
        if (b.mode !== undefined && b.mode !== 'broken' && b.mode !== 'hung') throw invalidParameters(['mode must be "broken" (default: probes fail) or "hung" (probes fail and the VM agent is not ready).']);
        return m[1] === 'break' ? nc.breakNode(emu, b.target, { persistent: b.persistent === true, mode: b.mode === 'hung' ? 'hung' : 'broken' }) : nc.repairNode(emu, b.target);
      },
    },
    // Data path (emulator/datapath hook)
    {
      method: 'POST',
      pattern: /^\/datapath$/,
      handle: (ctx) => {
        const dp = deps.registry.hooks.dataPath;
        if (!dp) throw new ArmError(501, 'NotImplemented', 'No data-path module is registered (emulator/datapath registers dataPath).');
        return dp(emu, ctx.body);
      },
    },
    // A consumer creates a private endpoint, as a consumer would (through the ARM front door).
    {
      method: 'POST',
      pattern: /^\/consumer-endpoints$/,
      handle: (ctx) => consumerEndpoint(deps, ctx.body),
    },
  ];
}

async function consumerEndpoint(deps: ControlDeps, body: unknown): Promise<ArmResponse> {
  const problems: string[] = [];
  if (!isObject(body)) throw invalidParameters(['Body must be a JSON object.']);
  const b = body;
  for (const k of ['subnetId', 'name']) if (typeof b[k] !== 'string' || b[k] === '') problems.push(`${k} is required.`);
  if (typeof b.privateLinkServiceId !== 'string' && typeof b.alias !== 'string') problems.push('privateLinkServiceId or alias is required.');
  if (b.manual !== undefined && typeof b.manual !== 'boolean') problems.push('manual must be a boolean.');
  const subnet = typeof b.subnetId === 'string' ? /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\//i.exec(b.subnetId) : null;
  if (typeof b.subnetId === 'string' && !subnet) problems.push('subnetId is not a subnet resource id.');
  if (problems.length) throw invalidParameters(problems);
  const sub = (b.subscriptionId as string | undefined) ?? (subnet as RegExpExecArray)[1];
  const rg = (b.resourceGroup as string | undefined) ?? (subnet as RegExpExecArray)[2];
  const conn = {
    name: `${b.name}-conn`,
    properties: {
      privateLinkServiceId: b.privateLinkServiceId ?? b.alias,
      requestMessage: b.requestMessage ?? 'Please approve my connection.',
    },
  };
  const location = (b.location as string | undefined) ?? deps.emu.state.get(`/subscriptions/${sub}/resourceGroups/${rg}`)?.body.location ?? 'westeurope';
  const pe = {
    location,
    properties: {
      subnet: { id: b.subnetId },
      [b.manual === false ? 'privateLinkServiceConnections' : 'manualPrivateLinkServiceConnections']: [conn],
    },
  };
  const path = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/privateEndpoints/${b.name}`;
  return deps.armRequest('PUT', path, pe);
}

export async function handleControl(
  routes: Route[],
  extra: Array<{ method: string; pattern: RegExp; handle: (ctx: RawContext) => ArmResponse | Promise<ArmResponse> }>,
  method: string,
  url: URL,
  headers: IncomingHttpHeaders,
  rawBody: string,
  baseUrl: string,
  emu: EmulatorRuntime,
): Promise<ArmResponse> {
  const sub = url.pathname.replace(/^\/_emulator/, '') || '/';
  let body: unknown;
  if (rawBody.trim() !== '') {
    try {
      body = JSON.parse(rawBody);
    } catch (e) {
      throw new ArmError(400, 'InvalidRequestFormat', `Body is not JSON: ${(e as Error).message}`);
    }
  }
  for (const r of [...routes, ...extra]) {
    const m = sub.match(r.pattern);
    if (m && r.method.toUpperCase() === method) {
      const ctx: RawContext = { method, url, match: m, apiVersion: null, headers, body, baseUrl, emu };
      return (r as Route).handle(ctx, m);
    }
  }
  const known = [...routes, ...extra].some((r) => r.pattern.test(sub));
  throw new ArmError(known ? 405 : 404, known ? 'MethodNotAllowed' : 'NotFound', `No control route ${method} /_emulator${sub}. See emulator/README.md.`);
}
