import { ArmError, invalidParameters, resourceNotFound } from '../../arm/errors';
import { longRunningAction } from '../../arm/actions';
import { isObject, storedResourceHandlers } from '../../arm/stored-resource';
import type { ArmContext } from '../../arm/types';
import type { StoredResource } from '../../state/store';
import { isIpv4 } from '../../state/ip-allocator';
import { allocateIp, delegationsOf, refId, type Json } from '../network/common';
import type { EmulatorProvider } from '../provider';
import { advance, containerInstanceView, containerLogs, containersOf, groupState, internalOf, pullGiveUpMs, settings, startGroup, subnetOf, unpullableImages, type CgInternal } from './runs';

/**
 * Container groups (Azure Container Instances) that run connectivity probes. A group injected in
 * a subnet (which must be delegated to Microsoft.ContainerInstance/containerGroups and be in the
 * group's subscription) gets an IP there; each container's command runs against the simulated
 * data path from that subnet. The containers are Running for `runMs` (control API
 * `PUT /_emulator/containerinstance/settings {runMs, restartDelayMs, pullRetryMs, pullGiveUpMs}`; default: the LRO delay),
 * then Terminated with the command's exit code or restarted by the restart policy (runs.ts);
 * logs hold what busybox would print (probe-command.ts). Names resolve through the group's DNS
 * (dns.ts: `dnsConfig`, else Azure-provided DNS; never the VNet's custom DNS servers). An image
 * the registry model cannot serve (registry.ts) keeps the create operation running while the
 * containers show Pulling / Failed / BackOff events, then fails it (runs.ts).
 * Rules: tools/emulator/AZURE-RULES.md, section "Container instances (probes)" (ACI-n).
 */
const T_CG = 'Microsoft.ContainerInstance/containerGroups';
const DELEGATION = 'Microsoft.ContainerInstance/containerGroups';

function validate(ctx: ArmContext, body: Json, id: string): string[] {
  const problems: string[] = [];
  const props = (isObject(body.properties) ? body.properties : {}) as Json;
  const containers = props.containers;
  if (!Array.isArray(containers) || containers.length === 0) problems.push('The container group must have at least one container.');
  else
    (containers as Json[]).forEach((c, i) => {
      const p = (isObject(c.properties) ? c.properties : {}) as Json;
      if (typeof c.name !== 'string' || !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(c.name)) problems.push(`containers[${i}].name must be lowercase letters, digits and hyphens.`);
      if (typeof p.image !== 'string' || !p.image) problems.push(`containers[${i}].properties.image is required.`);
      const req = ((p.resources as Json | undefined)?.requests ?? {}) as Json;
      if (typeof req.cpu !== 'number' || typeof req.memoryInGB !== 'number') problems.push(`containers[${i}].properties.resources.requests needs cpu and memoryInGB.`);
      if (p.command !== undefined && (!Array.isArray(p.command) || (p.command as unknown[]).some((x) => typeof x !== 'string'))) problems.push(`containers[${i}].properties.command must be a list of strings.`);
    });
  if (props.osType !== 'Linux' && props.osType !== 'Windows') problems.push("The 'osType' property must be Linux or Windows.");
  if (props.restartPolicy !== undefined && !['Always', 'OnFailure', 'Never'].includes(String(props.restartPolicy))) problems.push("The 'restartPolicy' property must be Always, OnFailure or Never.");
  const subnets = (props.subnetIds as Json[] | undefined) ?? [];
  if (subnets.length > 1) problems.push('Only one subnet per container group is supported.');
  for (const s of subnets) {
    const sid = refId(s);
    const subnet = sid ? ctx.emu.state.get(sid) : undefined;
    if (!subnet) {
      problems.push(`Subnet ${sid ?? '(missing id)'} referenced by the container group was not found.`);
      continue;
    }
    if (!delegationsOf(subnet).includes(DELEGATION)) problems.push(`Subnet ${sid} is not delegated to ${DELEGATION}.`);
    if (subnet.subscriptionId.toLowerCase() !== id.split('/')[2].toLowerCase()) problems.push(`Subnet ${sid} is in another subscription than the container group; Azure requires the same subscription.`);
    // ACI-4: a subnet delegated to container groups holds container groups only.
    const others = ctx.emu.state.ips.allocations(subnet.id.toLowerCase()).filter((a) => !a.owner.toLowerCase().includes(`/providers/${T_CG.toLowerCase()}/`));
    if (others.length) problems.push(`Subnet ${sid} holds other resources (${[...new Set(others.map((a) => a.owner))].join(', ')}); a subnet delegated to ${DELEGATION} can hold container groups only.`);
  }
  problems.push(...dnsConfigProblems(props.dnsConfig));
  return problems;
}

