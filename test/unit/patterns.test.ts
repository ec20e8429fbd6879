import { DNS_LABEL, DNS_NAME, IPV4, isoDurationSeconds, SUBNET_ID, USER_ASSIGNED_IDENTITY_ID, ZONE_ID } from '../../core/patterns';
import { lastSegment, parseResourceId, refOfType, typeOfId } from '../../core/resource-id';
import { everyMs, probeGroupPlacement } from '../../core/probes';

/** The shared patterns (core/patterns.ts) and resource-id parsing (core/resource-id.ts), by situation. */
const SUB = '00000000-0000-0000-0000-00000000c001';
const subnet = `/subscriptions/${SUB}/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke/subnets/jump`;

describe('IPv4', () => {
  it.each([
    ['a private address', '10.0.1.4', true],
    ['the edges of an octet', '0.255.250.199', true],
    ['an octet above 255', '10.0.1.256', false],
    ['a leading zero (could be read as octal)', '10.0.01.4', false],
    ['three octets', '10.0.1', false],
    ['a trailing newline (no injection through a line end)', '10.0.1.4\n', false],
    ['a name', 'onprem.corp.example', false],
  ])('%s', (_s, text, ok) => expect(IPV4.test(text)).toBe(ok));
});

describe('ISO 8601 durations', () => {
  it.each<[string, string, number | undefined]>([
    ['minutes', 'PT15M', 900],
    ['a day and an hour', 'P1DT1H', 90_000],
    ['seconds', 'PT30S', 30],
    ['P alone has no component', 'P', undefined],
    ['a dangling T', 'P1DT', undefined],
    ['PT alone', 'PT', undefined],
    ['weeks are not in the subset', 'P1W', undefined],
    ['lower case', 'pt15m', undefined],
  ])('%s', (_s, text, seconds) => {
    expect(isoDurationSeconds(text)).toBe(seconds);
    // The probes schedule reads the same pattern.
    expect(everyMs(text)).toBe(seconds === undefined ? undefined : seconds * 1000);
  });
});

describe('DNS labels and names', () => {
  it.each([
    ['a label', DNS_LABEL, 'onprem', true],
    ['a label with a leading hyphen', DNS_LABEL, '-onprem', false],
    ['a label of 64 characters', DNS_LABEL, 'a'.repeat(64), false],
    ['a name of two labels', DNS_NAME, 'corp.example', true],
    ['a name in capitals (DNS has no case)', DNS_NAME, 'OnPrem.Corp.Example', true],
    ['one label is not a zone name', DNS_NAME, 'example', false],
    ['a name with a shell character', DNS_NAME, 'a;b.example', false],
  ])('%s', (_s, re, text, ok) => expect(re.test(text)).toBe(ok));
});

describe('resource ids as patterns', () => {
  it.each([
    ['a subnet id', SUBNET_ID, subnet, true],
    ['a subnet id in other case (ARM ids have none)', SUBNET_ID, subnet.toLowerCase(), true],
    ['a VNet id is not a subnet id', SUBNET_ID, subnet.split('/subnets/')[0], false],
    ['a zone id', ZONE_ID, `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones/corp.example`, true],
    ['a user-assigned identity id', USER_ASSIGNED_IDENTITY_ID, `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-plf`, true],
    ['an identity id of another provider', USER_ASSIGNED_IDENTITY_ID, `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/userAssignedIdentities/id-plf`, false],
  ])('%s', (_s, re, text, ok) => expect(re.test(text)).toBe(ok));
});

describe('resource ids parsed in one place', () => {
  it.each<[string, string, string | undefined]>([
    ['a subnet', subnet, 'microsoft.network/virtualnetworks/subnets'],
    ['a private endpoint connection (child of a PLS)', `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/privateLinkServices/pls/privateEndpointConnections/c1`, 'microsoft.network/privatelinkservices/privateendpointconnections'],
    ['a `..` segment: never a path to resolve', `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/..`, undefined],
    ['an empty segment', `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network//pe`, undefined],
    ['a type without a name', `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints`, undefined],
    ['not an id', 'pe-1', undefined],
  ])('%s', (_s, id, type) => expect(typeOfId(id)).toBe(type));

  it('the parts of a subnet id, and where its probe groups go', () => {
    expect(parseResourceId(subnet)).toMatchObject({ subscriptionId: SUB, resourceGroup: 'rg-spoke', namespace: 'Microsoft.Network', types: ['virtualNetworks', 'subnets'], names: ['vnet-spoke', 'jump'], name: 'jump' });
    expect(refOfType(subnet.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/'), 'microsoft.network/virtualnetworks/subnets')).toBeDefined();
    expect(probeGroupPlacement(subnet)).toEqual({ subscriptionId: SUB, resourceGroup: 'rg-spoke' });
    expect(probeGroupPlacement(subnet, 'rg-probes')).toEqual({ subscriptionId: SUB, resourceGroup: 'rg-probes' });
    expect(probeGroupPlacement(subnet.split('/subnets/')[0])).toBeUndefined();
    expect(lastSegment(`${subnet}/`)).toBe('jump');
  });
});
