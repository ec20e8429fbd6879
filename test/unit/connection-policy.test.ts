import {
  DESCRIPTION_MAX,
  connectionDescription,
  decideConnections,
  matchAllowList,
  stateChange,
  visibleSubscriptions,
  type ConnectionFacts,
  type ConnectionState,
  type Decision,
  type PolicyDecision,
} from '../../core/connection-policy';
import type { ForwardSpec } from '../../core/forward-spec';

type Consumers = ForwardSpec['consumers'];

const SUB_A = '00000000-0000-0000-0000-0000000000a1';
const SUB_B = '00000000-0000-0000-0000-0000000000b2';
const SUB_UNKNOWN = '00000000-0000-0000-0000-0000000000ff';
const vnet = (sub: string, name: string) => `/subscriptions/${sub}/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/${name}`;
const VNET_B1 = vnet(SUB_B, 'vnet-b1');
const VNET_B2 = vnet(SUB_B, 'vnet-b2');
const endpointId = (sub: string, name: string) => `/subscriptions/${sub}/resourceGroups/rg-spoke/providers/Microsoft.Network/privateEndpoints/${name}`;

/** SUB_A: any VNet (allow[0]); SUB_B: only vnet-b1 (allow[1]). */
function consumers(over: Partial<Consumers> = {}): Consumers {
  return {
    allow: [
      { subscriptionId: SUB_A, virtualNetworkIds: [] },
      { subscriptionId: SUB_B, virtualNetworkIds: [VNET_B1] },
    ],
    unmatched: 'leavePending',
    maxConnections: 50,
    onDisallow: 'keep',
    ...over,
  };
}

function conn(name: string, sub: string, state: ConnectionState, over: Partial<ConnectionFacts> = {}): ConnectionFacts {
  return {
    name,
    privateEndpointId: endpointId(sub, `pe-${name}`),
    subscriptionId: sub,
    virtualNetworkId: vnet(sub, `vnet-${name}`),
    state,
    firstSeen: '2024-05-01T10:00:00.000Z',
    ...over,
  };
}

interface Expected {
  decision: Decision;
  /** Every string must appear in the reason. */
  reason: string[];
  disallowed?: boolean;
}

