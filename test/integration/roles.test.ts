import * as fs from 'node:fs';
import * as path from 'node:path';
import { operationOf, recordedOperations, scopedOperations, scopeOf, type ScopedOperation } from './helpers/arm-operations';
import { eventually, ROOT, startStack, type Stack } from './helpers/stack';
import { IDS } from '../emulator/helpers/emulator';

/**
 * Least privilege, as behaviour and as a static check. Behaviour: the local stack grants the app's
 * principal in the emulator exactly what infra grants (tools/devhost/app-grants.ts), the emulator
 * answers it 403/401 outside that (AZURE-RULES.md AUTH-n), and a forward's whole life (provision,
 * consumers approved and named, a probe run, a health sweep, delete) meets no refusal but the reads
 * of the strangers' endpoints the test itself created. Static: the Azure operations the code performs (the emulator's request log of a
 * forward's whole life here, plus every integration run recorded under .local/arm-scoped-operations)
 * must all be granted by the roles infra/roles.json defines, where infra grants them:
 * - in the hub resource group, the hub custom role main.bicep assigns there (hub-roles.bicep);
 * - in any other resource group (a consumer's endpoints, zones, probe groups), the consumer-side
 *   roles of infra/consumer/roles.bicep, which their owners assign per resource group (which
 *   group grants what is checked by test/unit/infra.test.ts);
 * - on a whole subscription, nothing: a subscription-wide list would be refused. Only calls ARM
 *   authorizes on something narrower pass there: a long-running operation's status (the resource
 *   that started it) and the metrics batch (data plane, checked per resource id in its body).
 * Linked actions ARM checks without a request of their own (joining a subnet, a backend pool, a
 * frontend) are listed in roles.json explicitly.
 * And the reverse, least privilege as equality: the hub role grants exactly what the product
 * performs in the hub — the operations of a forward's whole life below, plus HUB_NOT_IN_THIS_LIFE
 * (actions of code paths that life does not take, each with the product code that performs it) —
 * and exactly the linked actions its request bodies need (LINKED_REFERENCES).
 */
interface Roles {
  hub: { actions: string[]; linkedActions: string[] };
  consumer: Record<string, string[]>;
}
const roles = JSON.parse(fs.readFileSync(path.join(ROOT, 'infra/roles.json'), 'utf8')) as Roles;
const lower = (list: string[]) => new Set(list.map((a) => a.toLowerCase()));
const hubGrants = lower([...roles.hub.actions, ...roles.hub.linkedActions]);
const consumerGrants = lower(Object.values(roles.consumer).flat());
const HUB_SCOPE = `${IDS.hubSub}/${IDS.hubRg}`.toLowerCase();
const NARROWER_THAN_SUBSCRIPTION = [/\/locations\/operations\/read$/i, /\/locations\/operationresults\/read$/i, /^microsoft\.insights\/metrics\/read$/i];

/** Why infra's roles would refuse this operation at this scope, or undefined when they grant it. */
function refusal({ operation, scope }: ScopedOperation): string | undefined {
  const op = operation.toLowerCase();
  if (!scope.includes('/')) {
    if (NARROWER_THAN_SUBSCRIPTION.some((r) => r.test(op)) && (hubGrants.has(op) || consumerGrants.has(op))) return undefined;
    return `${operation} on the whole subscription ${scope}: infra grants nothing at subscription scope`;
  }
  if (scope === HUB_SCOPE) return hubGrants.has(op) ? undefined : `${operation} in the hub resource group: not in the hub role`;
  return consumerGrants.has(op) ? undefined : `${operation} in ${scope}: no consumer-side role grants it`;
}

/**
 * Operations only the tests themselves perform (as a consumer, or to look for leftovers), each
 * with the SDK call the product must never make: key = operation, or operation@subscription for a
 * subscription-wide call of an operation the product makes only in resource groups.
 */
