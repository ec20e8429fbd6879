import type { RecordFacts } from '../../core/dns-plan';
import type { AzureClients } from '../client-factory';
import { refOfType } from '../resource-id';
import { readOrUndefined } from '../resource-service';

/**
 * Private DNS zones, their virtual network links and A record sets, by zone resource id (zones
 * often live in a central connectivity subscription). Zone reads are throttled hard (500 GETs
 * per 5 minutes, azure-facts.md): the VNets linked to a zone are cached for `LINK_CACHE_MS`, and
 * records are read only when a pass has something to decide. Writes carry If-Match (or
 * If-None-Match: * to create), so a concurrent change fails with 412 instead of being overwritten.
 */
export interface ZoneRef {
  subscriptionId: string;
  resourceGroup: string;
  zoneName: string;
}

export function zoneRef(zoneId: string): ZoneRef | undefined {
  const r = refOfType(zoneId, 'Microsoft.Network/privateDnsZones');
  return r ? { subscriptionId: r.subscriptionId, resourceGroup: r.resourceGroup, zoneName: r.name.toLowerCase() } : undefined;
}

const LINK_CACHE_MS = 60_000;
const linkCache = new Map<string, { at: number; vnets: string[] | undefined }>();

/** The VNets linked to a zone (undefined when the zone does not exist); cached for a minute. */
export async function linkedVirtualNetworks(clients: AzureClients, zoneId: string, now = Date.now()): Promise<string[] | undefined> {
  const key = zoneId.toLowerCase();
  const hit = linkCache.get(key);
  if (hit && now - hit.at < LINK_CACHE_MS) return hit.vnets;
  const z = zoneRef(zoneId);
  let vnets: string[] | undefined;
  if (z) {
    try {
      vnets = [];
      for await (const link of clients.privateDns(z.subscriptionId).virtualNetworkLinks.list(z.resourceGroup, z.zoneName)) {
        if (link.virtualNetwork?.id) vnets.push(link.virtualNetwork.id);
      }
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
      vnets = undefined;
    }
  }
  linkCache.set(key, { at: now, vnets });
  return vnets;
}

/** The A record set `name` in the zone, or undefined. One GET. */
export async function readARecord(clients: AzureClients, zoneId: string, name: string): Promise<RecordFacts | undefined> {
  const z = zoneRef(zoneId);
  if (!z) return undefined;
  const r = await readOrUndefined(() => clients.privateDns(z.subscriptionId).recordSets.get(z.resourceGroup, z.zoneName, 'A', name));
  if (!r) return undefined;
  return {
    zoneId,
    ips: (r.aRecords ?? []).map((a) => a.ipv4Address ?? '').filter(Boolean),
    ...(r.ttl !== undefined ? { ttl: r.ttl } : {}),
    metadata: r.metadata ?? {},
    ...(r.etag ? { etag: r.etag } : {}),
  };
}

/** Writes the A record set with one IP; `ifMatch` replaces exactly the version read, `ifNoneMatch: '*'` only creates. One PUT. */
export async function putARecord(
  clients: AzureClients,
  zoneId: string,
  name: string,
  record: { ip: string; ttl: number; metadata: Record<string, string> },
  condition: { ifMatch?: string; ifNoneMatch?: '*' },
): Promise<void> {
  const z = zoneRef(zoneId);
  if (!z) throw Object.assign(new Error(`${zoneId} is not a private DNS zone id`), { code: 'InvalidResourceReference', statusCode: 400 });
  await clients.privateDns(z.subscriptionId).recordSets.createOrUpdate(
    z.resourceGroup,
    z.zoneName,
    'A',
    name,
    { ttl: record.ttl, aRecords: [{ ipv4Address: record.ip }], metadata: record.metadata },
    { ...(condition.ifMatch ? { ifMatch: condition.ifMatch } : {}), ...(condition.ifNoneMatch ? { ifNoneMatch: condition.ifNoneMatch } : {}) },
  );
}

/** Deletes the A record set if it is still the version read (`ifMatch`); "not found" is success. One DELETE. */
export async function deleteARecord(clients: AzureClients, zoneId: string, name: string, ifMatch?: string): Promise<void> {
  const z = zoneRef(zoneId);
  if (!z) return;
  await readOrUndefined(() => clients.privateDns(z.subscriptionId).recordSets.delete(z.resourceGroup, z.zoneName, 'A', name, ifMatch ? { ifMatch } : {}));
}