const single: [string, Consumers, ConnectionFacts, Expected][] = [
  [
    'a pending request from an allowed subscription (any VNet) is approved, naming the rule',
    consumers(),
    conn('c1', SUB_A, 'Pending'),
    { decision: 'approve', reason: ['allowed by consumers.allow[0]', 'any VNet'] },
  ],
  [
    'a pending request from a VNet in the rule\'s list is approved',
    consumers(),
    conn('c1', SUB_B, 'Pending', { virtualNetworkId: VNET_B1 }),
    { decision: 'approve', reason: ['allowed by consumers.allow[1]', 'VNet vnet-b1'] },
  ],
  [
    'VNet ids and subscription ids are compared case-insensitively',
    consumers(),
    conn('c1', SUB_B.toUpperCase(), 'Pending', { virtualNetworkId: VNET_B1.toUpperCase() }),
    { decision: 'approve', reason: ['allowed by consumers.allow[1]'] },
  ],
  [
    'a pending request from a VNet not in the rule\'s list is left pending (leavePending)',
    consumers(),
    conn('c1', SUB_B, 'Pending', { virtualNetworkId: VNET_B2 }),
    { decision: 'leave', reason: ['not allowed', 'VNet vnet-b2', 'consumers.allow[1].virtualNetworkIds', 'left pending'] },
  ],
  [
    'a pending request from a VNet not in the rule\'s list is rejected (unmatched: reject)',
    consumers({ unmatched: 'reject' }),
    conn('c1', SUB_B, 'Pending', { virtualNetworkId: VNET_B2 }),
    { decision: 'reject', reason: ['not allowed', 'VNet vnet-b2', 'consumers.unmatched: reject'] },
  ],
  [
    'a pending request from an unknown subscription is left pending',
    consumers(),
    conn('c1', SUB_UNKNOWN, 'Pending'),
    { decision: 'leave', reason: [`subscription ${SUB_UNKNOWN} is not in consumers.allow`, 'left pending'] },
  ],
  [
    'a pending request from an unknown subscription is rejected (unmatched: reject)',
    consumers({ unmatched: 'reject' }),
    conn('c1', SUB_UNKNOWN, 'Pending'),
    { decision: 'reject', reason: [`subscription ${SUB_UNKNOWN} is not in consumers.allow`] },
  ],
  [
    'a pending request whose VNet could not be read is not allowed by a VNet-restricted rule',
    consumers(),
    conn('c1', SUB_B, 'Pending', { virtualNetworkId: undefined, endpointProblem: 'AuthorizationFailed' }),
    { decision: 'leave', reason: ["the endpoint's VNet is unknown", 'AuthorizationFailed'] },
  ],
  [
    'a pending request whose VNet could not be read is left pending even with unmatched: reject (never rejected on the unknown)',
    consumers({ unmatched: 'reject' }),
    conn('c1', SUB_B, 'Pending', { virtualNetworkId: undefined, endpointProblem: 'AuthorizationFailed' }),
    { decision: 'leave', reason: ['cannot be decided', "the endpoint's VNet is unknown", 'AuthorizationFailed'] },
  ],
  [
    'an approved connection whose VNet can no longer be read is kept under a VNet rule, even with onDisallow: reject (never revoked on the unknown)',
    consumers({ onDisallow: 'reject' }),
    conn('c1', SUB_B, 'Approved', { virtualNetworkId: undefined, endpointProblem: 'AuthorizationFailed' }),
    { decision: 'keep', reason: ['kept, cannot be decided now', 'AuthorizationFailed'] },
  ],
  [
    'a pending request from a subscription not in the allow list whose endpoint could not be read is rejected on its subscription (unmatched: reject)',
    consumers({ unmatched: 'reject' }),
    conn('c1', SUB_UNKNOWN, 'Pending', { virtualNetworkId: undefined, endpointProblem: 'InvalidAuthenticationTokenTenant' }),
    { decision: 'reject', reason: [`subscription ${SUB_UNKNOWN} is not in consumers.allow`] },
  ],
  [
    'a pending request whose VNet could not be read is still approved by an any-VNet rule',
    consumers(),
    conn('c1', SUB_A, 'Pending', { virtualNetworkId: undefined, endpointProblem: 'NotFound' }),
    { decision: 'approve', reason: ['allowed by consumers.allow[0]'] },
  ],
  [
    'an approved connection that is still allowed is kept',
    consumers(),
    conn('c1', SUB_A, 'Approved'),
    { decision: 'keep', reason: ['allowed by consumers.allow[0]'] },
  ],
  [
    'an approved connection no longer allowed is kept and flagged (onDisallow: keep)',
    consumers(),
    conn('c1', SUB_UNKNOWN, 'Approved'),
    { decision: 'keep', reason: ['no longer allowed', 'consumers.onDisallow: keep'], disallowed: true },
  ],
  [
    'an approved connection no longer allowed is rejected (onDisallow: reject)',
    consumers({ onDisallow: 'reject' }),
    conn('c1', SUB_B, 'Approved', { virtualNetworkId: VNET_B2 }),
    { decision: 'reject', reason: ['access revoked', 'VNet vnet-b2'] },
  ],
  [
    'a rejected connection is left, even when it is allowed now',
    consumers(),
    conn('c1', SUB_A, 'Rejected'),
    { decision: 'leave', reason: ['rejected: final in Azure'] },
  ],
  [
    'a disconnected connection is left',
    consumers(),
    conn('c1', SUB_A, 'Disconnected'),
    { decision: 'leave', reason: ['disconnected'] },
  ],
];

describe('decideConnections: one connection', () => {
  it.each(single)('%s', (_situation, cons, facts, expected) => {
    const [d] = decideConnections(cons, [facts]);
    expect(d.name).toBe(facts.name);
    expect(d.decision).toBe(expected.decision);
    for (const part of expected.reason) expect(d.reason).toContain(part);
    expect(d.disallowed ?? false).toBe(expected.disallowed ?? false);
  });
});

const byName = (ds: PolicyDecision[]) => Object.fromEntries(ds.map((d) => [d.name, d.decision]));

