import {
  META_ENDPOINT,
  META_FORWARD,
  META_MANAGED_BY,
  forwardZoneIds,
  isOurRecord,
  planRecords,
  recordMetadata,
  type DnsPlan,
  type NamedEndpoint,
  type RecordFacts,
  type RecordOp,
  type ZoneFacts,
} from '../../core/dns-plan';
import { MANAGED_BY } from '../../core/names';

const FORWARD = 'onprem-web';
const DNS = { recordName: 'onprem', ttl: 300 };
const SUB = '00000000-0000-0000-0000-0000000000a1';
const HUB = { subscriptionId: '00000000-0000-0000-0000-00000000abcd', resourceGroup: 'rg-hub' };
const rg = `/subscriptions/${SUB}/resourceGroups/rg-spoke/providers/Microsoft.Network`;
const vnetId = (name: string) => `${rg}/virtualNetworks/${name}`;
const peId = (name: string) => `${rg}/privateEndpoints/${name}`;
const zoneId = (name: string) => `/subscriptions/${SUB}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/${name}`;

const ZONE_1 = zoneId('corp.example');
const ZONE_2 = zoneId('internal.example');
const zone = (id: string, name: string, ...vnets: string[]): ZoneFacts => ({ zoneId: id, zoneName: name, linkedVirtualNetworkIds: vnets });
const endpoint = (name: string, vnet: string | undefined, ip: string | undefined): NamedEndpoint => ({
  connectionName: `conn-${name}`,
  privateEndpointId: peId(name),
  ...(vnet ? { virtualNetworkId: vnet } : {}),
  ...(ip ? { ip } : {}),
});
const ours = (forEndpoint: string, ip: string, over: Partial<RecordFacts> = {}): RecordFacts => ({
  zoneId: ZONE_1,
  ips: [ip],
  ttl: DNS.ttl,
  metadata: recordMetadata(FORWARD, peId(forEndpoint)),
  etag: 'etag-1',
  ...over,
});
/** The plan reads records by lower-cased zone id. */
const records = (entries: [string, RecordFacts | undefined][]) => new Map(entries.map(([id, r]) => [id.toLowerCase(), r]));

interface Situation {
  zones: ZoneFacts[];
  endpoints: NamedEndpoint[];
  records?: [string, RecordFacts | undefined][];
  dns?: { recordName: string; ttl: number };
}

interface Expected {
  ops: Partial<RecordOp>[];
  /** connection name -> states of its views (in zone order). */
  views: Record<string, string[]>;
  /** Each string must appear in one problem; the count must match. */
  problems: string[];
  /** IPs that must never be written. */
  neverWritten?: string[];
  /** connection name -> text one of its views' messages must contain. */
  messages?: Record<string, string>;
}

function plan(s: Situation): DnsPlan {
  return planRecords(FORWARD, s.dns ?? DNS, s.zones, s.endpoints, records(s.records ?? []));
}

const A = endpoint('pe-a', vnetId('vnet-a'), '10.1.0.4');
const B = endpoint('pe-b', vnetId('vnet-b'), '10.2.0.4');

