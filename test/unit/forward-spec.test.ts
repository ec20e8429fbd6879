import * as fs from 'node:fs';
import * as path from 'node:path';
import { forwardNameProblems, isoDurationSeconds, parseForwardSpec, type Problem } from '../../core/forward-spec';

const minimal = { ports: [{ port: 8000 }], targets: ['192.168.42.65'] };
const SUB = '00000000-0000-0000-0000-00000000c001';
const SUBNET = `/subscriptions/${SUB}/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke/subnets/jump`;
const SUB2 = '00000000-0000-0000-0000-00000000C002';
const ZONE_ID = `/subscriptions/${SUB}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/Internal.NET`;
const guid = (i: number) => `00000000-0000-0000-0000-${i.toString(16).padStart(12, '0')}`;

function problemsOf(body: unknown): Problem[] {
  const r = parseForwardSpec(body);
  return r.ok ? [] : r.problems;
}

describe('defaults', () => {
  it('a minimal body gets every default', () => {
    expect(parseForwardSpec(minimal)).toEqual({
      ok: true,
      spec: {
        ports: [{ port: 8000, targetPort: 8000 }],
        targets: ['192.168.42.65'],
        nodes: { count: 2, vmSize: 'Standard_B1s', zones: ['1', '2', '3'] },
        consumers: { allow: [], unmatched: 'leavePending', maxConnections: 50, onDisallow: 'keep' },
        probes: [],
        agent: { intervalSeconds: 5, connectTimeoutSeconds: 2 },
      },
    });
  });

  it('the example in examples/onprem-web.json is valid', () => {
    const body = JSON.parse(fs.readFileSync(path.join(__dirname, '../../examples/onprem-web.json'), 'utf8'));
    const r = parseForwardSpec(body);
    expect(r.ok).toBe(true);
  });

  it('dns ttl and probe interval default; names are lower-cased', () => {
    const r = parseForwardSpec({ ...minimal, dns: { zoneName: 'Internal.NET', recordName: 'OnPrem' }, probes: [{ subnetId: SUBNET }] });
    expect(r.ok && r.spec.dns).toEqual({ zoneName: 'internal.net', recordName: 'onprem', ttl: 300 });
    expect(r.ok && r.spec.probes).toEqual([{ subnetId: SUBNET, every: 'PT15M' }]);
  });

  it('a probe may name the resource group of its container group; without one it stays absent', () => {
    const r = parseForwardSpec({ ...minimal, probes: [{ subnetId: SUBNET, resourceGroup: 'rg-probes' }, { subnetId: SUBNET.replace('/jump', '/other') }] });
    expect(r.ok && r.spec.probes).toEqual([{ subnetId: SUBNET, every: 'PT15M', resourceGroup: 'rg-probes' }, { subnetId: SUBNET.replace('/jump', '/other'), every: 'PT15M' }]);
  });

  it('visibleTo stays absent when not given (the allow list then decides visibility)', () => {
    const r = parseForwardSpec({ ...minimal, consumers: { allow: [{ subscriptionId: SUB }] } });
    expect(r.ok && 'visibleTo' in r.spec.consumers).toBe(false);
    expect(r.ok && r.spec.consumers.onDisallow).toBe('keep');
  });

  it('visibleTo subscriptions are lower-cased; ["*"] is kept; onDisallow is kept as given', () => {
    const guids = parseForwardSpec({ ...minimal, consumers: { visibleTo: [SUB2], onDisallow: 'reject' } });
    expect(guids.ok && guids.spec.consumers).toEqual({ allow: [], unmatched: 'leavePending', maxConnections: 50, onDisallow: 'reject', visibleTo: [SUB2.toLowerCase()] });
    const anyone = parseForwardSpec({ ...minimal, consumers: { visibleTo: ['*'] } });
    expect(anyone.ok && anyone.spec.consumers.visibleTo).toEqual(['*']);
    const nobody = parseForwardSpec({ ...minimal, consumers: { visibleTo: [] } });
    expect(nobody.ok && nobody.spec.consumers.visibleTo).toEqual([]);
  });

  it('lists of absurd length are refused before anything else, naming each', () => {
    const r = parseForwardSpec({ ...minimal, ports: Array.from({ length: 100_000 }, () => ({ port: 8000 })), dns: { zoneIds: Array.from({ length: 50_000 }, (_, i) => `z${i}`), recordName: 'x' } });
    expect(r).toEqual({ ok: false, problems: [{ path: 'ports', message: 'lists 100000 items; at most 32' }, { path: 'dns.zoneIds', message: 'lists 50000 items; at most 10' }] });
  });

  it('many bad items: 100 problems named, then how many more', () => {
    const r = parseForwardSpec({ ...minimal, targets: Array.from({ length: 900 }, (_, i) => `x${i}`), ports: Array.from({ length: 900 }, () => ({ port: 'p' })) });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toHaveLength(101);
    expect(r.problems[100].message).toMatch(/^and \d+ more problem\(s\) not listed$/);
  });

  it('dns zoneIds are kept as given; zoneName becomes optional when they are there', () => {
    const ids = parseForwardSpec({ ...minimal, dns: { zoneIds: [ZONE_ID], recordName: 'OnPrem' } });
    expect(ids.ok && ids.spec.dns).toEqual({ zoneIds: [ZONE_ID], recordName: 'onprem', ttl: 300 });
    const both = parseForwardSpec({ ...minimal, dns: { zoneName: 'Internal.NET', zoneIds: [ZONE_ID, ZONE_ID.replace('rg-dns', 'rg-dns2')], recordName: 'onprem', ttl: 60 } });
    expect(both.ok && both.spec.dns).toEqual({ zoneName: 'internal.net', zoneIds: [ZONE_ID, ZONE_ID.replace('rg-dns', 'rg-dns2')], recordName: 'onprem', ttl: 60 });
  });

  it('resource ids match case-insensitively', () => {
    const lower = (s: string) => s.toLowerCase();
    const r = parseForwardSpec({
      ...minimal,
      consumers: { allow: [{ subscriptionId: SUB2, virtualNetworkIds: [lower(SUBNET.replace('/subnets/jump', ''))] }] },
      dns: { zoneIds: [lower(ZONE_ID)], recordName: 'x' },
      probes: [{ subnetId: SUBNET.toUpperCase().replace(/^\/SUBSCRIPTIONS/, '/subscriptions'), every: 'PT5M' }],
    });
    expect(r.ok).toBe(true);
    expect(r.ok && r.spec.consumers.allow).toEqual([{ subscriptionId: SUB2.toLowerCase(), virtualNetworkIds: [lower(SUBNET.replace('/subnets/jump', ''))] }]);
  });

  it('defaults are fresh copies: changing one spec does not change the next', () => {
    const a = parseForwardSpec(minimal);
    if (a.ok) a.spec.nodes.zones.push('4');
    if (a.ok) a.spec.consumers.allow.push({ subscriptionId: SUB, virtualNetworkIds: [] });
    const b = parseForwardSpec(minimal);
    expect(b.ok && b.spec.nodes.zones).toEqual(['1', '2', '3']);
    expect(b.ok && b.spec.consumers.allow).toEqual([]);
  });
});

