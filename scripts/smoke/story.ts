import type { Action } from '../../core/responses/action';
import type { Forward } from '../../core/responses/forward';
import { parseResourceId } from '../../core/resource-id';
import type { HttpAnswer } from '../kit/http';
import { out, type StepRunner } from '../kit/steps';
import { forwardSpecOf, type SmokePlan } from './args';
import type { SmokeClients } from './clients';
import type { Created } from './cost';

/**
 * The smoke's story, the same on Azure and on the local stack: the control plane answers; a
 * forward is created and reaches Ready; a consumer private endpoint is created in the plan's
 * resource group and subnet (the real @azure/arm-network client); the product approves it and
 * writes its A record (checked from the consumer's side: the endpoint's connection state, and the
 * record's IP against the endpoint NIC's); a probe runs and connects; a node is powered off (the
 * real @azure/arm-compute client) and the health watch recycles it until every node is healthy;
 * then — always, also after a failure or Ctrl-C — the endpoint and the forward are deleted and
 * nothing the smoke made is left. Each step prints what it did, what the product answered and how
 * long it took (kit/steps.ts); the product is reached through its public API only.
 *
 * Safety: the forward's name must be free at the start (a forward that exists is never touched);
 * only what this run created is deleted (the endpoint by the name it created, the forward by the
 * name it found free).
 */
export interface Timings {
  /** Poll interval of the API (ms). */
  pollMs: number;
  readyMs: number;
  endpointMs: number;
  approvalMs: number;
  probeMs: number;
  recycleMs: number;
  deleteMs: number;
}

/**
 * Local: the stack's fast settings (cli.ts LOCAL_SETTINGS). Azure: a forward's nodes take minutes
 * to provision; a Pending connection may wait for the connections sweep (every 5 minutes) when no
 * event comes; a powered-off node is recycled only after the grace period (PLF_HEALTH_GRACE_SECONDS,
 * default 300 s) plus the metric delay (240 s), and a reimage takes minutes.
 */
export const TIMINGS: Record<SmokePlan['mode'], Timings> = {
  local: { pollMs: 300, readyMs: 120_000, endpointMs: 60_000, approvalMs: 60_000, probeMs: 90_000, recycleMs: 180_000, deleteMs: 120_000 },
  azure: { pollMs: 10_000, readyMs: 30 * 60_000, endpointMs: 15 * 60_000, approvalMs: 15 * 60_000, probeMs: 20 * 60_000, recycleMs: 45 * 60_000, deleteMs: 30 * 60_000 },
};

export interface SmokeContext {
  plan: SmokePlan;
  runner: StepRunner;
  clients: SmokeClients;
  timings: Timings;
  api(method: string, path: string, body?: unknown): Promise<HttpAnswer>;
}

/** What this run made (and learnt of it), for the cleanup, the "nothing left" check and the costs. */
export interface Made {
  /** The forward's name was free when the run started: whatever carries it now is this run's. */
  nameWasFree: boolean;
  forwardPut: boolean;
  resources: Forward['status']['resources'];
  endpoint?: { resourceGroup: string; name: string; id?: string; nicId?: string };
  zoneId?: string;
  probe?: { seconds: number; containers: number };
}

/** subscription, resource group, name (and child name) of a resource id (core/resource-id.ts parses it). */
function parts(id: string): { sub: string; rg: string; name: string; child?: string } {
  const r = parseResourceId(id);
  if (!r || r.names.length > 2) throw new Error(`not a resource id: ${id}`);
  return { sub: r.subscriptionId, rg: r.resourceGroup, name: r.names[0], ...(r.names[1] ? { child: r.names[1] } : {}) };
}

const statusCode = (err: unknown) => (err as { statusCode?: number }).statusCode;
/** Whether a read says the resource is gone (404); other errors are thrown. */
async function gone(read: () => Promise<unknown>): Promise<boolean> {
  try {
    await read();
    return false;
  } catch (err) {
    if (statusCode(err) === 404) return true;
    throw err;
  }
}