const table: [string, Situation, Expected][] = [
  [
    'the first endpoint, with no record yet, gets a record created with If-None-Match and our metadata',
    { zones: [zone(ZONE_1, 'corp.example', vnetId('vnet-a'))], endpoints: [A] },
    {
      ops: [{ kind: 'put', zoneId: ZONE_1, fqdn: 'onprem.corp.example', ip: '10.1.0.4', ttl: 300, ifNoneMatch: '*', connectionName: 'conn-pe-a', metadata: { [META_FORWARD]: FORWARD, [META_ENDPOINT]: peId('pe-a').toLowerCase(), [META_MANAGED_BY]: MANAGED_BY } }],
      views: { 'conn-pe-a': ['written'] },
      problems: [],
    },
  ],
  [
    'our record that is already right costs no write and still shows as written',
    { zones: [zone(ZONE_1, 'corp.example', vnetId('vnet-a'))], endpoints: [A], records: [[ZONE_1, ours('pe-a', '10.1.0.4')]] },
    { ops: [], views: { 'conn-pe-a': ['written'] }, problems: [] },
  ],
  [
    'our record with an old IP is rewritten with If-Match of the etag read',
    { zones: [zone(ZONE_1, 'corp.example', vnetId('vnet-a'))], endpoints: [A], records: [[ZONE_1, ours('pe-a', '10.9.9.9', { etag: 'etag-old' })]] },
    { ops: [{ kind: 'put', ip: '10.1.0.4', ifMatch: 'etag-old', connectionName: 'conn-pe-a' }], views: { 'conn-pe-a': ['written'] }, problems: [] },
  ],
  [
    'our record with another TTL is rewritten',
    { zones: [zone(ZONE_1, 'corp.example', vnetId('vnet-a'))], endpoints: [A], records: [[ZONE_1, ours('pe-a', '10.1.0.4', { ttl: 3600 })]] },
    { ops: [{ kind: 'put', ip: '10.1.0.4', ttl: 300, ifMatch: 'etag-1' }], views: { 'conn-pe-a': ['written'] }, problems: [] },
  ],
  [
    'our record holding two IPs is rewritten to the one IP',
    { zones: [zone(ZONE_1, 'corp.example', vnetId('vnet-a'))], endpoints: [A], records: [[ZONE_1, ours('pe-a', '10.1.0.4', { ips: ['10.1.0.4', '10.1.0.5'] })]] },
    { ops: [{ kind: 'put', ip: '10.1.0.4', ifMatch: 'etag-1' }], views: { 'conn-pe-a': ['written'] }, problems: [] },
  ],
  [
    'a record without our metadata is never touched: a conflict for each candidate and one problem',
    {
      zones: [zone(ZONE_1, 'corp.example', vnetId('vnet-a'), vnetId('vnet-b'))],
      endpoints: [A, B],
      records: [[ZONE_1, { zoneId: ZONE_1, ips: ['192.0.2.1'], ttl: 300, metadata: {}, etag: 'etag-x' }]],
    },
    { ops: [], views: { 'conn-pe-a': ['conflict'], 'conn-pe-b': ['conflict'] }, problems: ['a record not written by this forward exists'], neverWritten: ['10.1.0.4', '10.2.0.4'] },
  ],
  [
    "a record of another forward (its plfForward) is treated as not ours",
    {
      zones: [zone(ZONE_1, 'corp.example', vnetId('vnet-a'))],
      endpoints: [A],
      records: [[ZONE_1, ours('pe-a', '10.1.0.4', { metadata: recordMetadata('other-forward', peId('pe-a')) })]],
    },
    { ops: [], views: { 'conn-pe-a': ['conflict'] }, problems: ['not written by this forward'] },
  ],
  [
    'a record with our forward name but another managedBy is treated as not ours',
    {
      zones: [zone(ZONE_1, 'corp.example', vnetId('vnet-a'))],
      endpoints: [A],
      records: [[ZONE_1, ours('pe-a', '10.9.9.9', { metadata: { ...recordMetadata(FORWARD, peId('pe-a')), [META_MANAGED_BY]: 'someone-else' } })]],
    },
    { ops: [], views: { 'conn-pe-a': ['conflict'] }, problems: ['not written by this forward'] },
  ],
  [
    'two endpoints in two VNets linked to one zone: the holder keeps the record though listed second, the other gets a conflict',
    { zones: [zone(ZONE_1, 'corp.example', vnetId('vnet-a'), vnetId('vnet-b'))], endpoints: [A, B], records: [[ZONE_1, ours('pe-b', '10.2.0.4')]] },
    { ops: [], views: { 'conn-pe-a': ['conflict'], 'conn-pe-b': ['written'] }, problems: ['one name holds one IP, pe-b keeps onprem.corp.example'], neverWritten: ['10.1.0.4'] },
  ],
  [
    'the holder whose IP changed keeps the record and it follows the holder, never the other IP',
    { zones: [zone(ZONE_1, 'corp.example', vnetId('vnet-a'), vnetId('vnet-b'))], endpoints: [A, B], records: [[ZONE_1, ours('pe-b', '10.2.0.99')]] },
    { ops: [{ kind: 'put', ip: '10.2.0.4', connectionName: 'conn-pe-b', ifMatch: 'etag-1' }], views: { 'conn-pe-a': ['conflict'], 'conn-pe-b': ['written'] }, problems: ['pe-b keeps'], neverWritten: ['10.1.0.4'] },
  ],
  [
    'two endpoints linked to one zone and no holder: the first candidate with an IP wins',
    { zones: [zone(ZONE_1, 'corp.example', vnetId('vnet-a'), vnetId('vnet-b'))], endpoints: [endpoint('pe-a', vnetId('vnet-a'), undefined), B] },
    { ops: [{ kind: 'put', ip: '10.2.0.4', connectionName: 'conn-pe-b', ifNoneMatch: '*' }], views: { 'conn-pe-a': ['conflict'], 'conn-pe-b': ['written'] }, problems: ['pe-b keeps'] },
  ],
  [
    'our record whose endpoint is gone is deleted with If-Match',
    { zones: [zone(ZONE_1, 'corp.example', vnetId('vnet-a'))], endpoints: [], records: [[ZONE_1, ours('pe-gone', '10.1.0.9', { etag: 'etag-gone' })]] },
    { ops: [{ kind: 'delete', zoneId: ZONE_1, fqdn: 'onprem.corp.example', ifMatch: 'etag-gone' }], views: {}, problems: [] },
  ],
  [
    'our record held by an endpoint gone is taken over by the endpoint linked now',
    { zones: [zone(ZONE_1, 'corp.example', vnetId('vnet-a'))], endpoints: [A], records: [[ZONE_1, ours('pe-gone', '10.1.0.9')]] },
    { ops: [{ kind: 'put', ip: '10.1.0.4', connectionName: 'conn-pe-a', ifMatch: 'etag-1', metadata: recordMetadata(FORWARD, peId('pe-a')) }], views: { 'conn-pe-a': ['written'] }, problems: [] },
  ],
  [
    'a foreign record in a zone no endpoint concerns raises no problem and is not deleted',
    { zones: [zone(ZONE_1, 'corp.example', vnetId('vnet-other'))], endpoints: [], records: [[ZONE_1, { zoneId: ZONE_1, ips: ['192.0.2.1'], metadata: {} }]] },
    { ops: [], views: {}, problems: [] },
  ],
  [
    'an endpoint whose VNet is linked to no zone shows noZone and a problem naming the VNet',
    { zones: [zone(ZONE_1, 'corp.example', vnetId('vnet-a'))], endpoints: [A, endpoint('pe-c', vnetId('vnet-lonely'), '10.3.0.4')] },
    { ops: [{ kind: 'put', ip: '10.1.0.4' }], views: { 'conn-pe-a': ['written'], 'conn-pe-c': ['noZone'] }, problems: ['VNet vnet-lonely'], neverWritten: ['10.3.0.4'] },
  ],
  [
    'an endpoint whose VNet is unknown shows noZone',
    { zones: [zone(ZONE_1, 'corp.example', vnetId('vnet-a'))], endpoints: [endpoint('pe-c', undefined, '10.3.0.4')] },
    { ops: [], views: { 'conn-pe-c': ['noZone'] }, problems: ['VNet unknown'] },
  ],
  [
    'an endpoint without an IP yet shows pending and gets no write',
    { zones: [zone(ZONE_1, 'corp.example', vnetId('vnet-a'))], endpoints: [endpoint('pe-a', vnetId('vnet-a'), undefined)] },
    { ops: [], views: { 'conn-pe-a': ['pending'] }, problems: [], messages: { 'conn-pe-a': 'no private IP yet' } },
  ],
  [
    'the holder without an IP (NIC being replaced) shows pending and its record is neither rewritten nor deleted',
    { zones: [zone(ZONE_1, 'corp.example', vnetId('vnet-a'))], endpoints: [endpoint('pe-a', vnetId('vnet-a'), undefined)], records: [[ZONE_1, ours('pe-a', '10.1.0.4')]] },
    { ops: [], views: { 'conn-pe-a': ['pending'] }, problems: [] },
  ],
  [
    'two zones each linked to the VNet get one write per zone',
    { zones: [zone(ZONE_1, 'corp.example', vnetId('vnet-a')), zone(ZONE_2, 'internal.example', vnetId('VNET-A'))], endpoints: [A] },
    {
      ops: [
        { kind: 'put', zoneId: ZONE_1, fqdn: 'onprem.corp.example', ip: '10.1.0.4' },
        { kind: 'put', zoneId: ZONE_2, fqdn: 'onprem.internal.example', ip: '10.1.0.4' },
      ],
      views: { 'conn-pe-a': ['written', 'written'] },
      problems: [],
    },
  ],
  [
    'VNet ids are matched to zone links case-insensitively',
    { zones: [zone(ZONE_1, 'corp.example', vnetId('vnet-a').toUpperCase())], endpoints: [A] },
    { ops: [{ kind: 'put', ip: '10.1.0.4' }], views: { 'conn-pe-a': ['written'] }, problems: [] },
  ],
];

