import { dnsNeeded, dnsScope, namedEndpoints, nicsToRead, observedRecord, planReads, policyFacts, storedDnsProblems, withDecision, withRecordViews, type EndpointRead, type ListedConnection } from '../../core/connections-pass';
import type { DnsRecordView } from '../../core/dns-plan';
import type { ConnectionRecord } from '../../core/status';

/** One connections pass's decisions (core/connections-pass.ts), by situation. */
const SUB = '00000000-0000-0000-0000-0000000000a1';
const HUB = { subscriptionId: '00000000-0000-0000-0000-0000000000b1', resourceGroup: 'rg-hub' };
const T0 = '2026-01-01T00:00:00.000Z';
const NOW = '2026-01-01T00:10:00.000Z';
const pe = (n: string) => `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe-${n}`;
const nic = (n: string) => `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/nic-${n}`;
const vnet = (n: string) => `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet-${n}`;
const zone = (z: string) => `/subscriptions/${HUB.subscriptionId}/resourceGroups/rg-hub/providers/Microsoft.Network/privateDnsZones/${z}`;
const listed = (n: string, over: Partial<ListedConnection> = {}): ListedConnection => ({ name: n, privateEndpointId: pe(n), state: 'Approved', ...over });
const written = (z: string, ip = '10.1.0.4'): DnsRecordView => ({ fqdn: `onprem.${z}`, zoneId: zone(z), ip, state: 'written' });
function row(n: string, over: Partial<ConnectionRecord> = {}): ConnectionRecord {
  return { name: n, privateEndpointId: pe(n), subscriptionId: SUB, virtualNetworkId: vnet(n), state: 'Approved', decision: 'keep', reason: 'allowed', firstSeen: T0, nicId: nic(n), ip: '10.1.0.4', verifiedAt: NOW, ...over };
}

describe('planReads: which endpoints a pass re-reads', () => {
  it.each<[string, ListedConnection[], ConnectionRecord[], string[], { read: string[]; dirty: string[] }]>([
    ['an idle pass: nothing read, nothing dirty (one list call in all)', [listed('a')], [row('a')], [], { read: [], dirty: [] }],
    ['a new connection: read and dirty', [listed('a'), listed('b', { state: 'Pending' })], [row('a')], [], { read: ['b'], dirty: ['b'] }],
    ['a state changed (Approved -> Disconnected): read and dirty', [listed('a', { state: 'Disconnected' })], [row('a')], [], { read: ['a'], dirty: ['a'] }],
    ['another endpoint under the same connection name: read and dirty', [listed('a', { privateEndpointId: pe('z') })], [row('a')], [], { read: ['a'], dirty: ['a'] }],
    ['named by the wake-up (its endpoint id, any case)', [listed('a'), listed('b')], [row('a'), row('b')], [pe('b').toLowerCase()], { read: ['b'], dirty: ['b'] }],
    ['named by the wake-up through its NIC', [listed('a')], [row('a')], [nic('a')], { read: ['a'], dirty: ['a'] }],
    ['due for the drift check', [listed('a')], [row('a', { verifiedAt: T0 })], [], { read: ['a'], dirty: ['a'] }],
    ['refused last time: read again every pass, not dirty until what is known changes', [listed('a')], [row('a', { refused: true, problem: 'the private endpoint could not be read: AuthorizationFailed (...)' })], [], { read: ['a'], dirty: [] }],
    ['its NIC refused last time (flagged refused by the NIC read): read again every pass', [listed('a')], [row('a', { refused: true, ip: undefined, problem: 'the NIC could not be read: AuthorizationFailed (...)' })], [], { read: ['a'], dirty: [] }],
    ['not found last time (not a refusal): not read again before the drift check', [listed('a')], [row('a', { problem: 'the private endpoint was not found' })], [], { read: [], dirty: [] }],
  ])('%s', (_situation, list, previous, hints, e) => {
    const p = planReads(list, previous, hints, NOW, 300);
    expect(p.toRead).toEqual(e.read);
    expect([...p.dirty]).toEqual(e.dirty);
    for (const r of previous) if (list.some((l) => l.name === r.name)) expect(p.rows.get(r.name)?.state).toBe(list.find((l) => l.name === r.name)!.state);
  });
});

