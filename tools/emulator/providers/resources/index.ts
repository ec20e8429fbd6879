import type { ArmContext, ResourceTypeHandler } from '../../arm/types';
import type { EmulatorProvider } from '../provider';
import { ArmError, conflict, resourceGroupNotFound, subscriptionNotFound } from '../../arm/errors';
import { isObject, requireObjectBody } from '../../arm/stored-resource';
import { paginate } from '../../arm/pagination';
import type { StoredResource } from '../../state/store';
import type { Topology } from '../../topology/topology';
import { idKey } from '../../arm/resource-path';

/**
 * Microsoft.Resources: subscriptions (read) and resource groups (get/put/list/delete). Resource
 * groups have no etag in ARM and are answered synchronously; deleting a non-empty group is refused
 * (the real one deletes contents; the product never does that and a refusal is the safer emulation).
 */
const RG_TYPE = 'Microsoft.Resources/resourceGroups';

export function rgId(subscriptionId: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${name}`;
}

function renderRg(r: StoredResource): Record<string, unknown> {
  return { id: r.id, name: r.name, type: RG_TYPE, ...r.body };
}

export function putResourceGroup(ctxEmu: ArmContext['emu'], subscriptionId: string, name: string, location: string, tags?: Record<string, string>): StoredResource {
  const now = ctxEmu.clock.iso();
  const existing = ctxEmu.state.get(rgId(subscriptionId, name));
  const r: StoredResource = {
    id: existing?.id ?? rgId(subscriptionId, name),
    type: RG_TYPE,
    name: existing?.name ?? name,
    subscriptionId,
    resourceGroup: existing?.name ?? name,
    etag: '',
    body: { location, ...(tags ? { tags } : {}), properties: { provisioningState: 'Succeeded' } },
    internal: {},
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  ctxEmu.state.set(r);
  return r;
}

const resourceGroups: ResourceTypeHandler = {
  type: RG_TYPE,
  get(ctx) {
    const p = ctx.req.path;
    const r = ctx.emu.state.get(p.id);
    if (!r) throw resourceGroupNotFound(p.resourceGroup as string);
    return { status: 200, body: renderRg(r) };
  },
  list(ctx) {
    const sub = `/subscriptions/${ctx.req.path.subscriptionId}`;
    return paginate(ctx, ctx.emu.state.children(sub, RG_TYPE).map(renderRg));
  },
  put(ctx) {
    const body = requireObjectBody(ctx);
    const p = ctx.req.path;
    const problems: string[] = [];
    if (typeof body.location !== 'string') problems.push("The 'location' property is required.");
    if (body.tags !== undefined && !isObject(body.tags)) problems.push("The 'tags' property must be an object.");
    if (problems.length) throw new ArmError(400, 'InvalidParameter', problems.join(' '));
    const existed = !!ctx.emu.state.get(p.id);
    const r = putResourceGroup(ctx.emu, p.subscriptionId, p.resourceGroup as string, body.location as string, body.tags as Record<string, string>);
    ctx.emu.events.publishResource({ kind: 'write', resourceId: r.id, resourceType: RG_TYPE, subscriptionId: p.subscriptionId, tenantId: ctx.emu.options.tenantId });
    return { status: existed ? 200 : 201, body: renderRg(r) };
  },
  delete(ctx) {
    const p = ctx.req.path;
    const r = ctx.emu.state.get(p.id);
    if (!r) return { status: 404, body: resourceGroupNotFound(p.resourceGroup as string).toBody() };
    const prefix = `${idKey(r.id)}/`;
    const inside = [...ctx.emu.state.resources.keys()].filter((k) => k.startsWith(prefix));
    if (inside.length > 0) {
      throw conflict('ResourceGroupNotEmpty', `Resource group '${r.name}' still contains ${inside.length} resource(s); the emulator does not cascade deletes.`);
    }
    ctx.emu.state.delete(r.id);
    ctx.emu.events.publishResource({ kind: 'delete', resourceId: r.id, resourceType: RG_TYPE, subscriptionId: p.subscriptionId, tenantId: ctx.emu.options.tenantId });
    return { status: 200 };
  },
};

const subscriptions: ResourceTypeHandler = {
  type: 'Microsoft.Resources/subscriptions',
  get(ctx) {
    const s = ctx.emu.state.subscriptions.get(ctx.req.path.subscriptionId.toLowerCase());
    if (!s) throw subscriptionNotFound(ctx.req.path.subscriptionId);
    return {
      status: 200,
      body: { id: `/subscriptions/${s.subscriptionId}`, subscriptionId: s.subscriptionId, displayName: s.displayName, state: 'Enabled', tenantId: s.tenantId },
    };
  },
};

export const provider: EmulatorProvider = {
  name: 'resources',
  seedPriority: 0,
  resourceTypes: [resourceGroups, subscriptions],
  seed(emu, topology: Topology) {
    const tenantId = topology.tenantId ?? emu.options.tenantId;
    for (const s of topology.subscriptions) {
      emu.state.subscriptions.set(s.subscriptionId.toLowerCase(), { subscriptionId: s.subscriptionId, displayName: s.displayName, tenantId: s.tenantId ?? tenantId });
      for (const g of s.resourceGroups) putResourceGroup(emu, s.subscriptionId, g.name, g.location, g.tags);
    }
    for (const t of topology.targets ?? []) emu.state.targets.set(t.ip, { ip: t.ip, openPorts: [...t.openPorts], up: t.up ?? true });
  },
};
