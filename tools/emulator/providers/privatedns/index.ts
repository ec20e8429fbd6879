import { randomUUID } from 'node:crypto';
import { conflict, invalidParameters, resourceNotFound } from '../../arm/errors';
import { newEtag } from '../../arm/etag';
import { paginate } from '../../arm/pagination';
import { isObject, renderStored, storedResourceHandlers } from '../../arm/stored-resource';
import type { ArmContext, ArmHandler, EmulatorRuntime, ResourceTypeHandler } from '../../arm/types';
import { isIpv4 } from '../../state/ip-allocator';
import type { StoredResource } from '../../state/store';
import type { Topology } from '../../topology/topology';
import type { EmulatorProvider } from '../provider';
import { rgId } from '../resources';

/**
 * Private DNS (Microsoft.Network/privateDnsZones): zones (location "global", long-running),
 * virtual network links (long-running; the linked VNet may be in another subscription) and
 * record sets A (create/update/get/list/delete, synchronous like the real service) plus the
 * zone's SOA. Etags are plain GUIDs as Private DNS answers them; If-Match / If-None-Match: *
 * work on every write. Record-set names are stored lower-case, as the service returns them.
 * A zone with virtual network links cannot be deleted (409). Record-set metadata keys with a space
 * are dropped without an error, as the service does (AZURE-RULES DNS-1).
 */
type Json = Record<string, unknown>;
const ZONE = 'Microsoft.Network/privateDnsZones';
const LINK = 'Microsoft.Network/privateDnsZones/virtualNetworkLinks';
const A = 'Microsoft.Network/privateDnsZones/A';
const SOA = 'Microsoft.Network/privateDnsZones/SOA';
const RECORD_TYPES = [A, SOA];

function p(body: Json): Json {
  return (isObject(body.properties) ? body.properties : {}) as Json;
}

function zoneOf(id: string): string {
  return id.split('/').slice(0, 9).join('/');
}

function soaBody(zoneName: string): Json {
  return {
    properties: {
      ttl: 3600,
      fqdn: `${zoneName}.`,
      isAutoRegistered: false,
      metadata: {},
      soaRecord: { email: 'azureprivatedns-host.microsoft.com', expireTime: 2419200, host: 'azureprivatedns.net', minimumTtl: 10, refreshTime: 3600, retryTime: 300, serialNumber: 1 },
    },
  };
}

function storeChild(emu: EmulatorRuntime, zone: StoredResource, type: string, name: string, body: Json): StoredResource {
  const kind = type.split('/').pop() as string;
  const now = emu.clock.iso();
  const r: StoredResource = {
    id: `${zone.id}/${kind}/${name}`,
    type,
    name,
    subscriptionId: zone.subscriptionId,
    resourceGroup: zone.resourceGroup,
    etag: newEtag('plain'),
    body,
    internal: {},
    createdAt: now,
    updatedAt: now,
  };
  emu.state.set(r);
  return r;
}

const zoneType = storedResourceHandlers({
  type: ZONE,
  etagStyle: 'plain',
  longRunning: true,
  tracked: true,
  patch: 'merge',
  provisioningState: true,
  build(_ctx, { body, existing }) {
    if (body.location !== undefined && String(body.location).toLowerCase() !== 'global') {
      throw invalidParameters([`Private DNS zones are global resources; location must be 'global', not '${String(body.location)}'.`]);
    }
    return { body: { properties: {} }, internal: { internalId: existing?.internal.internalId ?? randomUUID() } };
  },
  afterWrite(ctx, r, previous) {
    if (!previous) storeChild(ctx.emu, r, SOA, '@', soaBody(r.name));
  },
  beforeDelete(ctx, r) {
    const links = ctx.emu.state.children(r.id, LINK);
    if (links.length) {
      throw conflict('CannotDeleteZoneWithVirtualNetworkLinks', `The private DNS zone ${r.name} has ${links.length} virtual network link(s); delete them before deleting the zone.`);
    }
  },
  afterDelete(ctx, r) {
    for (const t of RECORD_TYPES) for (const c of ctx.emu.state.children(r.id, t)) ctx.emu.state.delete(c.id);
  },
  render(ctx, r, out) {
    const records = RECORD_TYPES.reduce((n, t) => n + ctx.emu.state.children(r.id, t).length, 0);
    const links = ctx.emu.state.children(r.id, LINK);
    out.properties = {
      ...(out.properties as Json),
      maxNumberOfRecordSets: 25000,
      numberOfRecordSets: records,
      maxNumberOfVirtualNetworkLinks: 1000,
      numberOfVirtualNetworkLinks: links.length,
      maxNumberOfVirtualNetworkLinksWithRegistration: 100,
      numberOfVirtualNetworkLinksWithRegistration: links.filter((l) => p(l.body).registrationEnabled === true).length,
      internalId: r.internal.internalId,
    };
    return out;
  },
});