describe('observedRecord: the row after the endpoint was read', () => {
  const found = (n: string): EndpointRead => ({ found: { subscriptionId: SUB, virtualNetworkId: vnet(n), nicId: nic(n) } });
  const refused: EndpointRead = { refused: { status: 403, code: 'AuthorizationFailed' } };
  it.each<[string, ListedConnection, ConnectionRecord | undefined, EndpointRead, Partial<ConnectionRecord> & { problemHas?: string }, string[]]>([
    ['a new endpoint read: its VNet and NIC, first seen now, decision pending', listed('a', { state: 'Pending' }), undefined, found('a'), { virtualNetworkId: vnet('a'), nicId: nic('a'), firstSeen: NOW, decision: 'leave' }, ['ip', 'problem', 'refused']],
    ['the same endpoint re-read: its IP, decision and first sight kept', listed('a'), row('a'), found('a'), { ip: '10.1.0.4', firstSeen: T0, decision: 'keep' }, ['problem']],
    ['re-read after a refusal (its NIC, or itself): the problem and the flag go, so the change makes it dirty', listed('a'), row('a', { refused: true, problem: 'the NIC could not be read: X' }), found('a'), { nicId: nic('a') }, ['problem', 'refused']],
    ['the same endpoint on another NIC: the old IP is not kept', listed('a'), row('a'), { found: { subscriptionId: SUB, virtualNetworkId: vnet('a'), nicId: nic('other') } }, { nicId: nic('other') }, ['ip']],
    ['refused (403): what was read of this very endpoint is kept, the problem names the grant', listed('a'), row('a'), refused, { virtualNetworkId: vnet('a'), nicId: nic('a'), ip: '10.1.0.4', refused: true, problemHas: 'infra/consumer/roles.bicep' }, []],
    ['refused for an endpoint never read: nothing known but its subscription (from the listed id)', listed('b', { state: 'Pending' }), undefined, refused, { subscriptionId: SUB, refused: true, problemHas: 'could not be read' }, ['virtualNetworkId', 'nicId', 'ip']],
    ['not found (404): nothing kept, said so', listed('a'), row('a'), { notFound: true }, { problemHas: 'was not found' }, ['virtualNetworkId', 'nicId', 'ip', 'refused']],
    ['Disconnected and gone: no problem to report', listed('a', { state: 'Disconnected' }), row('a'), { notFound: true }, { state: 'Disconnected' }, ['problem', 'refused']],
  ])('%s', (_situation, conn, prev, read, expected, absent) => {
    const r = observedRecord(conn, prev, read, NOW);
    const { problemHas, ...fields } = expected;
    expect(r).toMatchObject({ verifiedAt: NOW, ...fields });
    if (problemHas) expect(r.problem).toContain(problemHas);
    for (const k of absent) expect(r).not.toHaveProperty(k);
  });
});

describe('policy facts and decisions on rows', () => {
  it('an endpoint without a VNet and no problem named is decided as unreadable (never approved by a VNet rule)', () => {
    const rows = new Map([['a', row('a', { virtualNetworkId: undefined })], ['b', row('b', { virtualNetworkId: undefined, problem: 'the private endpoint could not be read: X' })]]);
    expect(policyFacts([listed('a'), listed('b')], rows).map((f) => f.endpointProblem)).toEqual(['the endpoint could not be read', 'the private endpoint could not be read: X']);
  });
  it.each<[string, ConnectionRecord, Parameters<typeof withDecision>[1], ConnectionRecord['state'], Partial<ConnectionRecord>, string[]]>([
    ['approved now: decision and reason recorded, records kept', row('a', { state: 'Pending', dns: [written('corp.example')] }), { name: 'a', decision: 'approve', reason: 'allowed by consumers.allow[0]' }, 'Approved', { state: 'Approved', decision: 'approve' }, ['disallowed', 'waiting']],
    ['waiting for room: flagged waiting', row('a', { state: 'Pending' }), { name: 'a', decision: 'leave', reason: 'limit reached', waiting: true }, 'Pending', { waiting: true, dns: [] }, ['disallowed']],
    ['no longer allowed, kept: flagged disallowed; a flag of an earlier pass is not carried', row('a', { waiting: true }), { name: 'a', decision: 'keep', reason: 'no longer allowed', disallowed: true }, 'Approved', { disallowed: true }, ['waiting']],
    ['rejected: its records go', row('a', { dns: [written('corp.example')] }), { name: 'a', decision: 'reject', reason: 'access revoked' }, 'Rejected', { state: 'Rejected', dns: [] }, []],
  ])('%s', (_situation, r, d, state, expected, absent) => {
    const out = withDecision(r, d, state);
    expect(out).toMatchObject(expected);
    for (const k of absent) expect(out).not.toHaveProperty(k);
  });
});

