import { MANAGED_BY } from './names';
import type { DnsRecordView, DnsState } from './responses/status';
import { lastSegment } from './resource-id';

/**
 * Private DNS A records of a forward's approved endpoints. Pure: given the forward's record name
 * and TTL, the zones it names (with the VNets linked to each), the endpoints that should be
 * named (approved, with their VNet and NIC IP, oldest first) and the record under that name in
 * each zone as ARM shows it now, it returns the writes and deletes to make and what to show per
 * connection. Rules (DESIGN §5):
 * - a record without our metadata is never changed or deleted: a conflict is shown instead;
 * - one name in one zone holds one endpoint's IP: when a zone is linked to the VNets of two
 *   endpoints, the endpoint that holds the record keeps it (else the oldest gets it) and the
 *   others show a conflict — never an IP that clients of another VNet would get;
 * - the record follows its endpoint (IP changed → rewritten; endpoint gone → removed);
 * - an unchanged record costs no write. Writes carry If-Match (or If-None-Match: * to create),
 *   so a change made meanwhile by someone else fails the write instead of being overwritten.
 * Metadata keys are letters only (Azure DNS metadata keys are alphanumeric).
 */
export const META_FORWARD = 'plfForward';
export const META_ENDPOINT = 'plfEndpoint';
export const META_MANAGED_BY = 'managedBy';

/** What a connection shows of its record in one zone (core/responses/status.ts). */
export type { DnsState, DnsRecordView };

export interface ZoneFacts {
  zoneId: string;
  zoneName: string;
  /** VNets linked to the zone (resource ids). */
  linkedVirtualNetworkIds: string[];
}

export interface RecordFacts {
  zoneId: string;
  ips: string[];
  ttl?: number;
  metadata: Record<string, string>;
  etag?: string;
}

export interface NamedEndpoint {
  connectionName: string;
  privateEndpointId: string;
  virtualNetworkId?: string;
  /** The endpoint NIC's private IP; undefined while it has none. */
  ip?: string;
  /** Why the endpoint or its NIC could not be read (no IP, maybe no VNet): shown instead of a guess. */
  problem?: string;
}

export type RecordOp =
  | { kind: 'put'; zoneId: string; fqdn: string; ip: string; ttl: number; metadata: Record<string, string>; ifMatch?: string; ifNoneMatch?: '*'; connectionName: string; reason: string }
  | { kind: 'delete'; zoneId: string; fqdn: string; ifMatch?: string; reason: string };

export interface DnsPlan {
  ops: RecordOp[];
  /** Per connection name: its record in every zone that concerns it. */
  views: Map<string, DnsRecordView[]>;
  /** Problems for the DnsRecordsReady condition, each with its kind (the condition's reason comes from the kinds, never from the text). */
  problems: DnsProblem[];
}

/**
 * A DNS problem of a pass: `conflict` (a record not ours, or two endpoints for one name),
 * `noZone` (no zone of the forward is linked to the endpoint's VNet), `unreadable` (the endpoint
 * or its NIC could not be read, core/unreadable.ts), `zoneNotFound` (a zone the spec names is gone).
 */
export interface DnsProblem {
  kind: 'conflict' | 'noZone' | 'unreadable' | 'zoneNotFound';
  message: string;
}

export function recordMetadata(forward: string, privateEndpointId: string): Record<string, string> {
  return { [META_FORWARD]: forward, [META_ENDPOINT]: privateEndpointId.toLowerCase(), [META_MANAGED_BY]: MANAGED_BY };
}

/** Whether a record set's metadata says this forward wrote it. */
export function isOurRecord(metadata: Record<string, string> | undefined, forward: string): boolean {
  return metadata?.[META_FORWARD] === forward && metadata?.[META_MANAGED_BY] === MANAGED_BY;
}

const lc = (s: string | undefined) => (s ?? '').toLowerCase();
const shortId = lastSegment;