const linkType = storedResourceHandlers({
  type: LINK,
  etagStyle: 'plain',
  longRunning: true,
  tracked: true,
  patch: 'merge',
  provisioningState: true,
  build(ctx, { body, id }) {
    const lp = p(body);
    const problems: string[] = [];
    const vnetId = isObject(lp.virtualNetwork) ? lp.virtualNetwork.id : undefined;
    const vnet = typeof vnetId === 'string' ? ctx.emu.state.get(vnetId) : undefined;
    if (typeof vnetId !== 'string') problems.push('properties.virtualNetwork.id is required.');
    else if (!vnet || vnet.type !== 'Microsoft.Network/virtualNetworks') problems.push(`Virtual network ${vnetId} referenced by ${id} was not found.`);
    if (lp.registrationEnabled !== undefined && typeof lp.registrationEnabled !== 'boolean') problems.push('properties.registrationEnabled must be a boolean.');
    if (body.location !== undefined && String(body.location).toLowerCase() !== 'global') problems.push("Virtual network links are global resources; location must be 'global'.");
    if (problems.length) throw invalidParameters(problems);
    const dup = ctx.emu.state
      .children(zoneOf(id), LINK)
      .find((l) => l.id.toLowerCase() !== id.toLowerCase() && String((p(l.body).virtualNetwork as Json).id).toLowerCase() === String(vnetId).toLowerCase());
    if (dup) throw conflict('Conflict', `Virtual network ${String(vnetId)} is already linked to the zone by ${dup.name}.`);
    return {
      body: {
        properties: {
          virtualNetwork: { id: (vnet as StoredResource).id },
          registrationEnabled: lp.registrationEnabled ?? false,
          ...(lp.resolutionPolicy !== undefined ? { resolutionPolicy: lp.resolutionPolicy } : {}),
          virtualNetworkLinkState: 'Completed',
        },
      },
    };
  },
});

/**
 * DNS-1: the service drops metadata keys that contain a space and still answers 200/201 — the write
 * "succeeds" without them (azure-rest-api-specs#8555). Other keys are kept as sent.
 */
function storedMetadata(m: unknown): Json {
  return isObject(m) ? Object.fromEntries(Object.entries(m).filter(([k]) => !/\s/.test(k))) : {};
}

function validateRecord(body: Json): string[] {
  const rp = p(body);
  const problems: string[] = [];
  if (rp.ttl !== undefined && !(Number.isInteger(rp.ttl) && (rp.ttl as number) >= 0 && (rp.ttl as number) <= 2147483647)) problems.push('properties.ttl must be an integer 0-2147483647.');
  if (rp.metadata !== undefined && !(isObject(rp.metadata) && Object.values(rp.metadata).every((v) => typeof v === 'string'))) problems.push('properties.metadata must be an object of strings.');
  if (rp.aRecords !== undefined) {
    if (!Array.isArray(rp.aRecords)) problems.push('properties.aRecords must be an array.');
    else rp.aRecords.forEach((a, i) => {
      if (!isObject(a) || !isIpv4(a.ipv4Address)) problems.push(`properties.aRecords[${i}].ipv4Address must be an IPv4 address.`);
    });
  }
  return problems;
}