describe('DNS: when, where, what', () => {
  it.each<[string, Parameters<typeof dnsNeeded>[0], boolean]>([
    ['nothing changed: records not read', { specChanged: false, dirty: new Set(), gone: [] }, false],
    ['a new spec generation', { specChanged: true, dirty: new Set(), gone: [] }, true],
    ['a dirty connection', { specChanged: false, dirty: new Set(['a']), gone: [] }, true],
    ['a connection with a written record gone from the list', { specChanged: false, dirty: new Set(), gone: [row('a', { dns: [written('corp.example')] })] }, true],
    ['a connection without records gone', { specChanged: false, dirty: new Set(), gone: [row('a')] }, false],
  ])('%s', (_situation, p, needed) => expect(dnsNeeded(p)).toBe(needed));

  it.each<[string, Parameters<typeof dnsScope>[0], ConnectionRecord[], { zones: string[]; spec: string[]; recordName?: string }]>([
    ['the spec zone name, in the hub resource group', { zoneName: 'corp.example', recordName: 'onprem' }, [], { zones: [zone('corp.example')], spec: [zone('corp.example')], recordName: 'onprem' }],
    ['a zone dropped from the spec that still holds our record: read too (cleaned up), not linked', { zoneName: 'corp.example', recordName: 'onprem' }, [row('a', { dns: [written('old.example')] })], { zones: [zone('corp.example'), zone('old.example')], spec: [zone('corp.example')], recordName: 'onprem' }],
    ['dns removed from the spec: the record name our records had, to remove them', undefined, [row('a', { dns: [written('old.example')] })], { zones: [zone('old.example')], spec: [], recordName: 'onprem' }],
    ['no dns and no records: nothing to do', undefined, [row('a')], { zones: [], spec: [] }],
  ])('%s', (_situation, dns, previous, e) => {
    const s = dnsScope(dns, HUB, previous);
    expect(s.zoneIds).toEqual(e.zones);
    expect([...s.specZones]).toEqual(e.spec.map((z) => z.toLowerCase()));
    expect(s.recordName).toBe(e.recordName);
  });

  it('NIC IPs are read when unknown or when the endpoint is dirty', () => {
    expect(nicsToRead([row('a'), row('b', { ip: undefined }), row('c'), row('d', { nicId: undefined, ip: undefined })], new Set(['c'])).map((r) => r.name)).toEqual(['b', 'c']);
  });

  it('an approved endpoint without an IP and with a problem is named with its problem (no guess)', () => {
    expect(namedEndpoints([row('a', { ip: undefined, problem: 'the NIC could not be read: X' }), row('b')])).toEqual([
      { connectionName: 'a', privateEndpointId: pe('a'), virtualNetworkId: vnet('a'), problem: 'the NIC could not be read: X' },
      { connectionName: 'b', privateEndpointId: pe('b'), virtualNetworkId: vnet('b'), ip: '10.1.0.4' },
    ]);
  });

  it('record views go to approved rows only, and a conflict is new only once', () => {
    const conflict: DnsRecordView = { fqdn: 'onprem.corp.example', zoneId: zone('corp.example'), state: 'conflict', message: 'two endpoints' };
    const rows = new Map([['a', row('a')], ['b', row('b', { state: 'Pending', decision: 'leave' })]]);
    const views = new Map([['a', [conflict]], ['b', [written('corp.example')]]]);
    const first = withRecordViews(rows, { views }, true, []);
    expect([first.rows.get('a')!.dns, first.rows.get('b')!.dns, first.newConflicts]).toEqual([[conflict], [], [{ fqdn: 'onprem.corp.example', message: 'two endpoints' }]]);
    expect(withRecordViews(rows, { views }, true, [...first.rows.values()]).newConflicts).toEqual([]);
    expect(withRecordViews(rows, { views }, false, []).rows.get('a')!.dns).toEqual([]);
  });

  it('a pass that does not look at DNS still shows the conflicts and unlinked VNets it knows, each with its kind', () => {
    const prev = [row('a', { dns: [{ fqdn: 'x', zoneId: '', state: 'noZone', message: 'no zone of the forward is linked to VNet vnet-a' }, written('corp.example')] }), row('b', { dns: [{ fqdn: 'y', zoneId: zone('z'), state: 'conflict' }] })];
    expect(storedDnsProblems(prev)).toEqual([{ kind: 'noZone', message: 'no zone of the forward is linked to VNet vnet-a' }, { kind: 'conflict', message: 'conflict' }]);
  });
});