describe('planRecords', () => {
  it.each(table)('%s', (_situation, s, expected) => {
    const p = plan(s);
    expect(p.ops).toHaveLength(expected.ops.length);
    expected.ops.forEach((op, i) => expect(p.ops[i]).toMatchObject(op));
    for (const op of p.ops) {
      if (op.kind === 'put') expect(op.ifMatch !== undefined || op.ifNoneMatch === '*').toBe(true);
      if (op.kind === 'put') expect(isOurRecord(op.metadata, FORWARD)).toBe(true);
    }
    const views = Object.fromEntries([...p.views].map(([conn, vs]) => [conn, vs.map((v) => v.state)]));
    expect(views).toEqual(expected.views);
    expect(p.problems).toHaveLength(expected.problems.length);
    for (const part of expected.problems) expect(p.problems.some((x) => x.message.includes(part))).toBe(true);
    for (const ip of expected.neverWritten ?? []) expect(p.ops.some((op) => op.kind === 'put' && op.ip === ip)).toBe(false);
    for (const [conn, text] of Object.entries(expected.messages ?? {})) expect(p.views.get(conn)!.some((v) => v.message?.includes(text))).toBe(true);
  });
});

describe('planRecords: endpoints whose NIC has no IP yet', () => {
  const noIp = (name: string, vnet: string) => endpoint(name, vnetId(vnet), undefined);
  it.each<[string, Situation]>([
    ['two endpoints without an IP in two VNets linked to one zone', { zones: [zone(ZONE_1, 'corp.example', vnetId('vnet-a'), vnetId('vnet-b'))], endpoints: [noIp('pe-a', 'vnet-a'), noIp('pe-b', 'vnet-b')] }],
    [
      'an endpoint without an IP where our record of a gone endpoint remains',
      { zones: [zone(ZONE_1, 'corp.example', vnetId('vnet-a'))], endpoints: [noIp('pe-a', 'vnet-a')], records: [[ZONE_1, ours('pe-gone', '10.1.0.9')]] },
    ],
  ])('%s: the plan is made (no throw), writes nothing, and the first endpoint shows pending', (_situation, s) => {
    let p: DnsPlan | undefined;
    expect(() => (p = plan(s))).not.toThrow();
    expect(p!.ops.filter((op) => op.kind === 'put')).toEqual([]);
    expect(p!.views.get('conn-pe-a')?.map((v) => v.state)).toEqual(['pending']);
    for (const vs of p!.views.values()) expect(vs.every((v) => v.state !== 'noZone')).toBe(true);
  });
});