const many: [string, Consumers, ConnectionFacts[], Record<string, Decision>, Record<string, string>][] = [
  [
    'at the limit, the oldest pending requests are approved first (by firstSeen) and the rest wait',
    consumers({ maxConnections: 2 }),
    [
      conn('late', SUB_A, 'Pending', { firstSeen: '2024-05-03T00:00:00.000Z' }),
      conn('early', SUB_A, 'Pending', { firstSeen: '2024-05-01T00:00:00.000Z' }),
      conn('middle', SUB_A, 'Pending', { firstSeen: '2024-05-02T00:00:00.000Z' }),
    ],
    { late: 'leave', early: 'approve', middle: 'approve' },
    { late: 'limit reached: 2 of consumers.maxConnections 2' },
  ],
  [
    'pending requests first seen at the same time are approved by name',
    consumers({ maxConnections: 1 }),
    [conn('zulu', SUB_A, 'Pending'), conn('alpha', SUB_A, 'Pending')],
    { zulu: 'leave', alpha: 'approve' },
    { zulu: 'limit reached' },
  ],
  [
    'already approved connections count against the limit first, even when newer',
    consumers({ maxConnections: 2 }),
    [
      conn('old-pending', SUB_A, 'Pending', { firstSeen: '2020-01-01T00:00:00.000Z' }),
      conn('approved-1', SUB_A, 'Approved', { firstSeen: '2024-05-01T00:00:00.000Z' }),
      conn('approved-2', SUB_A, 'Approved', { firstSeen: '2024-05-02T00:00:00.000Z' }),
    ],
    { 'old-pending': 'leave', 'approved-1': 'keep', 'approved-2': 'keep' },
    { 'old-pending': 'limit reached: 2 of consumers.maxConnections 2' },
  ],
  [
    'a disallowed connection kept approved (onDisallow: keep) uses up room under the limit',
    consumers({ maxConnections: 1 }),
    [conn('kept', SUB_UNKNOWN, 'Approved'), conn('new', SUB_A, 'Pending')],
    { kept: 'keep', new: 'leave' },
    { new: 'limit reached' },
  ],
  [
    'a revoked connection (onDisallow: reject) frees its room for a pending one',
    consumers({ maxConnections: 1, onDisallow: 'reject' }),
    [conn('revoked', SUB_UNKNOWN, 'Approved'), conn('new', SUB_A, 'Pending')],
    { revoked: 'reject', new: 'approve' },
    { revoked: 'access revoked' },
  ],
  [
    'a maximum lowered below the approved count revokes nothing',
    consumers({ maxConnections: 1 }),
    [conn('a1', SUB_A, 'Approved'), conn('a2', SUB_A, 'Approved'), conn('a3', SUB_A, 'Approved'), conn('p1', SUB_A, 'Pending')],
    { a1: 'keep', a2: 'keep', a3: 'keep', p1: 'leave' },
    { p1: 'limit reached: 3 of consumers.maxConnections 1' },
  ],
  [
    'rejected and disconnected connections take no room under the limit',
    consumers({ maxConnections: 1 }),
    [conn('gone', SUB_A, 'Disconnected'), conn('refused', SUB_A, 'Rejected'), conn('new', SUB_A, 'Pending')],
    { gone: 'leave', refused: 'leave', new: 'approve' },
    { new: 'allowed by consumers.allow[0]' },
  ],
  [
    'not-allowed pending requests take no room under the limit',
    consumers({ maxConnections: 1 }),
    [conn('stranger', SUB_UNKNOWN, 'Pending', { firstSeen: '2020-01-01T00:00:00.000Z' }), conn('friend', SUB_A, 'Pending')],
    { stranger: 'leave', friend: 'approve' },
    { stranger: 'not allowed' },
  ],
];

describe('decideConnections: several connections', () => {
  it.each(many)('%s', (_situation, cons, facts, decisions, reasons) => {
    const out = decideConnections(cons, facts);
    expect(out.map((d) => d.name)).toEqual(facts.map((f) => f.name));
    expect(byName(out)).toEqual(decisions);
    for (const [name, part] of Object.entries(reasons)) expect(out.find((d) => d.name === name)!.reason).toContain(part);
    // `waiting` (the typed fact the connections section reads) marks exactly those left for room under the limit.
    for (const d of out) expect(d.waiting ?? false).toBe(d.reason.startsWith('limit reached'));
  });
});