/** ACI-11: `dnsConfig` (ContainerGroupProperties.dnsConfig, DnsConfiguration: nameServers required, IPv4 addresses). */
function dnsConfigProblems(dns: unknown): string[] {
  if (dns === undefined || dns === null) return [];
  if (!isObject(dns)) return ['dnsConfig must be an object {nameServers, searchDomains?, options?}.'];
  const problems: string[] = [];
  const ns = dns.nameServers;
  if (!Array.isArray(ns) || ns.length === 0) problems.push('dnsConfig.nameServers is required: a non-empty list of IP addresses.');
  else ns.forEach((x, i) => {
    if (typeof x !== 'string' || !isIpv4(x)) problems.push(`dnsConfig.nameServers[${i}] must be an IPv4 address, got ${JSON.stringify(x)}.`);
  });
  for (const k of ['searchDomains', 'options']) if (dns[k] !== undefined && typeof dns[k] !== 'string') problems.push(`dnsConfig.${k} must be a string.`);
  return problems;
}

const stored = storedResourceHandlers({
  type: T_CG,
  longRunning: true,
  tracked: true,
  patch: 'tags',
  provisioningState: true,
  build(ctx, { body, existing, id }) {
    const problems = validate(ctx, body, id);
    if (problems.length) throw invalidParameters(problems);
    const props = { ...((body.properties ?? {}) as Json) };
    delete props.provisioningState;
    delete props.instanceView;
    return {
      body: {
        ...(body.zones ? { zones: body.zones } : {}),
        properties: { restartPolicy: 'Always', sku: 'Standard', ...props },
      },
      internal: { runs: (existing?.internal as unknown as CgInternal | undefined)?.runs ?? [] } as unknown as Record<string, unknown>,
    };
  },
  afterWrite(ctx, r) {
    const sid = subnetOf(r);
    const props = r.body.properties as Json;
    if (sid) {
      // The group keeps its address across updates; a move to another subnet gets a new one.
      const subnet = ctx.emu.state.get(sid)!;
      const held = ctx.emu.state.ips.allocations(subnet.id.toLowerCase()).find((a) => a.owner.toLowerCase() === r.id.toLowerCase());
      if (!held) ctx.emu.state.ips.releaseOwner(r.id);
      const ip = held?.ip ?? allocateIp(ctx.emu, subnet, r.id);
      const asked = isObject(props.ipAddress) ? props.ipAddress : {};
      props.ipAddress = { ports: Array.isArray(asked.ports) ? asked.ports : [], type: 'Private', ip };
    }
    // A create or an update restarts the group (ACI recreates containers on update).
    startGroup(ctx.emu, r);
  },
  // ACI-6, ACI-7: an image that cannot be pulled keeps the deployment running while ACI retries, then
  // fails it. The final code is undocumented; InaccessibleImage is ACI's code for an image it
  // cannot access (Azure/azure-cli#18596), with the message Learn quotes ("Failed to pull image").
  writeOperation(ctx, r) {
    const failing = unpullableImages(r.body);
    if (!failing.length) return undefined;
    return { delayMs: pullGiveUpMs(ctx.emu), failWith: { code: 'InaccessibleImage', message: `Failed to pull image ${failing.map((i) => `"${i}"`).join(', ')}: the image in container group '${r.name}' is not accessible. Please check the image and registry credential.` } };
  },
  // ACI-8. Learn (Unable to pull image): "delete the container instance and retry your deployment".
  deleteDuringWrite: true,
  render(ctx, r, out) {
    advance(ctx.emu, r);
    const props = { ...((out.properties ?? {}) as Json) };
    props.containers = ((props.containers as Json[]) ?? []).map((c) => ({ ...c, properties: { ...((c.properties ?? {}) as Json), instanceView: containerInstanceView(ctx.emu, r, String(c.name)) } }));
    props.instanceView = { state: groupState(ctx.emu, r), events: [] };
    return { ...out, properties: props };
  },
});

