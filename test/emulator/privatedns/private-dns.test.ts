import { RestError } from '@azure/core-rest-pipeline';
import { POLL, startTestEmulator, IDS, type TestEmulator } from '../helpers/emulator';

/** Private DNS zones, virtual network links and A record sets through the real @azure/arm-privatedns client. */
let t: TestEmulator;
beforeAll(async () => {
  t = await startTestEmulator();
});
afterAll(async () => t.stop());
beforeEach(async () => {
  await t.control('POST', '/reset');
});

const dns = () => t.privateDns(IDS.hubSub);

async function rejects(p: Promise<unknown>): Promise<RestError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RestError) return e;
    throw e;
  }
  throw new Error('expected the SDK call to fail');
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const record = (ip: string, meta: Record<string, string> = { 'managed-by': 'plf' }) => ({ ttl: 3600, aRecords: [{ ipv4Address: ip }], metadata: meta });

describe('zones and links (seeded)', () => {
  it('internal.net exists in the hub and is linked to both spoke VNets (two VNets resolving through one zone)', async () => {
    const zone = await dns().privateZones.get(IDS.hubRg, IDS.zone);
    expect(zone).toMatchObject({ id: IDS.zoneId, location: 'global', provisioningState: 'Succeeded', numberOfVirtualNetworkLinks: 2 });
    const links = await all(dns().virtualNetworkLinks.list(IDS.hubRg, IDS.zone));
    expect(links.map((l) => [l.name, l.virtualNetwork?.id, l.registrationEnabled, l.virtualNetworkLinkState])).toEqual([
      ['link-spoke', IDS.spokeVnet, false, 'Completed'],
      ['link-spoke2', IDS.spoke2Vnet, false, 'Completed'],
    ]);
  });

  it('zone create/get/delete with LRO; link create to a VNet in another subscription', async () => {
    const z = await dns().privateZones.beginCreateOrUpdateAndWait(IDS.hubRg, 'other.net', { location: 'global', tags: { a: 'b' } }, POLL);
    expect(z.tags).toEqual({ a: 'b' });
    const l = await dns().virtualNetworkLinks.beginCreateOrUpdateAndWait(IDS.hubRg, 'other.net', 'to-spoke', {
      location: 'global',
      virtualNetwork: { id: IDS.spokeVnet },
      registrationEnabled: false,
    }, POLL);
    expect(l.virtualNetwork?.id).toBe(IDS.spokeVnet);
    const blocked = await rejects(dns().privateZones.beginDeleteAndWait(IDS.hubRg, 'other.net', POLL));
    expect(blocked.statusCode).toBe(409);
    await dns().virtualNetworkLinks.beginDeleteAndWait(IDS.hubRg, 'other.net', 'to-spoke', POLL);
    await dns().privateZones.beginDeleteAndWait(IDS.hubRg, 'other.net', POLL);
    expect((await rejects(dns().privateZones.get(IDS.hubRg, 'other.net'))).statusCode).toBe(404);
  });

  it.each([
    ['a VNet that does not exist', `${IDS.spokeVnet}-nope`, 400],
    ['a VNet already linked', IDS.spokeVnet, 409],
  ])('link to %s', async (_n, vnet, status) => {
    const e = await rejects(dns().virtualNetworkLinks.beginCreateOrUpdateAndWait(IDS.hubRg, IDS.zone, 'again', { location: 'global', virtualNetwork: { id: vnet } }, POLL));
    expect(e.statusCode).toBe(status);
  });
});