export function planRecords(
  forward: string,
  dns: { recordName: string; ttl: number },
  zones: readonly ZoneFacts[],
  endpoints: readonly NamedEndpoint[],
  records: ReadonlyMap<string, RecordFacts | undefined>,
): DnsPlan {
  const ops: RecordOp[] = [];
  const views = new Map<string, DnsRecordView[]>();
  const problems: DnsProblem[] = [];
  const show = (conn: string, v: DnsRecordView) => views.set(conn, [...(views.get(conn) ?? []), v]);

  for (const zone of zones) {
    const fqdn = `${dns.recordName}.${zone.zoneName}`;
    const linked = new Set(zone.linkedVirtualNetworkIds.map(lc));
    const candidates = endpoints.filter((e) => e.virtualNetworkId && linked.has(lc(e.virtualNetworkId)));
    const rec = records.get(lc(zone.zoneId));
    const ours = rec ? isOurRecord(rec.metadata, forward) : false;

    if (rec && !ours) {
      for (const c of candidates) show(c.connectionName, { fqdn, zoneId: zone.zoneId, state: 'conflict', message: `an A record ${fqdn} exists without this forward's metadata; left untouched` });
      if (candidates.length) problems.push({ kind: 'conflict', message: `${fqdn}: a record not written by this forward exists; left untouched` });
      continue;
    }
    const holder = ours ? candidates.find((c) => lc(c.privateEndpointId) === lc(rec!.metadata[META_ENDPOINT])) : undefined;
    // The holder keeps the name; without one, the oldest candidate that has an IP gets it.
    const chosen = holder ?? candidates.find((c) => c.ip);
    if (chosen?.ip) {
      const same = ours && rec!.ips.length === 1 && rec!.ips[0] === chosen.ip && rec!.ttl === dns.ttl && lc(rec!.metadata[META_ENDPOINT]) === lc(chosen.privateEndpointId);
      if (!same) {
        ops.push({
          kind: 'put',
          zoneId: zone.zoneId,
          fqdn,
          ip: chosen.ip,
          ttl: dns.ttl,
          metadata: recordMetadata(forward, chosen.privateEndpointId),
          // If-Match on the version read ('*' = "it must still exist" when ARM gave no etag).
          ...(rec ? { ifMatch: rec.etag ?? '*' } : { ifNoneMatch: '*' as const }),
          connectionName: chosen.connectionName,
          reason: rec ? `${fqdn} follows endpoint ${shortId(chosen.privateEndpointId)} (${rec.ips.join(',') || 'no IP'} -> ${chosen.ip})` : `${fqdn} -> ${chosen.ip} (endpoint ${shortId(chosen.privateEndpointId)})`,
        });
      }
      show(chosen.connectionName, { fqdn, zoneId: zone.zoneId, ip: chosen.ip, state: 'written' });
    } else if (ours && !holder) {
      ops.push({ kind: 'delete', zoneId: zone.zoneId, fqdn, ...(rec!.etag ? { ifMatch: rec!.etag } : {}), reason: `${fqdn}: endpoint ${shortId(rec!.metadata[META_ENDPOINT] ?? '?')} is no longer approved or gone` });
    }
    for (const c of candidates) {
      if (chosen?.ip && c === chosen) continue;
      if (!chosen?.ip) {
        // Nobody can be named yet: every candidate waits for its NIC's IP.
        show(c.connectionName, { fqdn, zoneId: zone.zoneId, state: 'pending', message: c.problem ?? 'the endpoint has no private IP yet' });
        if (c.problem) problems.push({ kind: 'unreadable', message: `endpoint ${shortId(c.privateEndpointId)}: ${c.problem}` });
        continue;
      }
      const message = `${zone.zoneName} is linked to the VNets of endpoints ${shortId(chosen.privateEndpointId)} and ${shortId(c.privateEndpointId)}; one name holds one IP, ${shortId(chosen.privateEndpointId)} keeps ${fqdn}`;
      show(c.connectionName, { fqdn, zoneId: zone.zoneId, state: 'conflict', message });
      problems.push({ kind: 'conflict', message });
    }
  }

  for (const e of endpoints) {
    if (views.has(e.connectionName)) continue;
    if (e.problem) {
      // Its VNet is unknown, so no zone can be said to serve it: no record, the reason shown.
      show(e.connectionName, { fqdn: dns.recordName, zoneId: '', state: 'pending', message: e.problem });
      problems.push({ kind: 'unreadable', message: `endpoint ${shortId(e.privateEndpointId)}: ${e.problem}` });
      continue;
    }
    const vnet = e.virtualNetworkId ? shortId(e.virtualNetworkId) : 'unknown';
    const message = `no zone of the forward's dns is linked to VNet ${vnet}`;
    show(e.connectionName, { fqdn: dns.recordName, zoneId: '', state: 'noZone', message });
    problems.push({ kind: 'noZone', message: `endpoint ${shortId(e.privateEndpointId)}: ${message}` });
  }
  return { ops, views, problems };
}

/** The zone resource ids a forward's dns names: `zoneIds`, plus `zoneName` as a zone in the hub resource group. */
export function forwardZoneIds(dns: { zoneName?: string; zoneIds?: string[] }, hub: { subscriptionId: string; resourceGroup: string }): string[] {
  const ids = [...(dns.zoneIds ?? [])];
  if (dns.zoneName) ids.push(`/subscriptions/${hub.subscriptionId}/resourceGroups/${hub.resourceGroup}/providers/Microsoft.Network/privateDnsZones/${dns.zoneName}`);
  const seen = new Set<string>();
  return ids.filter((id) => (seen.has(lc(id)) ? false : (seen.add(lc(id)), true)));
}