/** An API answer that is not the expected one, as an error naming the call, the status and the product's words. */
function unexpected(call: string, r: HttpAnswer): Error {
  const body = r.body as { title?: string; detail?: string; problems?: unknown } | string | undefined;
  const words = typeof body === 'string' ? body.slice(0, 300) : body ? JSON.stringify(body).slice(0, 500) : '(no body)';
  const hint = r.status === 401 ? ' — signed out: check --token / PLF_API_TOKEN' : r.status === 403 ? ' — the token lacks the Forwards.Operate role' : '';
  return new Error(`${call} answered ${r.status}${hint}: ${words}`);
}

const conditionOf = (b: Forward, type: string) => b.status.conditions.find((c) => c.type === type);
const nodesText = (b: Forward) => b.status.nodes.map((n) => `${n.instanceId}${n.ip ? `(${n.ip})` : ''}=${n.health}`).join(' ');

export async function runStory(ctx: SmokeContext, made: Made): Promise<void> {
  const { plan, runner: r, clients, timings: t } = ctx;
  const name = plan.forward;
  const path = `/api/forwards/${name}`;
  const lro = clients.lroPollMs ? { updateIntervalInMs: clients.lroPollMs } : {};
  const get = async (): Promise<Forward | undefined> => {
    const x = await ctx.api('GET', path);
    if (x.status === 404) return undefined;
    if (x.status !== 200) throw unexpected(`GET ${path}`, x);
    const b = x.body as Forward;
    made.resources = { ...made.resources, ...b.status.resources };
    return b;
  };
  const skip = (title: string, why: string) => out(`\n– ${title}: skipped (${why})\n`);

  const answers = await r.step(`the control plane answers at ${plan.apiUrl}`, async () => {
    const h = await ctx.api('GET', '/api/health');
    out(`  GET /api/health -> ${h.status}\n`);
    if (h.status !== 200) throw unexpected('GET /api/health', h);
    const f = await ctx.api('GET', path);
    out(`  GET ${path} -> ${f.status}\n`);
    if (f.status === 200) throw new Error(`a forward named "${name}" exists already: the smoke creates its own and never touches one it did not make (choose another --name)`);
    if (f.status !== 404) throw unexpected(`GET ${path}`, f);
    made.nameWasFree = true;
    return `healthy; the name "${name}" is free`;
  });
  if (!answers) return;

  const spec = forwardSpecOf(plan);
  const ready = await r.step(`create the forward ${name}: ${plan.nodes.count} × ${plan.nodes.vmSize} nodes, targets ${plan.targets.join(', ')}, port${plan.ports.length > 1 ? 's' : ''} ${plan.ports.map((p) => (p.port === p.targetPort ? p.port : `${p.port}->${p.targetPort}`)).join(', ')}`, async () => {
    made.forwardPut = true;
    const put = await ctx.api('PUT', path, spec);
    out(`  PUT ${path} -> ${put.status}\n`);
    if (put.status !== 202 && put.status !== 201 && put.status !== 200) throw unexpected(`PUT ${path}`, put);
    // Failed ends the wait too (a first generation that fails keeps observedGeneration 0).
    const b = await r.until('phase Ready', async () => {
      const x = await get();
      return x?.status.phase === 'Failed' || (x?.status.phase === 'Ready' && x.status.observedGeneration >= 1) ? x : undefined;
    }, t.readyMs, t.pollMs);
    if (b.status.phase === 'Failed') throw new Error(`phase Failed — ${b.status.error ? `${b.status.error.code}: ${b.status.error.message}` : conditionOf(b, 'Ready')?.message}`);
    const res = b.status.resources;
    out(`  load balancer ${res.loadBalancerId}\n  scale set ${res.scaleSetId}\n  private link service ${res.privateLinkServiceId}\n`);
    return `Ready: alias ${b.status.privateLinkServiceAlias}; nodes ${nodesText(b)}`;
  });

  const endpointTitle = `a consumer creates a private endpoint ${plan.endpointName} in ${plan.resourceGroup} (subnet ${plan.subnetId.split('/').slice(-3).join('/')})`;
  const endpointMade = ready
    ? await r.step(endpointTitle, async () => {
        const pls = made.resources.privateLinkServiceId;
        if (!pls) throw new Error('the forward shows no private link service id');
        const subnet = parts(plan.subnetId);
        const net = clients.network(plan.subscriptionId);
        const vnet = await net.virtualNetworks.get(subnet.rg, subnet.name);
        made.endpoint = { resourceGroup: plan.resourceGroup, name: plan.endpointName };
        const pe = await net.privateEndpoints.beginCreateOrUpdateAndWait(
          plan.resourceGroup,
          plan.endpointName,
          {
            location: vnet.location,
            subnet: { id: plan.subnetId },
            manualPrivateLinkServiceConnections: [{ name: plan.endpointName, privateLinkServiceId: pls, requestMessage: `npm run smoke:azure (${name})` }],
            tags: { 'plf-smoke': name },
          },
          lro,
        );
        made.endpoint.id = pe.id;
        made.endpoint.nicId = pe.networkInterfaces?.[0]?.id;
        const state = pe.manualPrivateLinkServiceConnections?.[0]?.privateLinkServiceConnectionState?.status;
        out(`  PUT ${pe.id} -> ${pe.provisioningState} (${vnet.location}); connection ${state}; NIC ${made.endpoint.nicId}\n`);
        return state === 'Pending' ? 'created; its connection is Pending until the provider decides' : `created; its connection is already ${state} (the product decided while the create ran)`;
      })
    : (skip(endpointTitle, 'no forward to connect to'), false);

  let nicIp: string | undefined;
  const approvedTitle = 'the product approves the endpoint and writes its A record';
  const approved = endpointMade
    ? await r.step(approvedTitle, async () => {
        const ep = made.endpoint!;
        const c = await r.until(
          'the connection Approved with its A record written',
          async () => {
            const x = (await get())?.status.connections?.find((k) => k.privateEndpointId.toLowerCase() === ep.id!.toLowerCase());
            return x?.state === 'Approved' && x.dns?.some((d) => d.state === 'written') ? x : undefined;
          },
          t.approvalMs,
          t.pollMs,
        );
        const dns = c.dns!.find((d) => d.state === 'written')!;
        made.zoneId = dns.zoneId;
        out(`  the product: ${c.state} (${c.reason}); ${dns.fqdn} -> ${dns.ip}\n`);
        // The consumer's side: its endpoint shows the decision, and the record holds its NIC's IP.
        const pe = await clients.network(plan.subscriptionId).privateEndpoints.get(ep.resourceGroup, ep.name);
        const seen = pe.manualPrivateLinkServiceConnections?.[0]?.privateLinkServiceConnectionState;
        if (seen?.status !== 'Approved') throw new Error(`the endpoint's own connection state is ${seen?.status}, not Approved`);
        const nic = parts(ep.nicId!);
        nicIp = (await clients.network(nic.sub).networkInterfaces.get(nic.rg, nic.name)).ipConfigurations?.[0]?.privateIPAddress;
        const zone = parts(dns.zoneId);
        const recordName = dns.fqdn.slice(0, dns.fqdn.length - zone.name.length - 1);
        const record = await clients.privateDns(zone.sub).recordSets.get(zone.rg, zone.name, 'A', recordName);
        const ips = record.aRecords?.map((a) => a.ipv4Address) ?? [];
        out(`  the endpoint: connection ${seen.status} ("${seen.description}"); NIC IP ${nicIp}; A ${recordName} in ${zone.name}: ${ips.join(', ')} (TTL ${record.ttl})\n`);
        if (ips.length !== 1 || ips[0] !== nicIp) throw new Error(`the A record holds ${ips.join(', ') || 'nothing'}, the endpoint's NIC has ${nicIp}`);
        return `${dns.fqdn} -> ${nicIp}, the endpoint's own IP`;
      })
    : (skip(approvedTitle, 'no endpoint'), false);

  const probeTitle = `a probe runs from ${plan.probeSubnetId.split('/').slice(-3).join('/')} and connects to ${plan.recordName}`;
  if (approved) {
    await r.step(probeTitle, async () => {
      const run = await ctx.api('POST', `${path}/probes/run`);
      if (run.status !== 202) throw unexpected(`POST ${path}/probes/run`, run);
      const runId = (run.body as { runId: string }).runId;
      out(`  POST ${path}/probes/run -> 202 (run ${runId})\n`);
      const result = await r.until(
        'the run to finish',
        async () => ((await ctx.api('GET', `${path}/probes/runs/${runId}`)).body as { result?: { outcome: string; host?: string; startedAt: string; finishedAt: string; ports: { port: number; ok: boolean; latencyMs?: number; stage?: string; detail: string }[] } }).result,
        t.probeMs,
        t.pollMs,
      );
      const seconds = (Date.parse(result.finishedAt) - Date.parse(result.startedAt)) / 1000;
      made.probe = { seconds, containers: result.ports.length };
      out(`  GET ${path}/probes/runs/${runId} -> ${result.outcome} in ${seconds.toFixed(1)} s: ${result.ports.map((p) => `${result.host}:${p.port} ${p.ok ? `ok ${p.latencyMs} ms` : `${p.stage ?? ''} ${p.detail}`}`).join('; ')}\n`);
      if (result.outcome !== 'ok') throw new Error(`outcome ${result.outcome}: ${result.ports.map((p) => `${p.port} ${p.stage ?? ''} ${p.detail}`).join('; ')}`);
      return `ok: ${result.ports.map((p) => `${result.host}:${p.port} in ${p.latencyMs} ms`).join(', ')}`;
    });
  } else skip(probeTitle, 'no approved endpoint with its record');

  const recycleTitle = 'a node is powered off: the health watch recycles it and every node is healthy again';
  if (ready) {
    await r.step(recycleTitle, async () => {
      const b = (await get())!;
      const node = b.status.nodes[0];
      const vmss = parts(made.resources.scaleSetId!);
      const compute = clients.compute(vmss.sub);
      // Actions from a minute before the power-off on (the app's clock may differ from this one); a
      // new forward has no earlier reimage or replace: its nodes were created, not rolled.
      const before = new Date(Date.now() - 60_000).toISOString();
      await compute.virtualMachineScaleSetVMs.beginPowerOffAndWait(vmss.rg, vmss.name, node.instanceId, lro);
      const view = await compute.virtualMachineScaleSetVMs.getInstanceView(vmss.rg, vmss.name, node.instanceId);
      out(`  POST ${vmss.name}/virtualMachines/${node.instanceId}/powerOff -> ${view.statuses?.map((s) => s.code).join(', ')}\n`);
      // Oldest first: the action log answers newest first.
      const recycles = async () => ((((await ctx.api('GET', `${path}/actions?top=50`)).body as { value?: Action[] }).value ?? []).filter((a) => a.time >= before && ['reimage', 'replace'].includes(a.action))).reverse();
      const action = await r.until(
        `a recycle of instance ${node.instanceId}`,
        async () => (await recycles())[0],
        t.recycleMs,
        t.pollMs,
      );
      out(`  the product: ${action.action} ${action.target} — ${action.reason}\n`);
      const healthy = await r.until(
        'every node healthy again',
        async () => {
          const x = await get();
          return x && x.status.nodes.length === plan.nodes.count && x.status.nodes.every((n) => n.health === 'healthy') && conditionOf(x, 'NodesHealthy')?.status === 'True' ? x : undefined;
        },
        t.recycleMs,
        t.pollMs,
      );
      // A reimage may not bring a powered-off node back (tools/emulator/AZURE-RULES.md VMSS-6): then
      // the product replaces it, and the story says so.
      return `recycled by ${(await recycles()).map((a) => a.action).join(', then ')}; nodes ${nodesText(healthy)}`;
    });
  } else skip(recycleTitle, 'no forward');
}