describe('A record sets', () => {
  it('create returns 201 fields like the service (lower-case name, fqdn, metadata, etag); get returns the same', async () => {
    const r = await dns().recordSets.createOrUpdate(IDS.hubRg, IDS.zone, 'A', 'OnPrem-Server', record('10.1.0.4'));
    expect(r).toMatchObject({ name: 'onprem-server', type: 'Microsoft.Network/privateDnsZones/A', fqdn: 'onprem-server.internal.net.', ttl: 3600, isAutoRegistered: false, metadata: { 'managed-by': 'plf' } });
    expect(r.etag).toMatch(/^[0-9a-f-]{36}$/);
    const g = await dns().recordSets.get(IDS.hubRg, IDS.zone, 'A', 'onprem-server');
    expect(g.aRecords).toEqual([{ ipv4Address: '10.1.0.4' }]);
    expect(g.etag).toBe(r.etag);
  });

  it.each([
    ['If-None-Match * on a new record creates it', undefined, { ifNoneMatch: '*' }, 'ok'],
    ['If-None-Match * on an existing record -> 412', '10.1.0.9', { ifNoneMatch: '*' }, 412],
    ['If-Match with the current etag updates', '10.1.0.9', { ifMatch: 'CURRENT' }, 'ok'],
    ['If-Match with a stale etag -> 412', '10.1.0.9', { ifMatch: '00000000-0000-0000-0000-000000000000' }, 412],
    ['If-Match on a missing record -> 412', undefined, { ifMatch: '00000000-0000-0000-0000-000000000000' }, 412],
  ] as Array<[string, string | undefined, { ifMatch?: string; ifNoneMatch?: string }, 'ok' | number]>)('%s', async (_n, existingIp, opts, expected) => {
    let etag: string | undefined;
    if (existingIp) etag = (await dns().recordSets.createOrUpdate(IDS.hubRg, IDS.zone, 'A', 'x', record(existingIp))).etag;
    const o = opts.ifMatch === 'CURRENT' ? { ifMatch: etag } : opts;
    const call = dns().recordSets.createOrUpdate(IDS.hubRg, IDS.zone, 'A', 'x', record('10.1.0.5'), o);
    if (expected === 'ok') {
      const r = await call;
      expect(r.aRecords).toEqual([{ ipv4Address: '10.1.0.5' }]);
      expect(r.metadata).toEqual({ 'managed-by': 'plf' });
      if (etag) expect(r.etag).not.toBe(etag);
      expect((await dns().recordSets.get(IDS.hubRg, IDS.zone, 'A', 'x')).etag).toBe(r.etag);
    } else {
      const e = await rejects(call);
      expect([e.statusCode, e.code]).toEqual([expected, 'PreconditionFailed']);
    }
  });

  it('PUT is a full replace: metadata left out is gone', async () => {
    await dns().recordSets.createOrUpdate(IDS.hubRg, IDS.zone, 'A', 'x', record('10.1.0.4', { k: 'v' }));
    const r = await dns().recordSets.createOrUpdate(IDS.hubRg, IDS.zone, 'A', 'x', { ttl: 60, aRecords: [{ ipv4Address: '10.1.0.6' }] });
    expect(r.metadata).toEqual({});
    expect(r.ttl).toBe(60);
  });

  it.each([
    ['create (PUT)', async () => dns().recordSets.createOrUpdate(IDS.hubRg, IDS.zone, 'A', 'x', record('10.1.0.4', { managedby: 'plf', 'managed by': 'plf', 'plf forward': 'a' }))],
    [
      'update (PATCH)',
      async () => {
        await dns().recordSets.createOrUpdate(IDS.hubRg, IDS.zone, 'A', 'x', record('10.1.0.4', { managedby: 'plf' }));
        return dns().recordSets.update(IDS.hubRg, IDS.zone, 'A', 'x', { metadata: { managedby: 'plf', 'managed by': 'plf', 'plf forward': 'a' } });
      },
    ],
  ])('metadata keys with a space are dropped without an error on %s (DNS-1)', async (_n, write) => {
    const r = await write();
    expect(r.metadata).toEqual({ managedby: 'plf' });
    expect((await dns().recordSets.get(IDS.hubRg, IDS.zone, 'A', 'x')).metadata).toEqual({ managedby: 'plf' });
  });

  it('update (PATCH) merges: metadata changes, records stay', async () => {
    await dns().recordSets.createOrUpdate(IDS.hubRg, IDS.zone, 'A', 'x', record('10.1.0.4'));
    const r = await dns().recordSets.update(IDS.hubRg, IDS.zone, 'A', 'x', { metadata: { owner: 'me' } });
    expect(r.metadata).toEqual({ owner: 'me' });
    expect(r.aRecords).toEqual([{ ipv4Address: '10.1.0.4' }]);
  });

  it('list by type and list all (SOA included); delete honours If-Match; delete of a missing record is fine', async () => {
    await dns().recordSets.createOrUpdate(IDS.hubRg, IDS.zone, 'A', 'b', record('10.1.0.5'));
    const a = await dns().recordSets.createOrUpdate(IDS.hubRg, IDS.zone, 'A', 'a', record('10.1.0.4'));
    expect((await all(dns().recordSets.listByType(IDS.hubRg, IDS.zone, 'A'))).map((r) => r.name)).toEqual(['a', 'b']);
    expect((await all(dns().recordSets.list(IDS.hubRg, IDS.zone))).map((r) => `${r.type?.split('/').pop()} ${r.name}`)).toEqual(['A a', 'A b', 'SOA @']);
    const stale = await rejects(dns().recordSets.delete(IDS.hubRg, IDS.zone, 'A', 'a', { ifMatch: 'nope' }));
    expect(stale.statusCode).toBe(412);
    await dns().recordSets.delete(IDS.hubRg, IDS.zone, 'A', 'a', { ifMatch: a.etag });
    await dns().recordSets.delete(IDS.hubRg, IDS.zone, 'A', 'a');
    expect((await rejects(dns().recordSets.get(IDS.hubRg, IDS.zone, 'A', 'a'))).statusCode).toBe(404);
  });

  it.each([
    ['bad IPv4', { aRecords: [{ ipv4Address: '10.1.0.999' }] }, ['ipv4Address']],
    ['negative ttl and metadata not strings (both named)', { ttl: -1, metadata: { n: 1 } }, ['ttl', 'metadata']],
  ])('%s -> 400', async (_n, properties, named) => {
    // Raw call: the SDK would refuse some of these bodies before sending them.
    const r = await t.raw<{ error: { code: string; message: string } }>('PUT', `${IDS.zoneId}/A/bad?api-version=2024-06-01`, { body: { properties } });
    expect(r.status).toBe(400);
    for (const n of named) expect(r.body.error.message).toContain(n);
  });

  it('record in a missing zone -> 404', async () => {
    const e = await rejects(dns().recordSets.createOrUpdate(IDS.hubRg, 'missing.net', 'A', 'x', record('10.1.0.4')));
    expect(e.statusCode).toBe(404);
  });
});
