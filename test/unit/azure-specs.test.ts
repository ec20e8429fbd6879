import type { LoadBalancer, PrivateLinkService } from '@azure/arm-network';
import type { VirtualMachineScaleSet } from '@azure/arm-compute';
import type { HubPlacement } from '../../core/app-settings';
import { parseForwardSpec, type ForwardSpec } from '../../core/forward-spec';
import { buildLoadBalancer, desiredLoadBalancer } from '../../azure/load-balancer/spec';
import { buildPrivateLinkService, desiredPrivateLinkService } from '../../azure/private-link-service/spec';
import { buildScaleSet, CONFIG_TAG, desiredScaleSet, IMAGE } from '../../azure/scale-set/spec';
import { DELETE_ORDER, ENSURE_ORDER } from '../../azure/order';
import { keptResource, whenOwnedFieldsMatch } from '../../azure/resource-service';

/** The pure specs: "what exists equals what we want -> no change", and every owned field that drifts -> a body. */
const placement: HubPlacement = {
  subscriptionId: '00000000-0000-0000-0000-00000000a001',
  resourceGroup: 'rg-hub',
  subnetId: '/subscriptions/00000000-0000-0000-0000-00000000a001/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/shared',
  location: 'westeurope',
};
const parsed = parseForwardSpec({
  ports: [{ port: 8000 }, { port: 14330, targetPort: 1433 }],
  targets: ['192.168.42.65', '192.168.42.66'],
  consumers: { allow: [{ subscriptionId: '00000000-0000-0000-0000-00000000c001' }] },
});
if (!parsed.ok) throw new Error('fixture spec invalid');
const spec: ForwardSpec = parsed.spec;
const inputs = { natSubnetPrefix: '10.0.1.0/26', sshPublicKey: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCe plf-web' };
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** What Azure returns for what we wrote: our body plus read-only fields we do not own. */
function asReturned<T extends object>(body: T, extra: object): T {
  return { ...clone(body), id: '/x', etag: 'W/"1"', provisioningState: 'Succeeded', ...extra } as T;
}

describe('load balancer spec', () => {
  const existing = asReturned(buildLoadBalancer('web', spec, placement), { resourceGuid: 'g' });
  existing.frontendIPConfigurations![0].privateIPAddress = '10.0.1.4';

  it('what exists equals what we want: no change', () => {
    expect(desiredLoadBalancer('web', spec, placement, existing)).toBe('no-change');
  });

  it('nothing exists: the full body (internal Standard, NIC pool, a probe and rule per port, outbound SNAT off, TCP reset)', () => {
    const body = desiredLoadBalancer('web', spec, placement) as LoadBalancer;
    expect(body.sku?.name).toBe('Standard');
    expect(body.probes?.map((p) => [p.name, p.port])).toEqual([['tcp-8000', 8000], ['tcp-14330', 14330]]);
    expect(body.loadBalancingRules?.every((r) => r.disableOutboundSnat && r.enableTcpReset && !r.enableFloatingIP && r.idleTimeoutInMinutes === 4)).toBe(true);
    expect(body.tags).toEqual({ 'plf-forward': 'web', 'managed-by': 'plf' });
  });

  it.each<[string, (lb: LoadBalancer) => void]>([
    ['a rule lost its probe', (lb) => delete lb.loadBalancingRules![0].probe],
    ['a probe port changed', (lb) => (lb.probes![0].port = 9999)],
    ['outbound SNAT turned on', (lb) => (lb.loadBalancingRules![1].disableOutboundSnat = false)],
    ['a rule was removed', (lb) => lb.loadBalancingRules!.pop()],
    ['our tags were removed', (lb) => (lb.tags = {})],
    ['the frontend moved to another subnet', (lb) => (lb.frontendIPConfigurations![0].subnet = { id: `${placement.subnetId}-other` })],
  ])('drift: %s -> a body that keeps the frontend IP', (_s, drift) => {
    const lb = clone(existing);
    drift(lb);
    const body = desiredLoadBalancer('web', spec, placement, lb);
    expect(body).not.toBe('no-change');
    expect((body as LoadBalancer).frontendIPConfigurations![0].privateIPAddress).toBe('10.0.1.4');
  });

  it('a changed port list in the spec -> a body with the new rules', () => {
    const body = desiredLoadBalancer('web', { ...spec, ports: [{ port: 8000, targetPort: 8000 }] }, placement, existing) as LoadBalancer;
    expect(body.loadBalancingRules?.map((r) => r.frontendPort)).toEqual([8000]);
  });
});

describe('scale set spec', () => {
  const existing = asReturned(buildScaleSet('web', spec, placement, inputs), { uniqueId: 'u' }) as VirtualMachineScaleSet;
  // Azure never returns customData.
  delete existing.virtualMachineProfile!.osProfile!.customData;

  it('what exists equals what we want (customData compared through its hash tag): no change', () => {
    expect(desiredScaleSet('web', spec, placement, inputs, existing)).toBe('no-change');
  });

  it('the body carries the data-plane cloud-init, the health extension on the first port and repairs off', () => {
    const body = desiredScaleSet('web', spec, placement, inputs) as VirtualMachineScaleSet;
    const cloudInit = Buffer.from(body.virtualMachineProfile!.osProfile!.customData!, 'base64').toString('utf8');
    expect(cloudInit.startsWith('#cloud-config')).toBe(true);
    expect(body.automaticRepairsPolicy?.enabled).toBe(false);
    expect(body.upgradePolicy?.mode).toBe('Manual');
    expect(body.virtualMachineProfile?.extensionProfile?.extensions?.[0].settings).toMatchObject({ protocol: 'tcp', port: 8000 });
    expect(body.tags?.[CONFIG_TAG]).toMatch(/^[0-9a-f]{16}$/);
  });

  it('orchestration mode Uniform is sent explicitly (VMSS-5), the image is pinned, the SSH key is always there (VMSS-1)', () => {
    const body = desiredScaleSet('web', spec, placement, inputs) as VirtualMachineScaleSet;
    expect(body.orchestrationMode).toBe('Uniform');
    expect(body.virtualMachineProfile?.storageProfile?.imageReference).toEqual({ publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: IMAGE.version });
    expect(IMAGE.version).toMatch(/^24\.04\.\d{9}$/);
    expect(body.virtualMachineProfile?.osProfile?.linuxConfiguration).toEqual({
      disablePasswordAuthentication: true,
      ssh: { publicKeys: [{ path: '/home/plfadmin/.ssh/authorized_keys', keyData: inputs.sshPublicKey }] },
    });
  });

  it.each<[string, Partial<ForwardSpec>]>([
    ['other targets (new cloud-init)', { targets: ['192.168.42.66'] }],
    ['more nodes', { nodes: { ...spec.nodes, count: 3 } }],
    ['another VM size', { nodes: { ...spec.nodes, vmSize: 'Standard_B2s' } }],
    ['another first port (health extension)', { ports: [{ port: 9000, targetPort: 9000 }] }],
  ])('spec change: %s -> a body', (_s, change) => {
    expect(desiredScaleSet('web', { ...spec, ...change }, placement, inputs, existing)).not.toBe('no-change');
  });

  it.each<[string, (v: VirtualMachineScaleSet) => void]>([
    ['automatic repairs switched on', (v) => (v.automaticRepairsPolicy = { enabled: true })],
    ['capacity changed outside', (v) => (v.sku!.capacity = 5)],
    ['the config hash tag changed', (v) => (v.tags![CONFIG_TAG] = 'ffff')],
    ['another image version', (v) => (v.virtualMachineProfile!.storageProfile!.imageReference!.version = 'latest')],
    ['another SSH key', (v) => (v.virtualMachineProfile!.osProfile!.linuxConfiguration!.ssh!.publicKeys![0].keyData = 'ssh-rsa AAAA other')],
    ['orchestration mode Flexible (a scale set not ours to roll)', (v) => (v.orchestrationMode = 'Flexible')],
  ])('drift: %s -> a body', (_s, drift) => {
    const v = clone(existing);
    drift(v);
    expect(desiredScaleSet('web', spec, placement, inputs, v)).not.toBe('no-change');
  });
});

describe('private link service spec', () => {
  const existing = asReturned(buildPrivateLinkService('web', spec, placement), { alias: 'a' }) as PrivateLinkService;

  it('what exists equals what we want: no change', () => {
    expect(desiredPrivateLinkService('web', spec, placement, existing)).toBe('no-change');
  });

  it('visibility follows consumers.allow; no auto-approval; proxy protocol off', () => {
    const body = desiredPrivateLinkService('web', spec, placement) as PrivateLinkService;
    expect(body.visibility?.subscriptions).toEqual(['00000000-0000-0000-0000-00000000c001']);
    expect(body.autoApproval?.subscriptions).toEqual([]);
    expect(body.enableProxyProtocol).toBe(false);
  });

  it.each<[string, (p: PrivateLinkService) => void]>([
    ['someone enabled auto-approval', (p) => (p.autoApproval = { subscriptions: ['00000000-0000-0000-0000-00000000c001'] })],
    ['proxy protocol turned on', (p) => (p.enableProxyProtocol = true)],
    ['visibility widened', (p) => (p.visibility = { subscriptions: ['*'] })],
  ])('drift: %s -> a body that keeps the existing NAT IP configurations', (_s, drift) => {
    const p = clone(existing);
    drift(p);
    const body = desiredPrivateLinkService('web', spec, placement, p) as PrivateLinkService;
    expect(body).not.toBe('no-change');
    expect(body.ipConfigurations?.map((c) => c.name)).toEqual(existing.ipConfigurations?.map((c) => c.name));
  });
});

describe('every owned field matches: the provisioningState decides', () => {
  const lb = asReturned(buildLoadBalancer('web', spec, placement), { resourceGuid: 'g' });
  lb.frontendIPConfigurations![0].privateIPAddress = '10.0.1.4';
  const vmss = asReturned(buildScaleSet('web', spec, placement, inputs), { uniqueId: 'u' }) as VirtualMachineScaleSet;
  delete vmss.virtualMachineProfile!.osProfile!.customData;
  const pls = asReturned(buildPrivateLinkService('web', spec, placement), { alias: 'a' }) as PrivateLinkService;
  const desired: [string, (state: string | undefined) => unknown][] = [
    ['load balancer', (state) => desiredLoadBalancer('web', spec, placement, { ...clone(lb), provisioningState: state })],
    ['scale set', (state) => desiredScaleSet('web', spec, placement, inputs, { ...clone(vmss), provisioningState: state })],
    ['private link service', (state) => desiredPrivateLinkService('web', spec, placement, { ...clone(pls), provisioningState: state })],
  ];

  it.each([
    ['Succeeded: kept', 'Succeeded', 'keep'],
    ['no state reported: kept', undefined, 'keep'],
    ['Failed by its last operation: PUT again (ARM\'s remedy)', 'Failed', 'rewrite'],
    ['Canceled: PUT again', 'Canceled', 'rewrite'],
    ['being deleted: never written; wait until gone, then create (VMSS-3)', 'Deleting', 'await-deletion'],
    ['being deleted, state casing differs: same decision', 'deleting', 'await-deletion'],
    ['Creating: an operation is running, wait', 'Creating', 'wait'],
    ['Updating: an operation is running, wait', 'Updating', 'wait'],
    ['state casing differs: same decision', 'failed', 'rewrite'],
  ])('%s', (_situation, state, decision) => {
    expect(whenOwnedFieldsMatch(state)).toBe(decision);
    for (const [kind, desire] of desired) {
      const body = desire(state);
      expect([kind, body === 'no-change' ? 'no-change' : 'body']).toEqual([kind, decision === 'rewrite' ? 'body' : 'no-change']);
    }
  });

  it('a resource being deleted is not written even when its owned fields differ; ensure reports it awaiting deletion', () => {
    const other = { ...spec, targets: ['192.168.42.99'], ports: [{ port: 9000, targetPort: 9000 }] };
    expect(desiredLoadBalancer('web', other, placement, { ...clone(lb), provisioningState: 'Deleting' })).toBe('no-change');
    expect(desiredScaleSet('web', other, placement, inputs, { ...clone(vmss), provisioningState: 'Deleting' })).toBe('no-change');
    expect(desiredPrivateLinkService('web', { ...spec, consumers: { ...spec.consumers, allow: [] } }, placement, { ...clone(pls), provisioningState: 'Deleting' })).toBe('no-change');
    expect(keptResource('/x', { provisioningState: 'Deleting' })).toEqual({ id: '/x', changed: false, inProgress: true, awaitingDeletion: true });
    expect(keptResource('/x', { provisioningState: 'Updating' })).toEqual({ id: '/x', changed: false, inProgress: true });
  });
});

describe('order', () => {
  it('ensures LB, scale set, PLS and deletes in reverse', () => {
    expect(ENSURE_ORDER).toEqual(['loadBalancer', 'scaleSet', 'privateLinkService']);
    expect(DELETE_ORDER).toEqual(['privateLinkService', 'scaleSet', 'loadBalancer']);
  });
});