const aStored = storedResourceHandlers({
  type: A,
  etagStyle: 'plain',
  longRunning: false,
  tracked: false,
  patch: 'merge',
  build(ctx, { body }) {
    const problems = validateRecord(body);
    if (problems.length) throw invalidParameters(problems);
    const rp = p(body);
    const zoneName = ctx.req.path.names[0];
    const name = ctx.req.path.names[1];
    return {
      body: {
        properties: {
          metadata: storedMetadata(rp.metadata),
          ttl: rp.ttl ?? 3600,
          fqdn: `${name === '@' ? '' : `${name}.`}${zoneName.toLowerCase()}.`,
          isAutoRegistered: false,
          aRecords: ((rp.aRecords as Json[]) ?? []).map((a) => ({ ipv4Address: a.ipv4Address })),
        },
      },
    };
  },
});

/** Record-set names are case-insensitive and come back lower-case. */
function lowerName(h: ArmHandler | undefined): ArmHandler | undefined {
  if (!h) return undefined;
  return (ctx: ArmContext) => {
    const names = [...ctx.req.path.names];
    if (names.length > 1) names[names.length - 1] = names[names.length - 1].toLowerCase();
    return h({ ...ctx, req: { ...ctx.req, path: { ...ctx.req.path, names, id: ctx.req.path.id.replace(/[^/]+$/, (n) => (names.length > 1 ? n.toLowerCase() : n)) } } });
  };
}

const aType: ResourceTypeHandler = {
  type: A,
  get: lowerName(aStored.get),
  put: lowerName(aStored.put),
  patch: lowerName(aStored.patch),
  delete: lowerName(aStored.delete),
  list: aStored.list,
};

const soaStored = storedResourceHandlers({ type: SOA, etagStyle: 'plain', longRunning: false, tracked: false, build: () => ({ body: {} }) });
const soaType: ResourceTypeHandler = { type: SOA, get: soaStored.get, list: soaStored.list };

/** GET .../privateDnsZones/{zone}/ALL: every record set of the zone. */
const allType: ResourceTypeHandler = {
  type: 'Microsoft.Network/privateDnsZones/ALL',
  list(ctx) {
    const zone = ctx.emu.state.get(ctx.req.path.parentId);
    if (!zone) throw resourceNotFound(ZONE, ctx.req.path.names[0], ctx.req.path.resourceGroup);
    const items = RECORD_TYPES.flatMap((t) => ctx.emu.state.children(zone.id, t)).map(renderStored);
    const top = Number(ctx.req.url.searchParams.get('$top') ?? NaN);
    return paginate(ctx, Number.isInteger(top) && top > 0 ? items.slice(0, top) : items);
  },
};

function seedZones(emu: EmulatorRuntime, topology: Topology): void {
  for (const s of topology.subscriptions) {
    for (const g of s.resourceGroups) {
      const rg = emu.state.get(rgId(s.subscriptionId, g.name));
      if (!rg) continue;
      for (const z of g.privateDnsZones ?? []) {
        const now = emu.clock.iso();
        const zone: StoredResource = {
          id: `${rg.id}/providers/${ZONE}/${z.name}`,
          type: ZONE,
          name: z.name,
          subscriptionId: s.subscriptionId,
          resourceGroup: rg.name,
          etag: newEtag('plain'),
          body: { location: 'global', properties: { provisioningState: 'Succeeded' } },
          internal: { internalId: randomUUID() },
          createdAt: now,
          updatedAt: now,
        };
        emu.state.set(zone);
        storeChild(emu, zone, SOA, '@', soaBody(z.name));
        for (const l of z.virtualNetworkLinks ?? []) {
          storeChild(emu, zone, LINK, l.name, {
            location: 'global',
            properties: { virtualNetwork: { id: l.virtualNetworkId }, registrationEnabled: l.registrationEnabled ?? false, virtualNetworkLinkState: 'Completed', provisioningState: 'Succeeded' },
          });
        }
        for (const a of z.aRecords ?? []) {
          const name = a.name.toLowerCase();
          storeChild(emu, zone, A, name, {
            properties: { metadata: {}, ttl: a.ttl ?? 3600, fqdn: `${name}.${z.name}.`, isAutoRegistered: false, aRecords: a.ipv4Addresses.map((ipv4Address) => ({ ipv4Address })) },
          });
        }
      }
    }
  }
}

export const provider: EmulatorProvider = {
  name: 'privatedns',
  seedPriority: 20,
  resourceTypes: [zoneType, linkType, aType, soaType, allType],
  seed: seedZones,
};
