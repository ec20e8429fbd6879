import type { VirtualMachineScaleSet } from '@azure/arm-compute';
import { IDS, POLL, type TestEmulator } from './emulator';

/**
 * Builds a forward's Azure side through the real SDK clients, the way the product will: an
 * internal LB (frontend in the hub subnet, NIC pool, a probe and rule per port), a scale set
 * whose customData carries the forwarding manifest (written by hand: the emulator tests never
 * import the product), and optionally a private link service on the frontend.
 */
/**
 * An OpenSSH public key for test scale sets (Azure refuses a Linux profile without a way in,
 * VMSS-1): the key of Microsoft's published example VirtualMachineScaleSet_Create_WithSshAuthentication.
 */
export const TEST_SSH_KEY = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCeClRAk2ipUs/l5voIsDC5q9RI+YSRd1Bvd/O+axgY4WiBzG+4FwJWZm/mLLe5DoOdHQwmU2FrKXZSW4w2sYE70KeWnrFViCOX5MTVvJgPE8ClugNl8RWth/tU849DvM9sT7vFgfVSHcAS2yDRyDlueii+8nF2ym8XWAPltFVCyLHRsyBp5YPqK8JFYIa1eybKsY3hEAxRCA+/7bq8et+Gj3coOsuRmrehav7rE6N12Pb80I6ofa6SM5XNYq4Xk0iYNx7R3kdz0Jj9XgZYWjAHjJmT0gTRoOnt6upOuxK7xI/ykWrllgpXrCPu3Ymz+c+ujaqcxDopnAl2lmf69/J1 plf-test';

export function manifestCustomData(ports: { port: number; targetPort: number }[], targets: string[]): string {
  const manifest = Buffer.from(
    JSON.stringify({ schema: 'plf.forward/v1', forward: 'fixture', ports, targets, allowedSources: ['10.0.1.0/26', '168.63.129.16/32'], healthPort: ports[0].port, agent: { intervalSeconds: 5, connectTimeoutSeconds: 2 } }),
  ).toString('base64');
  return Buffer.from(`#cloud-config\nwrite_files:\n  - path: /etc/plf/forward.json\n    encoding: b64\n    content: ${manifest}\n`).toString('base64');
}

export interface ForwarderFixture {
  lbName: string;
  lbId: string;
  frontendId: string;
  frontendIp: string;
  vmssName: string;
  plsId?: string;
  nodeIps: string[];
}

export async function buildForwarder(
  emu: TestEmulator,
  o: { name: string; capacity?: number; ports?: { port: number; targetPort: number }[]; targets?: string[]; pls?: boolean; visibleTo?: string[] },
): Promise<ForwarderFixture> {
  const ports = o.ports ?? [{ port: 8000, targetPort: 8000 }];
  const targets = o.targets ?? ['192.168.42.65', '192.168.42.66'];
  const network = emu.network();
  const compute = emu.compute();
  const lbName = `${o.name}-lb`;
  const lbId = `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Network/loadBalancers/${lbName}`;
  const frontendId = `${lbId}/frontendIPConfigurations/fe`;
  const poolId = `${lbId}/backendAddressPools/nodes`;
  const lb = await network.loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, lbName, {
    location: IDS.location,
    sku: { name: 'Standard' },
    frontendIPConfigurations: [{ name: 'fe', subnet: { id: IDS.hubShared } }],
    backendAddressPools: [{ name: 'nodes' }],
    probes: ports.map((p) => ({ name: `p${p.port}`, protocol: 'Tcp', port: p.port, intervalInSeconds: 5 })),
    loadBalancingRules: ports.map((p) => ({
      name: `r${p.port}`,
      protocol: 'Tcp',
      frontendPort: p.port,
      backendPort: p.port,
      frontendIPConfiguration: { id: frontendId },
      backendAddressPool: { id: poolId },
      probe: { id: `${lbId}/probes/p${p.port}` },
      disableOutboundSnat: true,
    })),
  }, POLL);
  const vmssName = `${o.name}-vmss`;
  await compute.virtualMachineScaleSets.createOrUpdate(IDS.hubRg, vmssName, {
    location: IDS.location,
    sku: { name: 'Standard_B1s', capacity: o.capacity ?? 2 },
    upgradePolicy: { mode: 'Manual' },
    virtualMachineProfile: {
      osProfile: { computerNamePrefix: o.name, adminUsername: 'plf', customData: manifestCustomData(ports, targets), linuxConfiguration: { disablePasswordAuthentication: true, ssh: { publicKeys: [{ path: '/home/plf/.ssh/authorized_keys', keyData: TEST_SSH_KEY }] } } },
      storageProfile: { imageReference: { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' } },
      networkProfile: { networkInterfaceConfigurations: [{ name: 'nic', primary: true, ipConfigurations: [{ name: 'ipc', subnet: { id: IDS.hubShared }, loadBalancerBackendAddressPools: [{ id: poolId }] }] }] },
      extensionProfile: { extensions: [{ name: 'health', publisher: 'Microsoft.ManagedServices', typePropertiesType: 'ApplicationHealthLinux', typeHandlerVersion: '2.0', settings: { protocol: 'tcp', port: ports[0].port } }] },
    },
  } as VirtualMachineScaleSet, POLL);
  const nodeIps: string[] = [];
  for await (const vm of compute.virtualMachineScaleSetVMs.list(IDS.hubRg, vmssName)) {
    const nic = await network.networkInterfaces.get(IDS.hubRg, String(vm.networkProfile?.networkInterfaces?.[0].id).split('/').pop()!);
    nodeIps.push(String(nic.ipConfigurations?.[0].privateIPAddress));
  }
  let plsId: string | undefined;
  if (o.pls) {
    const pls = await network.privateLinkServices.beginCreateOrUpdateAndWait(IDS.hubRg, `${o.name}-pls`, {
      location: IDS.location,
      loadBalancerFrontendIpConfigurations: [{ id: frontendId }],
      ipConfigurations: [{ name: 'nat', subnet: { id: IDS.hubShared }, primary: true, privateIPAllocationMethod: 'Dynamic' }],
      visibility: { subscriptions: o.visibleTo ?? [IDS.consumerSub] },
      enableProxyProtocol: false,
    }, POLL);
    plsId = pls.id;
  }
  return { lbName, lbId, frontendId, frontendIp: String(lb.frontendIPConfigurations?.[0].privateIPAddress), vmssName, nodeIps, ...(plsId ? { plsId } : {}) };
}