/**
 * Deletes what the run made — the endpoint first (the product removes its record and connection),
 * then the forward — and checks nothing of it is left. Runs after the story whatever happened.
 */
export async function cleanUp(ctx: SmokeContext, made: Made): Promise<void> {
  const { plan, runner: r, clients, timings: t } = ctx;
  const path = `/api/forwards/${plan.forward}`;
  const lro = clients.lroPollMs ? { updateIntervalInMs: clients.lroPollMs } : {};
  if (!made.nameWasFree) return;

  if (made.endpoint) {
    const ep = made.endpoint;
    await r.step(`delete the consumer endpoint ${ep.name}: the product drops its connection and A record`, async () => {
      const net = clients.network(plan.subscriptionId);
      const existed = !(await gone(() => net.privateEndpoints.get(ep.resourceGroup, ep.name)));
      if (existed) await net.privateEndpoints.beginDeleteAndWait(ep.resourceGroup, ep.name, lro);
      out(`  DELETE ${ep.name} -> ${existed ? 'deleted' : 'was not there'}\n`);
      if (!made.forwardPut) return 'deleted';
      await r.until(
        'the connection gone from the forward',
        async () => {
          const x = await ctx.api('GET', path);
          if (x.status === 404) return true;
          const conns = (x.body as Forward).status.connections ?? [];
          return conns.some((c) => ep.id && c.privateEndpointId.toLowerCase() === ep.id.toLowerCase()) ? undefined : true;
        },
        t.approvalMs,
        t.pollMs,
      );
      return 'deleted; the forward lists no connection of it';
    });
  }

  if (made.forwardPut) {
    await r.step(`delete the forward ${plan.forward}`, async () => {
      const d = await ctx.api('DELETE', path);
      out(`  DELETE ${path} -> ${d.status}\n`);
      if (d.status !== 202 && d.status !== 404) throw unexpected(`DELETE ${path}`, d);
      await r.until('the forward gone (GET 404)', async () => ((await ctx.api('GET', path)).status === 404 ? true : undefined), t.deleteMs, t.pollMs);
      return 'gone';
    });
  }

  if (made.forwardPut || made.endpoint) {
    await r.step('nothing the smoke made is left', async () => {
      const left: string[] = [];
      const checked: string[] = [];
      const check = async (what: string, read: () => Promise<unknown>) => {
        checked.push(what);
        if (!(await gone(read))) left.push(what);
      };
      if ((await ctx.api('GET', path)).status !== 404) left.push(`forward ${plan.forward}`);
      const res = made.resources;
      const forwardResources: [string, string | undefined, (p: ReturnType<typeof parts>) => Promise<unknown>][] = [
        ['load balancer', res.loadBalancerId, (p) => clients.network(p.sub).loadBalancers.get(p.rg, p.name)],
        ['scale set', res.scaleSetId, (p) => clients.compute(p.sub).virtualMachineScaleSets.get(p.rg, p.name)],
        ['private link service', res.privateLinkServiceId, (p) => clients.network(p.sub).privateLinkServices.get(p.rg, p.name)],
      ];
      for (const [kind, id, read] of forwardResources) {
        if (!id) continue;
        const p = parts(id);
        await check(`${kind} ${p.name}`, () => read(p));
      }
      if (made.endpoint) {
        const ep = made.endpoint;
        await check(`private endpoint ${ep.name}`, () => clients.network(plan.subscriptionId).privateEndpoints.get(ep.resourceGroup, ep.name));
        if (ep.nicId) {
          const p = parts(ep.nicId);
          await check(`endpoint NIC ${p.name}`, () => clients.network(p.sub).networkInterfaces.get(p.rg, p.name));
        }
      }
      if (made.zoneId) {
        const z = parts(made.zoneId);
        await check(`A record ${plan.recordName}.${z.name}`, () => clients.privateDns(z.sub).recordSets.get(z.rg, z.name, 'A', plan.recordName));
      }
      // Probe container groups carry the forward's tag (azure/container-group/service.ts).
      const probe = parts(plan.probeSubnetId);
      checked.push(`probe container groups in ${probe.rg}`);
      for await (const g of clients.containers(probe.sub).containerGroups.listByResourceGroup(probe.rg)) {
        if (g.tags?.['plf-forward'] === plan.forward) left.push(`container group ${g.name}`);
      }
      out(`  checked: forward (GET 404), ${checked.join(', ')}\n`);
      if (left.length) throw new Error(`left behind: ${left.join(', ')}`);
      return 'all gone';
    });
  }
}

/** What the run created, for the cost table: the forward as specified, the endpoint, the probe as measured. */
export function createdOf(plan: SmokePlan, made: Made, probe: { cpu: number; memoryInGB: number }): Created {
  return {
    nodes: { vmSize: plan.nodes.vmSize, count: made.forwardPut ? plan.nodes.count : 0 },
    loadBalancerRules: made.forwardPut ? plan.ports.length : 0,
    privateLinkServices: made.forwardPut ? 1 : 0,
    privateEndpoints: made.endpoint?.id ? 1 : 0,
    // Priced at the product's default probe schedule (every PT15M: 4 runs an hour), from the run measured here.
    ...(made.probe ? { probe: { containers: made.probe.containers, cpuPerContainer: probe.cpu, memoryGBPerContainer: probe.memoryInGB, seconds: made.probe.seconds, runsPerHour: 4 } } : {}),
  };
}