describe('planRecords: endpoints that could not be read', () => {
  const problem = 'the NIC could not be read: AuthorizationFailed (...)';
  it.each<[string, NamedEndpoint, string]>([
    ['NIC refused, VNet known and linked', { ...endpoint('pe-a', vnetId('vnet-a'), undefined), problem }, ZONE_1],
    ['endpoint refused, VNet unknown', { ...endpoint('pe-a', undefined, undefined), problem }, ''],
  ])('%s: nothing written, the view is pending with the problem, and the problem is a DNS problem', (_situation, e, zoneIdShown) => {
    const p = plan({ zones: [zone(ZONE_1, 'corp.example', vnetId('vnet-a'))], endpoints: [e] });
    expect(p.ops).toEqual([]);
    expect(p.views.get('conn-pe-a')).toEqual([expect.objectContaining({ state: 'pending', zoneId: zoneIdShown, message: problem })]);
    expect(p.problems).toEqual([{ kind: 'unreadable', message: `endpoint pe-a: ${problem}` }]);
  });
});

describe('planRecords: views carry the record', () => {
  it('a written view names the fqdn, the zone and the IP', () => {
    const p = plan({ zones: [zone(ZONE_1, 'corp.example', vnetId('vnet-a'))], endpoints: [A] });
    expect(p.views.get('conn-pe-a')).toEqual([{ fqdn: 'onprem.corp.example', zoneId: ZONE_1, ip: '10.1.0.4', state: 'written' }]);
  });
});

