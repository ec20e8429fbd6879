import { createHash } from 'node:crypto';
import type { VirtualMachineScaleSet } from '@azure/arm-compute';
import type { HubPlacement } from '../../core/app-settings';
import type { ForwardSpec } from '../../core/forward-spec';
import { forwardNames, forwardTags } from '../../core/names';
import { customDataOf } from '../../dataplane';
import { loadBalancerId } from '../load-balancer/spec';
import { dataPlaneViewOf } from './data-plane-view';
import { desiredOrNoChange } from '../resource-service';

/**
 * The forwarder nodes: a scale set of Ubuntu 24.04 LTS in orchestration mode Uniform, sent
 * explicitly (the API's default when absent, but the CLI and PowerShell create Flexible since
 * November 2023, and Flexible has none of the VMSS-VM APIs the roll and the recycle use:
 * manualUpgrade, per-instance reimage, instance views; catalog VMSS-5). customData = the
 * data-plane cloud-init (dataplane/), NICs in the LB backend pool, the Application Health
 * extension probing the first port on 127.0.0.1 (which the node forwards, so health means "this
 * node reaches a target"), platform automatic repairs off (our health watch owns recycling),
 * upgrade policy Manual (the orchestration rolls instances one at a time: manualUpgrade, then a
 * reimage, because cloud-init applies customData only when a node boots; catalog VMSS-2). Azure
 * never returns customData, so the hash of what we wrote is kept in the tag `plf-config` and
 * compared instead.
 */
export const CONFIG_TAG = 'plf-config';

/**
 * The node image, pinned: a given forward spec always boots the same OS, and a new image reaches
 * nodes only through a release of this app (then a roll), never by Canonical publishing one.
 * Canonical's marketplace URN `Canonical:ubuntu-24_04-lts:server:<version>` (x64, Gen2), versions
 * named `24.04.YYYYMMDDn`. Source: Canonical's "Find Ubuntu images on Azure"
 * (canonical/ubuntu-cloud-docs, azure/azure-how-to/instances/find-ubuntu-images.rst) for the URN;
 * the version 24.04.202609040 is a published one (seen in public deployment code that verified it by
 * image discovery). To bump it: `az vm image list --publisher Canonical --offer ubuntu-24_04-lts
 * --sku server --all --query "[].version" -o tsv | sort -V | tail -1` in the hub's region, set the
 * version here, and release: every forward then rolls its nodes (the image is an owned field).
 */
export const IMAGE = { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: '24.04.202609040' };
export const ADMIN_USER = 'plfadmin';

export interface ScaleSetInputs {
  /** The hub subnet's prefix: the PLS NAT IPs come from it, so it is the allowed source range. */
  natSubnetPrefix: string;
  /**
   * OpenSSH public key for the admin user (required: Azure refuses a Linux profile with password
   * login off and no key, catalog VMSS-1). The operator's PLF_NODE_SSH_PUBLIC_KEY, else the
   * forward's own generated key whose private half was never kept (core/node-ssh-key.ts): nobody
   * can log in then.
   */
  sshPublicKey: string;
}

export function scaleSetId(forward: string, p: HubPlacement): string {
  return `/subscriptions/${p.subscriptionId}/resourceGroups/${p.resourceGroup}/providers/Microsoft.Compute/virtualMachineScaleSets/${forwardNames(forward).scaleSet}`;
}

export function configHash(customData: string): string {
  return createHash('sha256').update(customData).digest('hex').slice(0, 16);
}

export function buildScaleSet(forward: string, spec: ForwardSpec, p: HubPlacement, inputs: ScaleSetInputs): VirtualMachineScaleSet {
  const n = forwardNames(forward);
  const customData = customDataOf(dataPlaneViewOf(forward, spec, inputs.natSubnetPrefix));
  const poolId = `${loadBalancerId(forward, p)}/backendAddressPools/${n.backendPool}`;
  return {
    location: p.location,
    tags: { ...forwardTags(forward), [CONFIG_TAG]: configHash(customData) },
    sku: { name: spec.nodes.vmSize, tier: 'Standard', capacity: spec.nodes.count },
    ...(spec.nodes.zones.length ? { zones: [...spec.nodes.zones] } : {}),
    orchestrationMode: 'Uniform',
    upgradePolicy: { mode: 'Manual' },
    automaticRepairsPolicy: { enabled: false },
    overprovision: false,
    virtualMachineProfile: {
      osProfile: {
        computerNamePrefix: n.computerNamePrefix,
        adminUsername: ADMIN_USER,
        customData,
        linuxConfiguration: {
          disablePasswordAuthentication: true,
          ssh: { publicKeys: [{ path: `/home/${ADMIN_USER}/.ssh/authorized_keys`, keyData: inputs.sshPublicKey }] },
        },
      },
      storageProfile: { imageReference: { ...IMAGE }, osDisk: { createOption: 'FromImage', caching: 'ReadWrite', managedDisk: { storageAccountType: 'Standard_LRS' } } },
      networkProfile: {
        networkInterfaceConfigurations: [
          {
            name: 'nic',
            primary: true,
            enableIPForwarding: true,
            ipConfigurations: [{ name: 'ipconfig', primary: true, subnet: { id: p.subnetId }, loadBalancerBackendAddressPools: [{ id: poolId }] }],
          },
        ],
      },
      extensionProfile: {
        extensions: [
          {
            name: 'health',
            publisher: 'Microsoft.ManagedServices',
            typePropertiesType: 'ApplicationHealthLinux',
            typeHandlerVersion: '2.0',
            autoUpgradeMinorVersion: true,
            settings: { protocol: 'tcp', port: spec.ports[0].port, intervalInSeconds: 5, numberOfProbes: 1 },
          },
        ],
      },
    },
  } as VirtualMachineScaleSet;
}

function owned(v: VirtualMachineScaleSet): unknown {
  const prof = v.virtualMachineProfile;
  const nic = prof?.networkProfile?.networkInterfaceConfigurations?.[0];
  const ipc = nic?.ipConfigurations?.[0];
  const health = prof?.extensionProfile?.extensions?.find((e) => e.typePropertiesType === 'ApplicationHealthLinux');
  return {
    tags: v.tags ?? {},
    sku: [v.sku?.name, v.sku?.capacity],
    zones: [...(v.zones ?? [])].sort(),
    // Absent reads as Uniform (the API's default); it cannot change once created (VMSS-5).
    mode: v.orchestrationMode ?? 'Uniform',
    upgrade: v.upgradePolicy?.mode,
    repairs: v.automaticRepairsPolicy?.enabled === true,
    image: prof?.storageProfile?.imageReference ? [prof.storageProfile.imageReference.publisher, prof.storageProfile.imageReference.offer, prof.storageProfile.imageReference.sku, prof.storageProfile.imageReference.version] : [],
    subnet: ipc?.subnet?.id?.toLowerCase(),
    pools: (ipc?.loadBalancerBackendAddressPools ?? []).map((x) => x.id?.toLowerCase()),
    health: health ? [health.settings?.protocol, health.settings?.port] : [],
    ssh: (prof?.osProfile?.linuxConfiguration?.ssh?.publicKeys ?? []).map((k) => k.keyData),
  };
}

export function desiredScaleSet(forward: string, spec: ForwardSpec, p: HubPlacement, inputs: ScaleSetInputs, existing?: VirtualMachineScaleSet): VirtualMachineScaleSet | 'no-change' {
  // Fields alone do not decide: a Failed one is written again, one being deleted never (whenOwnedFieldsMatch).
  return desiredOrNoChange(buildScaleSet(forward, spec, p, inputs), existing, owned);
}