describe('each rule names its problem with the JSON path', () => {
  it.each<[string, Record<string, unknown>, Problem]>([
    ['an IPv6 target', { targets: ['fd00::1'] }, { path: 'targets[0]', message: '"fd00::1" is not an IPv4 address (IPv4 only)' }],
    ['the Azure platform address', { targets: ['168.63.129.16'] }, { path: 'targets[0]', message: '168.63.129.16 is the Azure platform address 168.63.129.16' }],
    ['a link-local target', { targets: ['169.254.1.1'] }, { path: 'targets[0]', message: '169.254.1.1 is in link-local 169.254.0.0/16' }],
    ['a loopback target', { targets: ['127.0.0.2'] }, { path: 'targets[0]', message: '127.0.0.2 is in loopback 127.0.0.0/8' }],
    ['0.0.0.0', { targets: ['0.0.0.0'] }, { path: 'targets[0]', message: '0.0.0.0 is the unspecified address 0.0.0.0' }],
    ['a multicast target', { targets: ['239.1.1.1'] }, { path: 'targets[0]', message: '239.1.1.1 is in multicast 224.0.0.0/4' }],
    ['a duplicated target', { targets: ['10.0.0.1', '10.0.0.1'] }, { path: 'targets[1]', message: '10.0.0.1 is listed twice' }],
    ['17 targets', { targets: Array.from({ length: 17 }, (_, i) => `10.0.0.${i + 1}`) }, { path: 'targets', message: 'lists 17 addresses; at most 16' }],
    ['no targets', { targets: [] }, { path: 'targets', message: 'must be a list of 1-16 IPv4 addresses' }],
    ['targets a string, not a list', { targets: '10.0.0.1' }, { path: 'targets', message: 'must be a list of 1-16 IPv4 addresses' }],
    ['targets absent', { targets: undefined }, { path: 'targets', message: 'is required: a list of 1-16 IPv4 addresses' }],
    ['port 65536', { ports: [{ port: 65536, targetPort: 80 }] }, { path: 'ports[0].port', message: 'must be an integer 1-65535' }],
    ['a fractional target port', { ports: [{ port: 80, targetPort: 80.5 }] }, { path: 'ports[0].targetPort', message: 'must be an integer 1-65535' }],
    ['a duplicated port', { ports: [{ port: 80 }, { port: 80, targetPort: 81 }] }, { path: 'ports[1].port', message: '80 is listed twice' }],
    ['no ports', { ports: [] }, { path: 'ports', message: 'must be a list of 1-32 {port, targetPort}' }],
    ['ports an object, not a list', { ports: {} }, { path: 'ports', message: 'must be a list of 1-32 {port, targetPort}' }],
    ['ports absent', { ports: undefined }, { path: 'ports', message: 'is required: a list of 1-32 {port, targetPort}' }],
    ['0 nodes', { nodes: { count: 0 } }, { path: 'nodes.count', message: 'must be an integer 1-20' }],
    ['21 nodes', { nodes: { count: 21 } }, { path: 'nodes.count', message: 'must be an integer 1-20' }],
    ['zone 4', { nodes: { zones: ['4'] } }, { path: 'nodes.zones', message: 'must be a list of distinct zones from "1", "2", "3" (empty for no zones)' }],
    ['a consumer that is not a GUID', { consumers: { allow: [{ subscriptionId: 'abc' }] } }, { path: 'consumers.allow[0].subscriptionId', message: 'must be a subscription GUID' }],
    ['an unknown unmatched policy', { consumers: { unmatched: 'approve' } }, { path: 'consumers.unmatched', message: 'must be "leavePending" or "reject"' }],
    ['a zone with one label', { dns: { zoneName: 'internal', recordName: 'x' } }, { path: 'dns.zoneName', message: 'must be a DNS zone name of at least two valid labels (letters, digits, hyphens; 1-63 each)' }],
    ['a record with a dot', { dns: { zoneName: 'internal.net', recordName: 'a.b' } }, { path: 'dns.recordName', message: 'must be one DNS label (letters, digits, hyphens; 1-63; not starting or ending with a hyphen)' }],
    ['a record ending with a hyphen', { dns: { zoneName: 'internal.net', recordName: 'a-' } }, { path: 'dns.recordName', message: 'must be one DNS label (letters, digits, hyphens; 1-63; not starting or ending with a hyphen)' }],
    ['ttl 0', { dns: { zoneName: 'internal.net', recordName: 'a', ttl: 0 } }, { path: 'dns.ttl', message: 'must be an integer 1-86400 seconds' }],
    ['a malformed duration', { probes: [{ subnetId: SUBNET, every: '15 minutes' }] }, { path: 'probes[0].every', message: 'must be an ISO 8601 duration in days, hours, minutes or seconds (PnDTnHnMnS) like PT15M' }],
    ['a duration in years (Y is not taken: PT5M..P1D)', { probes: [{ subnetId: SUBNET, every: 'P1000Y' }] }, { path: 'probes[0].every', message: 'must be an ISO 8601 duration in days, hours, minutes or seconds (PnDTnHnMnS) like PT15M' }],
    ['a probe every minute', { probes: [{ subnetId: SUBNET, every: 'PT1M' }] }, { path: 'probes[0].every', message: 'must be between PT5M and P1D' }],
    ['two probes from one subnet (runs are keyed by subnet)', { probes: [{ subnetId: SUBNET, every: 'PT15M' }, { subnetId: SUBNET.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/'), every: 'PT30M' }] }, { path: 'probes[1].subnetId', message: `${SUBNET.toLowerCase()} is listed twice` }],
    ['a probe every two days', { probes: [{ subnetId: SUBNET, every: 'P2D' }] }, { path: 'probes[0].every', message: 'must be between PT5M and P1D' }],
    ['a probe resource group with a slash', { probes: [{ subnetId: SUBNET, resourceGroup: 'rg/x' }] }, { path: 'probes[0].resourceGroup', message: 'must be a resource group name (1-90 letters, digits, ._-())' }],
    ['a probe resource group of 91 characters', { probes: [{ subnetId: SUBNET, resourceGroup: 'r'.repeat(91) }] }, { path: 'probes[0].resourceGroup', message: 'must be a resource group name (1-90 letters, digits, ._-())' }],
    ['a probe subnet that is a VNet id', { probes: [{ subnetId: SUBNET.replace('/subnets/jump', '') }] }, { path: 'probes[0].subnetId', message: 'must be a subnet resource id .../virtualNetworks/{vnet}/subnets/{subnet}' }],
    ['an unknown property', { color: 'blue' }, { path: 'color', message: 'is not a known property (known: ports, targets, nodes, consumers, dns, probes, placement, agent)' }],
    ['an unknown nested property', { nodes: { size: 'big' } }, { path: 'nodes.size', message: 'is not a known property (known: count, vmSize, zones)' }],
    ['a placement location with spaces', { placement: { location: 'West Europe' } }, { path: 'placement.location', message: 'must be an Azure region name like westeurope' }],
    // consumers.visibleTo, consumers.onDisallow
    ['"*" mixed with a subscription', { consumers: { visibleTo: ['*', SUB] } }, { path: 'consumers.visibleTo', message: 'must be either ["*"] (anyone with the alias) or a list of subscription GUIDs, not both' }],
    ['"*" twice', { consumers: { visibleTo: ['*', '*'] } }, { path: 'consumers.visibleTo', message: 'must be either ["*"] (anyone with the alias) or a list of subscription GUIDs, not both' }],
    ['a visibleTo entry that is not a GUID', { consumers: { visibleTo: [SUB, 'everyone'] } }, { path: 'consumers.visibleTo[1]', message: 'must be a subscription GUID, or "*" alone' }],
    ['a visibleTo subscription listed twice', { consumers: { visibleTo: [SUB2, SUB2.toLowerCase()] } }, { path: 'consumers.visibleTo[1]', message: `${SUB2.toLowerCase()} is listed twice` }],
    ['101 visibleTo subscriptions', { consumers: { visibleTo: Array.from({ length: 101 }, (_, i) => guid(i)) } }, { path: 'consumers.visibleTo', message: 'must be a list of at most 100 subscription GUIDs, or ["*"]' }],
    ['a visibleTo that is not a list', { consumers: { visibleTo: '*' } }, { path: 'consumers.visibleTo', message: 'must be a list of at most 100 subscription GUIDs, or ["*"]' }],
    ['an unknown onDisallow policy', { consumers: { onDisallow: 'delete' } }, { path: 'consumers.onDisallow', message: 'must be "keep" or "reject"' }],
    ['an unknown consumers property', { consumers: { visible: ['*'] } }, { path: 'consumers.visible', message: 'is not a known property (known: allow, unmatched, maxConnections, onDisallow, visibleTo)' }],
    // dns.zoneIds, dns without a zone
    ['a dns record without a zone', { dns: { recordName: 'x' } }, { path: 'dns', message: 'needs zoneName or zoneIds (or both): the private DNS zone(s) to write the record in' }],
    ['an empty zoneIds', { dns: { zoneIds: [], recordName: 'x' } }, { path: 'dns.zoneIds', message: 'must be a list of 1-10 private DNS zone resource ids' }],
    ['11 zoneIds', { dns: { zoneIds: Array.from({ length: 11 }, (_, i) => ZONE_ID.replace('rg-dns', `rg-${i}`)), recordName: 'x' } }, { path: 'dns.zoneIds', message: 'must be a list of 1-10 private DNS zone resource ids' }],
    ['a zoneIds that is not a list', { dns: { zoneIds: ZONE_ID, recordName: 'x' } }, { path: 'dns.zoneIds', message: 'must be a list of 1-10 private DNS zone resource ids' }],
    ['a zone id that is a VNet id', { dns: { zoneIds: [SUBNET.replace('/subnets/jump', '')], recordName: 'x' } }, { path: 'dns.zoneIds[0]', message: 'must be a private DNS zone resource id /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/privateDnsZones/{zone}' }],
    ['a zone id with a one-label zone', { dns: { zoneIds: [ZONE_ID.replace('Internal.NET', 'internal')], recordName: 'x' } }, { path: 'dns.zoneIds[0]', message: 'must be a private DNS zone resource id /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/privateDnsZones/{zone}' }],
    ['a zone id listed twice', { dns: { zoneIds: [ZONE_ID, ZONE_ID.toLowerCase()], recordName: 'x' } }, { path: 'dns.zoneIds[1]', message: `${ZONE_ID.toLowerCase()} is listed twice` }],
    ['an unknown dns property', { dns: { zoneName: 'internal.net', recordName: 'x', zone: 'y' } }, { path: 'dns.zone', message: 'is not a known property (known: zoneName, zoneIds, recordName, ttl)' }],
    // null is not "absent" (the document says integer / string / list, and so does the validator)
    ['a null ttl', { dns: { zoneName: 'internal.net', recordName: 'a', ttl: null } }, { path: 'dns.ttl', message: 'must be an integer 1-86400 seconds' }],
    ['a consumers that is a list', { consumers: [] }, { path: 'consumers', message: 'must be an object {allow, unmatched, maxConnections, onDisallow, visibleTo}' }],
    ['a dns that is a string', { dns: 'internal.net' }, { path: 'dns', message: 'must be an object {zoneName, zoneIds, recordName, ttl}' }],
  ])('%s', (_situation, patch, problem) => {
    expect(problemsOf({ ...minimal, ...patch })).toEqual([problem]);
  });

  it('lists every problem of a body at once', () => {
    const problems = problemsOf({ ports: [{ port: 0 }], targets: ['x', '127.0.0.1'], nodes: { count: 99 }, dns: { zoneName: 'x', recordName: '-' } });
    expect(problems.map((p) => p.path)).toEqual(['ports[0].port', 'ports[0].targetPort', 'targets[0]', 'targets[1]', 'nodes.count', 'dns.zoneName', 'dns.recordName']);
  });

  it('names every problem even where a list also has broken items', () => {
    const problems = problemsOf({
      ports: [{ port: 80 }, { port: 'x' }, { port: 80, targetPort: 8080 }],
      targets: ['10.0.0.1', 'nope', '10.0.0.1'],
      consumers: { visibleTo: ['*', 'nope'], onDisallow: 'drop', allow: [{ subscriptionId: 'x', extra: 1 }] },
      dns: { recordName: '-', ttl: 0 },
    });
    expect(problems).toEqual([
      { path: 'ports[1].port', message: 'must be an integer 1-65535' },
      { path: 'ports[1].targetPort', message: 'must be an integer 1-65535' },
      { path: 'ports[2].port', message: '80 is listed twice' },
      { path: 'targets[1]', message: '"nope" is not an IPv4 address (IPv4 only)' },
      { path: 'targets[2]', message: '10.0.0.1 is listed twice' },
      { path: 'consumers.allow[0].subscriptionId', message: 'must be a subscription GUID' },
      { path: 'consumers.allow[0].extra', message: 'is not a known property (known: subscriptionId, virtualNetworkIds)' },
      { path: 'consumers.onDisallow', message: 'must be "keep" or "reject"' },
      { path: 'consumers.visibleTo[1]', message: 'must be a subscription GUID, or "*" alone' },
      { path: 'consumers.visibleTo', message: 'must be either ["*"] (anyone with the alias) or a list of subscription GUIDs, not both' },
      { path: 'dns.recordName', message: 'must be one DNS label (letters, digits, hyphens; 1-63; not starting or ending with a hyphen)' },
      { path: 'dns.ttl', message: 'must be an integer 1-86400 seconds' },
      { path: 'dns', message: 'needs zoneName or zoneIds (or both): the private DNS zone(s) to write the record in' },
    ]);
  });

  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['a number', 42],
    ['objects where lists belong', { ports: {}, targets: {}, probes: {}, consumers: { allow: {}, visibleTo: {} }, dns: { zoneIds: {} } }],
    ['lists where objects belong', { ports: [[]], targets: [[]], nodes: [], consumers: { allow: [[]] }, dns: [], placement: [], agent: [], probes: [[]] }],
    ['nulls everywhere', { ports: [null], targets: [null], nodes: null, consumers: null, dns: null, probes: [null], placement: null, agent: null }],
    ['a property that throws when read', Object.defineProperty({}, 'ports', { enumerable: true, get: () => { throw new Error('boom'); } })],
  ])('never throws, whatever the body: %s', (_s, body) => {
    const r = parseForwardSpec(body);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problems.length).toBeGreaterThan(0);
  });

  it.each([
    ['a string', 'hello'],
    ['an array', []],
    ['null', null],
  ])('a body that is %s is refused as a whole', (_s, body) => {
    expect(problemsOf(body)).toEqual([{ path: '', message: 'the body must be a JSON object' }]);
  });
});

describe('forward names (every derived Azure name must be valid)', () => {
  it.each(['web', 'onprem-web', 'a', 'sql2', 'x'.repeat(40)])('"%s" is accepted', (name) => {
    expect(forwardNameProblems(name)).toEqual([]);
  });
  it.each(['', 'Web', '1web', 'web-', 'we_b', 'a--b', 'x'.repeat(41), 'web.net'])('"%s" is refused', (name) => {
    expect(forwardNameProblems(name)).toHaveLength(1);
  });
});

describe('ISO 8601 durations', () => {
  it.each([
    ['PT15M', 900],
    ['PT1H30M', 5400],
    ['P1D', 86400],
    ['PT45S', 45],
    ['P1DT1H', 90000],
  ])('%s is %d seconds', (text, seconds) => {
    expect(isoDurationSeconds(text)).toBe(seconds);
  });
  it.each(['P', 'PT', '15M', 'PT-5M', 'P1W', 'pt15m'])('%s is malformed', (text) => {
    expect(isoDurationSeconds(text)).toBeUndefined();
  });
});