/** `containers.listLogs(..., {tail})`: the last N lines. */
function tailLines(logs: string, tail: string | null): string {
  if (tail === null || !/^\d+$/.test(tail)) return logs;
  const lines = logs.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const kept = lines.slice(Math.max(0, lines.length - Number(tail)));
  return kept.length ? `${kept.join('\n')}\n` : '';
}

function requireGroup(ctx: ArmContext): StoredResource {
  const p = ctx.req.path;
  const cg = ctx.emu.state.get(p.id.split('/').slice(0, 9).join('/'));
  if (!cg) throw resourceNotFound(T_CG, p.names[0], p.resourceGroup);
  return cg;
}

export const provider: EmulatorProvider = {
  name: 'containerinstance',
  resourceTypes: [
    {
      ...stored,
      actions: {
        start: (ctx) => {
          const cg = requireGroup(ctx);
          return longRunningAction(ctx, { resourceId: cg.id, resourceType: T_CG, action: 'start', location: String(cg.body.location), run: () => startGroup(ctx.emu, cg) });
        },
        stop: (ctx) => {
          const cg = requireGroup(ctx);
          internalOf(cg).stopped = true;
          ctx.emu.events.publishResource({ kind: 'action', action: 'stop', resourceId: cg.id, resourceType: T_CG, subscriptionId: cg.subscriptionId, tenantId: ctx.emu.options.tenantId });
          return { status: 204 };
        },
        restart: (ctx) => {
          const cg = requireGroup(ctx);
          return longRunningAction(ctx, { resourceId: cg.id, resourceType: T_CG, action: 'restart', location: String(cg.body.location), run: () => startGroup(ctx.emu, cg) });
        },
      },
    },
    {
      type: `${T_CG}/containers/logs`,
      list(ctx) {
        const cg = requireGroup(ctx);
        const name = ctx.req.path.names[1];
        if (!containersOf(cg.body).some((c) => c.name === name)) throw new ArmError(404, 'ContainerNotFound', `The container '${name}' is not found in container group '${cg.name}'.`);
        advance(ctx.emu, cg);
        const logs = containerLogs(cg, name);
        return { status: 200, body: { content: tailLines(logs, ctx.req.url.searchParams.get('tail')) } };
      },
    },
  ],
  control: [
    {
      method: 'PUT',
      pattern: /^\/containerinstance\/settings$/,
      handle(ctx) {
        const b = (isObject(ctx.body) ? ctx.body : {}) as Json;
        const problems: string[] = [];
        const keys = ['runMs', 'restartDelayMs', 'pullRetryMs', 'pullGiveUpMs'] as const;
        for (const k of keys) if (b[k] !== undefined && (!Number.isInteger(b[k]) || (b[k] as number) < 0)) problems.push(`${k} must be an integer >= 0.`);
        const unknown = Object.keys(b).filter((k) => !(keys as readonly string[]).includes(k));
        if (unknown.length) problems.push(`unknown settings: ${unknown.join(', ')} (known: ${keys.join(', ')}).`);
        if (!isObject(ctx.body) || !keys.some((k) => b[k] !== undefined)) problems.push(`Body must be {${keys.map((k) => `"${k}"?: <integer >= 0>`).join(', ')}} with at least one of them.`);
        if (problems.length) throw invalidParameters(problems);
        const s = settings(ctx.emu);
        for (const k of keys) if (b[k] !== undefined) s[k] = b[k] as number;
        return { status: 200, body: { ...s } };
      },
    },
  ],
};