const TEST_DRIVER_ONLY: Record<string, RegExp> = {
  'Microsoft.Network/privateEndpoints/write': /privateEndpoints\.(begin)?createOrUpdate/i,
  'Microsoft.Network/privateEndpoints/delete': /privateEndpoints\.(begin)?delete/i,
  // test/integration/probes.test.ts looks for probe groups left anywhere in the subscription.
  'Microsoft.ContainerInstance/containerGroups/read@subscription': /containerGroups\.list\(/,
  // test/integration/probes.test.ts gives the probe VNet custom DNS servers (the product only reads VNets).
  'Microsoft.Network/virtualNetworks/write': /virtualNetworks\.(begin)?createOrUpdate/i,
};
/**
 * Hub actions the forward's life below does not perform, each with the product code that does
 * (the regex must match the product's source) and why the life does not get there.
 */
const HUB_NOT_IN_THIS_LIFE: Record<string, { code: RegExp; why: string }> = {
  'Microsoft.Compute/virtualMachineScaleSets/virtualMachines/reimage/action': {
    code: /virtualMachineScaleSetVMs\.beginReimage\(/,
    why: "a health recycle's reimage of a broken node (azure/scale-set/instances.ts; test/integration/health.test.ts)",
  },
  'Microsoft.Compute/virtualMachineScaleSets/delete/action': {
    code: /virtualMachineScaleSets\.beginDeleteInstances\(/,
    why: 'a health recycle replacing a node still broken after its reimage (azure/scale-set/instances.ts; test/integration/health.test.ts)',
  },
  'Microsoft.Compute/locations/operations/read': {
    code: /microsoft\.compute' \? clients\.compute\(sub\)\.pipeline/,
    why: "the failed operation's code when a scale set write ends Failed (azure/operation-status.ts readOperation); arm-compute 24 does not poll on its own",
  },
  'Microsoft.Network/locations/operationResults/read': {
    code: /operationUrlOf\(/,
    why: "a network operation's status at its Location URL, when ARM answers with Location only (azure-facts: NRP DELETE 202 + Location; @azure/core-lro polls Location then)",
  },
};

/** The linked actions the product's request bodies need: each with the reference that needs it (must match azure/). */
const LINKED_REFERENCES: Record<string, RegExp> = {
  'Microsoft.Network/virtualNetworks/subnets/join/action': /subnet: \{ id: p\.subnetId \}/, // LB frontend, scale set NICs, PLS NAT IPs
  'Microsoft.Network/loadBalancers/backendAddressPools/join/action': /loadBalancerBackendAddressPools: \[\{ id: poolId \}\]/, // scale set NICs
  'Microsoft.Network/loadBalancers/frontendIPConfigurations/join/action': /loadBalancerFrontendIpConfigurations: \[\{ id: /, // the PLS
};

/** The product's TypeScript sources, concatenated. */
const productSource = () =>
  ['azure', 'orchestrations', 'functions', 'store']
    .flatMap((d) => fs.readdirSync(path.join(ROOT, d), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => fs.readFileSync(path.join(ROOT, d, f), 'utf8')))
    .join('\n');

const lowerKeys = (o: Record<string, unknown>) => Object.fromEntries(Object.keys(o).map((k) => [k.toLowerCase(), true]));
const driverOnlyKey = (o: ScopedOperation) => (o.scope.includes('/') ? o.operation : `${o.operation}@subscription`).toLowerCase();

let s: Stack;
let seen: string[] = [];
beforeAll(async () => {
  s = await startStack();
}, 90_000);
afterAll(() => s?.stop());

describe('operations -> role actions', () => {
  it('maps requests to operations', () => {
    expect(operationOf('PUT', '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb?api-version=1')).toBe('Microsoft.Network/loadBalancers/write');
    expect(operationOf('PUT', '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateLinkServices/p/privateEndpointConnections/c')).toBe('Microsoft.Network/privateLinkServices/privateEndpointConnections/write');
    expect(operationOf('POST', '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/v/virtualMachines/0/reimage')).toBe('Microsoft.Compute/virtualMachineScaleSets/virtualMachines/reimage/action');
    expect(operationOf('GET', '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/v/virtualMachines')).toBe('Microsoft.Compute/virtualMachineScaleSets/virtualMachines/read');
    expect(operationOf('GET', '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb/providers/Microsoft.Insights/metrics')).toBe('Microsoft.Insights/metrics/read');
    expect(operationOf('POST', '/subscriptions/s/metrics:getBatch?metricnamespace=Microsoft.Network/loadBalancers')).toBe('Microsoft.Insights/metrics/read');
  });

  it.each([
    ['a resource in a resource group', '/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/loadBalancers/lb', 's/rg'],
    ['the resource group itself', '/subscriptions/S/resourceGroups/RG', 's/rg'],
    ['a list across the subscription', '/subscriptions/S/providers/Microsoft.ContainerInstance/containerGroups', 's'],
    ['not an ARM path', '/metadata/instance', undefined],
  ])('scope of %s', (_situation, p, scope) => {
    expect(scopeOf(p)).toBe(scope);
  });

  it.each([
    ['a hub write in the hub resource group', { operation: 'Microsoft.Network/loadBalancers/write', scope: HUB_SCOPE }, true],
    ['a DNS record in the hub resource group (dns.zoneName)', { operation: 'Microsoft.Network/privateDnsZones/A/write', scope: HUB_SCOPE }, true],
    ['a DNS record in a consumer resource group', { operation: 'Microsoft.Network/privateDnsZones/A/write', scope: 'c/rg-dns' }, true],
    ['a load balancer outside the hub resource group', { operation: 'Microsoft.Network/loadBalancers/write', scope: 'c/rg-spoke' }, false],
    ['a list across a subscription', { operation: 'Microsoft.ContainerInstance/containerGroups/read', scope: 'c' }, false],
    ['an operation status on the subscription', { operation: 'Microsoft.Network/locations/operations/read', scope: 'a' }, true],
  ])('roles decide: %s', (_situation, o, grantedHere) => {
    expect(refusal(o) === undefined).toBe(grantedHere);
  });

  it("in a topology granted as infra grants it, a forward's whole life (created, changed and rolled, connected, probed, swept, deleted) never meets a 401 or 403 but on the endpoints the test put where the app has no rights", async () => {
    const example = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples/onprem-web.json'), 'utf8')) as Record<string, unknown> & { consumers: Record<string, unknown> };
    await s.emu.control('DELETE', '/requests');
    const spec = { ...example, consumers: { ...example.consumers, visibleTo: ['*'] } };
    expect((await s.api('PUT', '/api/forwards/roles', spec)).status).toBe(202);
    await eventually(async () => {
      const r = await s.api<{ status: { phase: string } }>('GET', '/api/forwards/roles');
      return r.status === 200 && ['Ready', 'Degraded'].includes(r.body.status.phase) ? true : undefined;
    }, 'roles Ready');
    // A changed spec rolls the nodes (manualUpgrade, then the scale set's reimage of each node).
    expect((await s.api('PUT', '/api/forwards/roles', { ...spec, targets: ['192.168.42.65'] })).status).toBe(202);
    await eventually(async () => {
      const r = await s.api<{ status: { phase: string; observedGeneration: number } }>('GET', '/api/forwards/roles');
      return r.status === 200 && r.body.status.observedGeneration === 2 && ['Ready', 'Degraded'].includes(r.body.status.phase) ? true : undefined;
    }, 'roles rolled to generation 2', 120_000);
    // Consumers (the owner acts for them): an allowed spoke, one that granted the app nothing, one in another tenant.
    const pls = `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Network/privateLinkServices/plf-roles-pls`;
    const strangers = [
      ['00000000-0000-0000-0000-00000000c003', 'rg-spoke3', 'vnet-spoke3', 'pe-roles-3'],
      ['00000000-0000-0000-0000-00000000c004', 'rg-spoke4', 'vnet-spoke4', 'pe-roles-4'],
    ];
    expect((await s.emu.control('POST', '/consumer-endpoints', { subnetId: IDS.spokeLinked, name: 'pe-roles-ok', privateLinkServiceId: pls })).status).toBe(201);
    for (const [sub, rg, vnet, name] of strangers) {
      const subnetId = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/${vnet}/subnets/linked`;
      expect((await s.emu.control('POST', '/consumer-endpoints', { subnetId, name, privateLinkServiceId: pls })).status).toBe(201);
    }
    type Conn = { privateEndpointId: string; state: string; problem?: string; dns?: { state: string }[] };
    await eventually(async () => {
      const conns = (await s.api<{ status: { connections?: Conn[] } }>('GET', '/api/forwards/roles')).body.status.connections ?? [];
      const named = conns.some((c) => c.privateEndpointId.endsWith('/pe-roles-ok') && c.state === 'Approved' && c.dns?.[0]?.state === 'written');
      return named && conns.filter((c) => c.problem).length === 2 ? true : undefined;
    }, 'the allowed endpoint approved and named, the strangers shown with their problem');
    // A probe run (container groups in the spoke) and a health sweep (metrics) with the same grants.
    const run = await s.api<{ runId: string }>('POST', '/api/forwards/roles/probes/run');
    expect(run.status).toBe(202);
    await eventually(async () => {
      const r = await s.api<{ state: string }>('GET', `/api/forwards/roles/probes/runs/${run.body.runId}`);
      return r.status === 200 && r.body.state === 'finished' ? true : undefined;
    }, 'the probe run finished', 60_000);
    expect((await s.api('POST', '/admin/functions/healthSweep', {})).status).toBe(202);
    await eventually(async () => ((await s.emu.control<{ value: { path: string }[] }>('GET', '/requests')).body.value.some((r) => /metrics:getBatch$/i.test(r.path)) ? true : undefined), 'the health sweep read metrics');
    expect((await s.api('DELETE', '/api/forwards/roles')).status).toBe(202);
    await eventually(async () => ((await s.api('GET', '/api/forwards/roles')).status === 404 ? true : undefined), 'roles gone');

    const log = (await s.emu.control<{ value: { method: string; path: string; status: number }[] }>('GET', '/requests')).body.value;
    const ops = scopedOperations(log);
    seen = [...new Set(ops.map((o) => o.operation))].sort();
    expect(seen.length).toBeGreaterThan(5);
    // The emulator held the app to its role assignments: every refusal is a read of a stranger's endpoint.
    const strangerReads = strangers.map(([sub, rg, , name]) => `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/privateEndpoints/${name}`.toLowerCase());
    const refused = log.filter((r) => r.status === 401 || r.status === 403);
    expect(refused.filter((r) => !(r.method === 'GET' && strangerReads.includes(r.path.toLowerCase())))).toEqual([]);
    expect(new Set(refused.map((r) => `${r.status} ${r.path.split('/')[2]}`))).toEqual(new Set(['403 00000000-0000-0000-0000-00000000c003', '401 00000000-0000-0000-0000-00000000c004']));
    // And the static view agrees: every operation is one infra's roles grant where it grants them
    // (but the endpoints' creation, which the test does as the consumers' owner).
    expect(ops.filter((o) => !(o.operation.toLowerCase() in lowerKeys(TEST_DRIVER_ONLY))).map(refusal).filter(Boolean)).toEqual([]);
    // Least privilege: the hub role grants what this life performed in the hub resource group
    // (and the hub subscription's operation statuses and metrics batch), plus HUB_NOT_IN_THIS_LIFE:
    // nothing else.
    const hubSub = IDS.hubSub.toLowerCase();
    const performed = ops.filter((o) => o.scope === HUB_SCOPE || (o.scope === hubSub && NARROWER_THAN_SUBSCRIPTION.some((r) => r.test(o.operation)))).map((o) => o.operation.toLowerCase());
    const explained = Object.keys(HUB_NOT_IN_THIS_LIFE).map((a) => a.toLowerCase());
    expect(performed.filter((a) => explained.includes(a))).toEqual([]); // performed here: it needs no entry
    expect([...new Set([...performed, ...explained])].sort()).toEqual(roles.hub.actions.map((a) => a.toLowerCase()).sort());
  }, 300_000);

  it('each hub action the life above does not perform is performed by product code that exists', () => {
    const product = productSource();
    expect(Object.entries(HUB_NOT_IN_THIS_LIFE).filter(([, { code }]) => !code.test(product)).map(([action, { why }]) => `${action}: ${why}`)).toEqual([]);
  });

  it('every operation recorded by any integration run is granted', () => {
    // The log also holds what tests do as a consumer (creating and deleting private endpoints):
    // those are allowed here only because the product's code never makes such a call.
    const product = productSource();
    const driverOnly = Object.entries(TEST_DRIVER_ONLY).filter(([, call]) => !call.test(product)).map(([op]) => op.toLowerCase());
    expect(Object.keys(TEST_DRIVER_ONLY).length).toBe(driverOnly.length);
    expect(recordedOperations().filter((o) => !driverOnly.includes(driverOnlyKey(o)) && !driverOnly.includes(o.operation.toLowerCase())).map(refusal).filter(Boolean)).toEqual([]);
  });

  it('linked actions, which never show in a request log, are exactly the references the product\'s request bodies make', () => {
    const product = productSource();
    expect(Object.entries(LINKED_REFERENCES).filter(([, reference]) => !reference.test(product)).map(([action]) => action)).toEqual([]);
    expect([...roles.hub.linkedActions].sort()).toEqual(Object.keys(LINKED_REFERENCES).sort());
  });

  it('the hub role main.bicep deploys is the one in roles.json (no built-in Contributor-class roles)', () => {
    const hub = fs.readFileSync(path.join(ROOT, 'infra/hub-roles.bicep'), 'utf8');
    expect(hub).toMatch(/loadJsonContent\('roles\.json'\)/);
    expect(hub).not.toMatch(/4d97b98b-1d4f-4787-a291-c67834d212e7|9980e02c-c2be-4d73-94e8-173b1dc7cf3c|b24988ac-6180-42a0-ab88-20f7382dd24c/);
  });
});
