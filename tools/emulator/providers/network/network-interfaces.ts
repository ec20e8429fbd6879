import { randomBytes, randomUUID } from 'node:crypto';
import { newEtag } from '../../arm/etag';
import { storedResourceHandlers } from '../../arm/stored-resource';
import type { EmulatorRuntime, ResourceTypeHandler } from '../../arm/types';
import type { StoredResource } from '../../state/store';
import { allocateIp, T, type Json } from './common';

/**
 * Network interfaces. The product only reads them (a private endpoint's NIC IP); they are created
 * by the emulator for private endpoints and private link services (and by other providers through
 * createNic). PUT/DELETE by clients is not offered: Azure refuses to delete a NIC a private
 * endpoint owns, and nothing in the product writes NICs.
 */
export interface NicSpec {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  subnet: StoredResource;
  /** e.g. { privateEndpoint: { id } } or { virtualMachine: { id } }. */
  attachedTo?: Json;
  ipConfigurationName?: string;
  requestedIp?: string;
  ipConfigurationExtra?: Json;
  tags?: Record<string, string>;
}

function mac(): string {
  return [0x00, 0x0d, 0x3a, ...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join('-');
}

/** Creates a NIC with one IP configuration holding an address from `subnet`; returns the stored NIC. */
export function createNic(emu: EmulatorRuntime, spec: NicSpec): StoredResource {
  const id = `/subscriptions/${spec.subscriptionId}/resourceGroups/${spec.resourceGroup}/providers/Microsoft.Network/networkInterfaces/${spec.name}`;
  const ipcName = spec.ipConfigurationName ?? 'ipconfig1';
  const ip = allocateIp(emu, spec.subnet, id, spec.requestedIp);
  const now = emu.clock.iso();
  const nic: StoredResource = {
    id,
    type: T.nic,
    name: spec.name,
    subscriptionId: spec.subscriptionId,
    resourceGroup: spec.resourceGroup,
    etag: newEtag(),
    body: {
      location: spec.location,
      ...(spec.tags ? { tags: spec.tags } : {}),
      properties: {
        provisioningState: 'Succeeded',
        resourceGuid: randomUUID(),
        ipConfigurations: [
          {
            name: ipcName,
            id: `${id}/ipConfigurations/${ipcName}`,
            etag: newEtag(),
            type: 'Microsoft.Network/networkInterfaces/ipConfigurations',
            properties: {
              provisioningState: 'Succeeded',
              privateIPAddress: ip,
              privateIPAllocationMethod: spec.requestedIp ? 'Static' : 'Dynamic',
              privateIPAddressVersion: 'IPv4',
              primary: true,
              subnet: { id: spec.subnet.id },
              ...(spec.ipConfigurationExtra ?? {}),
            },
          },
        ],
        dnsSettings: { dnsServers: [], appliedDnsServers: [], internalDomainNameSuffix: `${randomUUID().slice(0, 12)}.ax.internal.cloudapp.net` },
        macAddress: mac(),
        enableAcceleratedNetworking: false,
        vnetEncryptionSupported: false,
        enableIPForwarding: false,
        disableTcpStateTracking: false,
        primary: true,
        hostedWorkloads: [],
        tapConfigurations: [],
        nicType: 'Standard',
        auxiliaryMode: 'None',
        auxiliarySku: 'None',
        ...(spec.attachedTo ?? {}),
      },
    },
    internal: {},
    createdAt: now,
    updatedAt: now,
  };
  emu.state.set(nic);
  return nic;
}

export function deleteNic(emu: EmulatorRuntime, id: string): void {
  emu.state.delete(id);
  emu.state.ips.releaseOwner(id);
}

/** The primary private IP of a NIC. */
export function nicIp(nic: StoredResource): string | undefined {
  const ipcs = (nic.body.properties as Json)?.ipConfigurations as Json[] | undefined;
  return ((ipcs?.[0]?.properties as Json | undefined)?.privateIPAddress as string | undefined) ?? undefined;
}

const stored = storedResourceHandlers({
  type: T.nic,
  longRunning: true,
  tracked: true,
  provisioningState: true,
  build() {
    // Unreachable: put is not exposed below.
    return { body: {} };
  },
});

export const networkInterfaceTypes: ResourceTypeHandler[] = [{ type: T.nic, get: stored.get, list: stored.list }];
