import { armCode } from '../../core/conditions';
import { connectionsFailure, connectionsSection } from '../../core/connections-status';
import type { DnsRecordView } from '../../core/dns-plan';
import { assembleStatus, connectionView, countConnections, emptyStatus, setCondition, type Condition, type ConnectionRecord, type ConnectionsSection, type ForwardStatus } from '../../core/status';

const SUB = '00000000-0000-0000-0000-0000000000a1';
const T0 = '2024-05-01T10:00:00.000Z';
const T1 = '2024-05-01T10:05:00.000Z';
const T2 = '2024-05-01T10:10:00.000Z';
const written = (ip: string): DnsRecordView => ({ fqdn: 'onprem.corp.example', zoneId: '/z', ip, state: 'written' });

function row(name: string, over: Partial<ConnectionRecord> = {}): ConnectionRecord {
  return {
    name,
    privateEndpointId: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe-${name}`,
    subscriptionId: SUB,
    virtualNetworkId: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet-${name}`,
    state: 'Approved',
    decision: 'keep',
    reason: 'allowed by consumers.allow[0] (subscription x, any VNet)',
    firstSeen: T0,
    nicId: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/nic-${name}`,
    ip: '10.1.0.4',
    verifiedAt: T0,
    ...over,
  };
}

type Pass = Parameters<typeof connectionsSection>[2];
const pass = (over: Partial<Pass> = {}): Pass => ({ generation: 3, hasDns: true, dnsProblems: [], now: T0, ...over });

function section(previous: ConnectionsSection | undefined, rows: ConnectionRecord[], p: Pass): ConnectionsSection {
  const s = connectionsSection(previous, rows, p);
  if (s === 'unchanged') throw new Error('expected a section, got unchanged');
  return s;
}
const cond = (s: ConnectionsSection, type: string) => s.conditions.find((c) => c.type === type)!;

interface Expect {
  type: 'ConnectionsReconciled' | 'DnsRecordsReady';
  status: Condition['status'];
  reason: string;
  message?: string[];
  observedGeneration?: number;
}

const conditions: [string, ConnectionRecord[], Partial<Pass>, Expect[]][] = [
  [
    'all good: connections reconciled and records written',
    [row('c1', { dns: [written('10.1.0.4')] }), row('c2', { dns: [written('10.1.0.5')] })],
    {},
    [
      { type: 'ConnectionsReconciled', status: 'True', reason: 'Reconciled', message: ['2 approved, 0 pending, 0 rejected'] },
      { type: 'DnsRecordsReady', status: 'True', reason: 'RecordsWritten', message: ['2 record(s) written for 2 approved endpoint(s)'] },
    ],
  ],
  [
    'a request waiting under maxConnections: still reconciled, reason LimitReached',
    [row('c1'), row('c2', { state: 'Pending', decision: 'leave', reason: 'limit reached: 1 of consumers.maxConnections 1 approved; waits for room (oldest first)', waiting: true })],
    {},
    [{ type: 'ConnectionsReconciled', status: 'True', reason: 'LimitReached', message: ['1 waiting for room under maxConnections'] }],
  ],
  [
    'the reason comes from the waiting flag, not the words: a pending row whose reason reads "limit reached" without it is not waiting',
    [row('c1'), row('c2', { state: 'Pending', decision: 'leave', reason: 'limit reached: words only' })],
    {},
    [{ type: 'ConnectionsReconciled', status: 'True', reason: 'Reconciled' }],
  ],
  [
    'a DNS problem whose text reads like "no zone of the forward" but is a conflict: reason Conflict (the kind decides)',
    [row('c1')],
    { dnsProblems: [{ kind: 'conflict', message: "endpoint pe-c1: no zone of the forward's dns is linked to VNet vnet-c1" }] },
    [{ type: 'DnsRecordsReady', status: 'False', reason: 'Conflict' }],
  ],
  [
    'a zone the spec names is gone: reason Conflict, the message names the zone',
    [row('c1')],
    { dnsProblems: [{ kind: 'zoneNotFound', message: 'zone /z was not found' }] },
    [{ type: 'DnsRecordsReady', status: 'False', reason: 'Conflict', message: ['zone /z was not found'] }],
  ],
  [
    'every condition carries the generation the pass decided with (observedGeneration)',
    [row('c1')],
    { generation: 7 },
    [{ type: 'ConnectionsReconciled', status: 'True', reason: 'Reconciled', observedGeneration: 7 }, { type: 'DnsRecordsReady', status: 'True', reason: 'RecordsWritten', observedGeneration: 7 }],
  ],
  [
    'two waiting: the message counts them',
    [row('c1'), row('c2', { state: 'Pending', decision: 'leave', reason: 'x', waiting: true }), row('c3', { state: 'Pending', decision: 'leave', reason: 'x', waiting: true })],
    {},
    [{ type: 'ConnectionsReconciled', status: 'True', reason: 'LimitReached', message: ['2 waiting for room under maxConnections'] }],
  ],
  [
    'a pending request left for not being allowed is not counted as waiting for room',
    [row('c1', { state: 'Pending', decision: 'leave', reason: 'not allowed: subscription x is not in consumers.allow; left pending' })],
    {},
    [{ type: 'ConnectionsReconciled', status: 'True', reason: 'Reconciled', message: ['0 approved, 1 pending'] }],
  ],
  [
    'a disallowed connection kept approved: not reconciled, DisallowedKept naming it',
    [row('c1'), row('kept-one', { disallowed: true, reason: 'no longer allowed: subscription x is not in consumers.allow; kept (consumers.onDisallow: keep)' })],
    {},
    [{ type: 'ConnectionsReconciled', status: 'False', reason: 'DisallowedKept', message: ['kept-one', 'subscription x is not in consumers.allow'] }],
  ],
  [
    'a disallowed flag on a connection no longer approved does not count as kept',
    [row('c1', { state: 'Rejected', decision: 'leave', disallowed: true })],
    {},
    [{ type: 'ConnectionsReconciled', status: 'True', reason: 'Reconciled' }],
  ],
  [
    'DNS conflicts: records not ready, reason Conflict with each problem',
    [row('c1')],
    { dnsProblems: [{ kind: 'conflict', message: 'onprem.corp.example: a record not written by this forward exists; left untouched' }, { kind: 'noZone', message: "endpoint pe-c2: no zone of the forward's dns is linked to VNet vnet-c2" }] },
    [{ type: 'DnsRecordsReady', status: 'False', reason: 'Conflict', message: ['a record not written by this forward', 'vnet-c2'] }],
  ],
  [
    'only VNets without a linked zone: records not ready, reason NoLinkedZone',
    [row('c1')],
    { dnsProblems: [{ kind: 'noZone', message: "endpoint pe-c1: no zone of the forward's dns is linked to VNet vnet-c1" }, { kind: 'noZone', message: "endpoint pe-c1: no zone of the forward's dns is linked to VNet vnet-c1" }] },
    [{ type: 'DnsRecordsReady', status: 'False', reason: 'NoLinkedZone', message: ['vnet-c1'] }],
  ],
  [
    'a stranger whose endpoint could not be read: still reconciled, the message names it with its problem',
    [row('c1'), row('c3', { state: 'Pending', decision: 'leave', reason: 'not allowed', problem: 'the private endpoint could not be read: AuthorizationFailed (...)' })],
    {},
    [{ type: 'ConnectionsReconciled', status: 'True', reason: 'Reconciled', message: ['1 approved, 1 pending', 'endpoint not readable: c3 (the private endpoint could not be read: AuthorizationFailed'] }],
  ],
  [
    'only endpoints whose NIC could not be read: records not ready, reason EndpointUnreadable',
    [row('c1')],
    { dnsProblems: [{ kind: 'unreadable', message: 'endpoint pe-c1: the NIC could not be read: AuthorizationFailed (...)' }] },
    [{ type: 'DnsRecordsReady', status: 'False', reason: 'EndpointUnreadable', message: ['pe-c1', 'NIC could not be read'] }],
  ],
  [
    'a forward without dns: records NotConfigured (True), even with problems passed',
    [row('c1')],
    { hasDns: false, dnsProblems: [{ kind: 'conflict', message: 'ignored' }] },
    [{ type: 'DnsRecordsReady', status: 'True', reason: 'NotConfigured' }],
  ],
];

describe('connectionsSection: conditions', () => {
  it.each(conditions)('%s', (_situation, rows, over, expected) => {
    const s = section(undefined, rows, pass(over));
    expect(s.conditions.map((c) => c.type)).toEqual(['ConnectionsReconciled', 'DnsRecordsReady']);
    for (const e of expected) {
      const c = cond(s, e.type);
      expect({ status: c.status, reason: c.reason }).toEqual({ status: e.status, reason: e.reason });
      for (const part of e.message ?? []) expect(c.message).toContain(part);
      expect(c.lastTransitionTime).toBe(T0);
      expect(c.observedGeneration).toBe(e.observedGeneration ?? s.observedGeneration);
    }
    expect(s.observedGeneration).toBe(over.generation ?? 3);
    expect(s.lastPassAt).toBe(T0);
    expect(s.counts).toEqual(countConnections(rows));
  });

  it('a duplicated problem is shown once', () => {
    const p = 'onprem.corp.example: a record not written by this forward exists; left untouched';
    const s = section(undefined, [row('c1')], pass({ dnsProblems: [{ kind: 'conflict', message: p }, { kind: 'conflict', message: p }] }));
    expect(cond(s, 'DnsRecordsReady').message).toBe(p);
  });
});

describe('connectionsSection: unchanged and transition times', () => {
  const good = [row('c1', { dns: [written('10.1.0.4')] })];
  const kept = [row('c1', { disallowed: true, dns: [written('10.1.0.4')] })];

  it.each<[string, ConnectionRecord[], Partial<Pass>, boolean]>([
    ['the same input again, later, is unchanged', good, {}, true],
    ['another generation is a change', good, { generation: 4 }, false],
    ['another count is a change', [...good, row('c2', { state: 'Pending', decision: 'leave', reason: 'not allowed: x' })], {}, false],
    ['a new DNS problem is a change', good, { dnsProblems: [{ kind: 'conflict', message: 'onprem.corp.example: a record not written by this forward exists; left untouched' }] }, false],
    ['a changed message alone (the record no longer written, same counts) is a change', [row('c1')], {}, false],
  ])('%s', (_situation, rows, over, unchanged) => {
    const first = section(undefined, good, pass());
    const second = connectionsSection(first, rows, pass({ now: T1, ...over }));
    if (unchanged) expect(second).toBe('unchanged');
    else {
      expect(second).not.toBe('unchanged');
      expect((second as ConnectionsSection).lastPassAt).toBe(T1);
    }
  });

  it.each<[string, ConnectionRecord[], ConnectionRecord[], string, string]>([
    ['a status that stays True keeps its transition time, though the reason changes', good, [...good, row('c2', { state: 'Pending', decision: 'leave', reason: 'limit reached: 1 of 1' })], 'ConnectionsReconciled', T0],
    ['a status that flips to False takes the new time', good, kept, 'ConnectionsReconciled', T1],
    ['a status that stays True for DNS keeps its time', good, [...good, row('c2', { dns: [written('10.1.0.5')] })], 'DnsRecordsReady', T0],
  ])('%s', (_situation, before, after, type, time) => {
    const first = section(undefined, before, pass());
    const second = section(first, after, pass({ now: T1 }));
    expect(cond(second, type).lastTransitionTime).toBe(time);
  });

  it('a status that flips back takes the time of the flip, not the first time', () => {
    const s0 = section(undefined, good, pass({ now: T0 }));
    const s1 = section(s0, kept, pass({ now: T1 }));
    const s2 = section(s1, good, pass({ now: T2 }));
    expect(cond(s1, 'ConnectionsReconciled')).toMatchObject({ status: 'False', lastTransitionTime: T1 });
    expect(cond(s2, 'ConnectionsReconciled')).toMatchObject({ status: 'True', lastTransitionTime: T2 });
    expect(cond(s2, 'DnsRecordsReady').lastTransitionTime).toBe(T0);
  });

  it('setCondition: a condition keeps its place and its time while its status stays', () => {
    const a = setCondition([], { type: 'Ready', status: 'True', reason: 'Reconciled', message: 'm', observedGeneration: 1 }, T0);
    const ab = setCondition(a, { type: 'Synced', status: 'False', reason: armCode('r'), message: 'm', observedGeneration: 1 }, T0);
    const next = setCondition(ab, { type: 'Ready', status: 'True', reason: 'Reconciled', message: 'm2', observedGeneration: 2 }, T1);
    expect(next).toEqual([
      { type: 'Ready', status: 'True', reason: 'Reconciled', message: 'm2', lastTransitionTime: T0, observedGeneration: 2 },
      { type: 'Synced', status: 'False', reason: 'r', message: 'm', lastTransitionTime: T0, observedGeneration: 1 },
    ]);
  });
});

describe('connectionsFailure', () => {
  it.each<[string, ConnectionsSection | undefined, ConnectionsSection['counts'], number, string]>([
    ['a failure on the first pass starts from nothing', undefined, { approved: 0, pending: 0, rejected: 0, disconnected: 0 }, 0, T1],
    [
      'a failure after a good pass keeps counts and generation, and ConnectionsReconciled flips to False',
      section(undefined, [row('c1')], pass()),
      { approved: 1, pending: 0, rejected: 0, disconnected: 0 },
      3,
      T1,
    ],
  ])('%s', (_situation, previous, counts, generation, time) => {
    const f = connectionsFailure(previous, { code: 'AuthorizationFailed', message: 'no access to the PLS' }, T1);
    expect(cond(f, 'ConnectionsReconciled')).toEqual({ type: 'ConnectionsReconciled', status: 'False', reason: 'AuthorizationFailed', message: 'no access to the PLS', lastTransitionTime: time, observedGeneration: generation });
    expect(f.counts).toEqual(counts);
    expect(f.observedGeneration).toBe(generation);
    expect(f.lastPassAt).toBe(T1);
    if (previous) expect(cond(f, 'DnsRecordsReady')).toEqual(cond(previous, 'DnsRecordsReady'));
  });
});

describe('assembleStatus', () => {
  const reconcile = (conditions: Condition[]): ForwardStatus => ({ ...emptyStatus(), phase: 'Ready', observedGeneration: 3, conditions });
  const own = (type: Condition['type'], reason = 'Own'): Condition => ({ type, status: 'True', reason: armCode(reason), message: 'reconcile', lastTransitionTime: T0, observedGeneration: 3 });

  it.each<[string, Condition[], ConnectionsSection | undefined, ConnectionRecord[], string[], boolean]>([
    [
      "the connections section's conditions follow the reconcile conditions",
      [own('Ready'), own('NodesHealthy')],
      section(undefined, [row('c1')], pass()),
      [row('c1')],
      ['Ready', 'NodesHealthy', 'ConnectionsReconciled', 'DnsRecordsReady'],
      true,
    ],
    [
      'a condition type in both is taken once, from the connections section',
      [own('Ready'), own('DnsRecordsReady', 'Stale'), own('NodesHealthy')],
      section(undefined, [row('c1')], pass()),
      [row('c1')],
      ['Ready', 'NodesHealthy', 'ConnectionsReconciled', 'DnsRecordsReady'],
      true,
    ],
    ['no connections section and no rows: no connections field', [own('Ready')], undefined, [], ['Ready'], false],
    ['a connections section without rows: an empty connections list', [own('Ready')], section(undefined, [], pass()), [], ['Ready', 'ConnectionsReconciled', 'DnsRecordsReady'], true],
  ])('%s', (_situation, conds, connections, rows, types, hasConnections) => {
    const s = assembleStatus(reconcile(conds), connections, rows);
    expect(s.conditions.map((c) => c.type)).toEqual(types);
    expect(s.conditions.find((c) => c.reason === 'Stale')).toBeUndefined();
    expect('connections' in s).toBe(hasConnections);
    if (hasConnections) expect(s.connections).toHaveLength(rows.length);
    expect(s.phase).toBe('Ready');
  });

  it('rows become connection views without the internal fields', () => {
    const rows = [row('c1', { disallowed: true, dns: [written('10.1.0.4')] }), row('c2', { virtualNetworkId: undefined, dns: [] })];
    const s = assembleStatus(reconcile([]), section(undefined, rows, pass()), rows);
    for (const v of s.connections!) {
      for (const internal of ['firstSeen', 'nicId', 'ip', 'verifiedAt', 'disallowed']) expect(v).not.toHaveProperty(internal);
    }
    expect(s.connections![0]).toEqual({
      name: 'c1',
      privateEndpointId: rows[0].privateEndpointId,
      subscriptionId: SUB,
      virtualNetworkId: rows[0].virtualNetworkId,
      state: 'Approved',
      decision: 'keep',
      reason: rows[0].reason,
      dns: [written('10.1.0.4')],
    });
    expect(s.connections![1]).not.toHaveProperty('virtualNetworkId');
    expect(s.connections![1]).not.toHaveProperty('dns');
    expect(connectionView(rows[0])).toEqual(s.connections![0]);
  });

  it('countConnections counts each state', () => {
    const rows = [row('a'), row('b', { state: 'Pending' }), row('c', { state: 'Pending' }), row('d', { state: 'Rejected' }), row('e', { state: 'Disconnected' })];
    expect(countConnections(rows)).toEqual({ approved: 1, pending: 2, rejected: 1, disconnected: 1 });
  });
});