describe('matchAllowList', () => {
  it.each([
    ['an any-VNet rule wins over a VNet-restricted rule of the same subscription', [{ subscriptionId: SUB_B, virtualNetworkIds: [VNET_B1] }, { subscriptionId: SUB_B, virtualNetworkIds: [] }], VNET_B2, true, 'consumers.allow[1]'],
    ['the second rule of a subscription may list the VNet', [{ subscriptionId: SUB_B, virtualNetworkIds: [VNET_B1] }, { subscriptionId: SUB_B, virtualNetworkIds: [VNET_B2] }], VNET_B2, true, 'consumers.allow[1] (VNet vnet-b2)'],
    ['an empty allow list admits nobody', [], VNET_B1, false, 'is not in consumers.allow'],
  ])('%s', (_situation, allow, vnetId, allowed, reason) => {
    const m = matchAllowList(allow, SUB_B, vnetId);
    expect(m.allowed).toBe(allowed);
    expect(m.reason).toContain(reason);
  });
});

describe('stateChange', () => {
  it.each<[string, Decision, ConnectionState, 'Approved' | 'Rejected' | undefined]>([
    ['approving a pending connection writes Approved', 'approve', 'Pending', 'Approved'],
    ['approving an approved connection writes nothing', 'approve', 'Approved', undefined],
    ['approving a rejected connection writes nothing (final in Azure)', 'approve', 'Rejected', undefined],
    ['rejecting a pending connection writes Rejected', 'reject', 'Pending', 'Rejected'],
    ['rejecting an approved connection writes Rejected', 'reject', 'Approved', 'Rejected'],
    ['rejecting a rejected connection writes nothing', 'reject', 'Rejected', undefined],
    ['rejecting a disconnected connection writes nothing', 'reject', 'Disconnected', undefined],
    ['leaving a pending connection writes nothing', 'leave', 'Pending', undefined],
    ['keeping an approved connection writes nothing', 'keep', 'Approved', undefined],
  ])('%s', (_situation, decision, state, expected) => {
    expect(stateChange(decision, state)).toBe(expected);
  });
});

describe('connectionDescription', () => {
  const long = `allowed by consumers.allow[0] (${'a very long reason '.repeat(20)})`;
  it.each<[string, 'Approved' | 'Rejected', string, string, boolean]>([
    ['a short approval is written whole', 'Approved', 'allowed by consumers.allow[0]', 'plf approved: ', false],
    ['a short rejection is written whole', 'Rejected', 'access revoked', 'plf rejected: ', false],
    ['a long approval is cut to 140 characters', 'Approved', long, 'plf approved: ', true],
    ['a long rejection is cut to 140 characters', 'Rejected', long, 'plf rejected: ', true],
  ])('%s', (_situation, status, reason, prefix, cut) => {
    const d = connectionDescription(status, reason);
    expect(d.startsWith(prefix)).toBe(true);
    expect(d.length).toBeLessThanOrEqual(DESCRIPTION_MAX);
    expect(DESCRIPTION_MAX).toBe(140);
    if (cut) {
      expect(d).toHaveLength(140);
      expect(d.endsWith('…')).toBe(true);
    } else {
      expect(d).toBe(`${prefix}${reason}`);
    }
  });
});

describe('visibleSubscriptions', () => {
  const UPPER_B = SUB_B.toUpperCase();
  it.each<[string, Partial<Consumers>, string[]]>([
    [
      'without visibleTo, the allow list\'s subscriptions (deduped, lower-cased, sorted)',
      { allow: [{ subscriptionId: UPPER_B, virtualNetworkIds: [] }, { subscriptionId: SUB_A, virtualNetworkIds: [] }, { subscriptionId: SUB_B, virtualNetworkIds: [VNET_B1] }] },
      [SUB_A, SUB_B],
    ],
    ['an explicit list is used instead of the allow list', { visibleTo: [SUB_UNKNOWN, UPPER_B] }, [SUB_B, SUB_UNKNOWN]],
    ['["*"] means anyone with the alias', { visibleTo: ['*'] }, ['*']],
    ['an empty allow list and no visibleTo shows nobody', { allow: [] }, []],
    ['visibleTo [] shows nobody even when the allow list names subscriptions', { allow: [{ subscriptionId: SUB_A, virtualNetworkIds: [] }], visibleTo: [] }, []],
  ])('%s', (_situation, over, expected) => {
    expect(visibleSubscriptions(consumers(over))).toEqual(expected);
  });
});