describe('isOurRecord / recordMetadata', () => {
  it.each<[string, Record<string, string> | undefined, boolean]>([
    ['the metadata this forward writes is ours', recordMetadata(FORWARD, peId('pe-a')), true],
    ["another forward's metadata is not ours", recordMetadata('other', peId('pe-a')), false],
    ['no metadata is not ours', undefined, false],
    ['empty metadata is not ours', {}, false],
    ['our forward name without managedBy is not ours', { [META_FORWARD]: FORWARD }, false],
  ])('%s', (_situation, metadata, expected) => {
    expect(isOurRecord(metadata, FORWARD)).toBe(expected);
  });

  it('metadata keys are letters only and the endpoint id is lower-cased', () => {
    const m = recordMetadata(FORWARD, peId('PE-A'));
    for (const k of Object.keys(m)) expect(k).toMatch(/^[A-Za-z]+$/);
    expect(m[META_ENDPOINT]).toBe(peId('PE-A').toLowerCase());
  });
});

describe('forwardZoneIds', () => {
  const hubZone = (name: string) => `/subscriptions/${HUB.subscriptionId}/resourceGroups/${HUB.resourceGroup}/providers/Microsoft.Network/privateDnsZones/${name}`;
  it.each<[string, { zoneName?: string; zoneIds?: string[] }, string[]]>([
    ['a zoneName becomes a zone in the hub resource group', { zoneName: 'corp.example' }, [hubZone('corp.example')]],
    ['zoneIds are kept as given', { zoneIds: [ZONE_1, ZONE_2] }, [ZONE_1, ZONE_2]],
    ['zoneIds and a zoneName are both used', { zoneIds: [ZONE_1], zoneName: 'corp.example' }, [ZONE_1, hubZone('corp.example')]],
    ['duplicates are removed case-insensitively, the first spelling kept', { zoneIds: [ZONE_1, ZONE_1.toUpperCase(), ZONE_2] }, [ZONE_1, ZONE_2]],
    ['a zoneName equal to a listed zone id is not added twice', { zoneIds: [hubZone('CORP.example')], zoneName: 'corp.example' }, [hubZone('CORP.example')]],
    ['no zones at all gives none', {}, []],
  ])('%s', (_situation, dns, expected) => {
    expect(forwardZoneIds(dns, HUB)).toEqual(expected);
  });
});
