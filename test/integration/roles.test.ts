import * as fs from 'node:fs';
import * as path from 'node:path';
import { operationOf, recordedOperations } from './helpers/arm-operations';
import { eventually, ROOT, startStack, type Stack } from './helpers/stack';

/**
 * Least privilege: the Azure operations the code performs (the emulator's request log of a
 * forward's whole life here, plus every integration run recorded under .local/arm-operations)
 * must all be granted by the roles infra/roles.json defines — the hub custom role main.bicep
 * creates, and the consumer-side roles of infra/consumer/roles.bicep (every `consumer` group: which
 * group grants what is checked by test/unit/infra.test.ts). Linked actions ARM checks without a
 * request of their own (joining a subnet, a backend pool, a NIC) are listed there explicitly.
 */
interface Roles {
  hub: { actions: string[]; linkedActions: string[] };
  consumer: Record<string, string[]>;
}
const roles = JSON.parse(fs.readFileSync(path.join(ROOT, 'infra/roles.json'), 'utf8')) as Roles;
const granted = new Set([...roles.hub.actions, ...roles.hub.linkedActions, ...Object.values(roles.consumer).flat()].map((a) => a.toLowerCase()));

/** Operations only the tests' consumer side performs, with the SDK call the product must never make. */
const TEST_DRIVER_ONLY: Record<string, RegExp> = {
  'Microsoft.Network/privateEndpoints/write': /privateEndpoints\.(begin)?createOrUpdate/i,
  'Microsoft.Network/privateEndpoints/delete': /privateEndpoints\.(begin)?delete/i,
};

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

  it("a forward's whole life needs only granted actions", async () => {
    const example = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples/onprem-web.json'), 'utf8')) as Record<string, unknown>;
    expect((await s.api('PUT', '/api/forwards/roles', example)).status).toBe(202);
    await eventually(async () => {
      const r = await s.api<{ status: { phase: string } }>('GET', '/api/forwards/roles');
      return r.status === 200 && ['Ready', 'Degraded'].includes(r.body.status.phase) ? true : undefined;
    }, 'roles Ready');
    expect((await s.api('DELETE', '/api/forwards/roles')).status).toBe(202);
    await eventually(async () => ((await s.api('GET', '/api/forwards/roles')).status === 404 ? true : undefined), 'roles gone');
    const log = (await s.emu.control<{ value: { method: string; path: string }[] }>('GET', '/requests')).body.value;
    seen = [...new Set(log.map((e) => operationOf(e.method, e.path)).filter((o): o is string => !!o))].sort();
    expect(seen.length).toBeGreaterThan(5);
    expect(seen.filter((o) => !granted.has(o.toLowerCase()))).toEqual([]);
  }, 240_000);

  it('every operation recorded by any integration run is granted', () => {
    // The log also holds what tests do as a consumer (creating and deleting private endpoints):
    // those are allowed here only because the product's code never makes such a call.
    const product = ['azure', 'orchestrations', 'functions', 'store']
      .flatMap((d) => fs.readdirSync(path.join(ROOT, d), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => fs.readFileSync(path.join(ROOT, d, f), 'utf8')))
      .join('\n');
    const driverOnly = Object.entries(TEST_DRIVER_ONLY).filter(([, call]) => !call.test(product)).map(([op]) => op.toLowerCase());
    expect(Object.keys(TEST_DRIVER_ONLY).length).toBe(driverOnly.length);
    expect(recordedOperations().filter((o) => !granted.has(o.toLowerCase()) && !driverOnly.includes(o.toLowerCase()))).toEqual([]);
  });

  it('linked actions that never show in a request log are granted explicitly', () => {
    expect(roles.hub.linkedActions).toEqual(
      expect.arrayContaining(['Microsoft.Network/virtualNetworks/subnets/join/action', 'Microsoft.Network/loadBalancers/backendAddressPools/join/action', 'Microsoft.Network/networkInterfaces/join/action']),
    );
  });

  it('the hub role main.bicep deploys is the one in roles.json (no built-in Contributor-class roles)', () => {
    const hub = fs.readFileSync(path.join(ROOT, 'infra/hub-roles.bicep'), 'utf8');
    expect(hub).toMatch(/loadJsonContent\('roles\.json'\)/);
    expect(hub).not.toMatch(/4d97b98b-1d4f-4787-a291-c67834d212e7|9980e02c-c2be-4d73-94e8-173b1dc7cf3c|b24988ac-6180-42a0-ab88-20f7382dd24c/);
  });
});
