import { operationUrlOf } from '../operation-status';
import { refOfType } from '../resource-id';
import type { Container, ContainerGroup, ContainerState } from '@azure/arm-containerinstance';
import type { AzureClients } from '../client-factory';
import { MANAGED_BY, TAG_FORWARD, TAG_MANAGED_BY } from '../../core/names';
import { TAG_PROBE, TAG_PROBE_RUN, type ContainerView, type ProbeContainer } from '../../core/probes';

/**
 * The probe's container group (Azure Container Instances): created in the probe subnet's
 * subscription with `restartPolicy: Never`, the smallest resources, tags that mark it ours with
 * the forward and the run id; read for each container's state and exit code; its logs listed;
 * deleted (a missing group is fine); and ours listed for the cleanup sweep. The verdict never
 * comes from `provisioningState` (it only says the containers started).
 */
export const PROBE_DELEGATION = 'Microsoft.ContainerInstance/containerGroups';
/** Per container: ACI's smallest request we use (fractional CPU; unverified here against ACI's current minimums). */
export const PROBE_RESOURCES = { cpu: 0.1, memoryInGB: 0.1 };

export interface GroupRef {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

export const groupId = (g: GroupRef) => `/subscriptions/${g.subscriptionId}/resourceGroups/${g.resourceGroup}/providers/Microsoft.ContainerInstance/containerGroups/${g.name}`;

export function groupRefOf(id: string): GroupRef | undefined {
  const r = refOfType(id, 'Microsoft.ContainerInstance/containerGroups');
  return r ? { subscriptionId: r.subscriptionId, resourceGroup: r.resourceGroup, name: r.name } : undefined;
}

export interface CreateProbeGroup extends GroupRef {
  location: string;
  subnetId: string;
  image: string;
  forward: string;
  runId: string;
  probeKey: string;
  containers: ProbeContainer[];
  /** A user-assigned identity (resource id) that pulls the image from a private registry. */
  pullIdentityId?: string;
  /**
   * The probe VNet's custom DNS servers (`dhcpOptions.dnsServers`), sent as `dnsConfig.nameServers`:
   * a VNet-injected container group does not inherit them (Learn, "Deploy container instances
   * into an Azure virtual network"), and without them it uses Azure-provided DNS and would not
   * see names only the VNet's own DNS servers resolve. None = Azure-provided DNS, as the VNet.
   */
  dnsServers?: string[];
}

/** The registry host of an image reference (`mcr.microsoft.com/x:1` -> `mcr.microsoft.com`; Docker Hub short names -> undefined). */
export function registryOf(image: string): string | undefined {
  const first = image.split('/')[0];
  return image.includes('/') && /[.:]/.test(first) ? first : undefined;
}

/** The body of the group (pure). */
export function probeGroupBody(c: CreateProbeGroup): ContainerGroup {
  const server = registryOf(c.image);
  const pull = c.pullIdentityId && server ? c.pullIdentityId : undefined;
  return {
    location: c.location,
    ...(pull ? { identity: { type: 'UserAssigned', userAssignedIdentities: { [pull]: {} } }, imageRegistryCredentials: [{ server: server!, identity: pull }] } : {}),
    tags: { [TAG_MANAGED_BY]: MANAGED_BY, [TAG_FORWARD]: c.forward, [TAG_PROBE_RUN]: c.runId, [TAG_PROBE]: c.probeKey },
    osType: 'Linux',
    restartPolicy: 'Never',
    sku: 'Standard',
    subnetIds: [{ id: c.subnetId }],
    ...(c.dnsServers?.length ? { dnsConfig: { nameServers: [...c.dnsServers] } } : {}),
    containers: c.containers.map((x) => ({ name: x.name, image: c.image, command: x.command, resources: { requests: { ...PROBE_RESOURCES } } })),
  };
}

/**
 * Starts the creation (one PUT; the orchestration polls `readProbeGroup`, never this call).
 * Returns the operation's status URL (azure/operation-status.ts): the SDK's first poll usually
 * says InProgress, so a deployment that fails is only known from the operation later.
 */
export async function createProbeGroup(clients: AzureClients, c: CreateProbeGroup): Promise<string | undefined> {
  try {
    return await operationUrlOf(await clients.containerInstance(c.subscriptionId).containerGroups.beginCreateOrUpdate(c.resourceGroup, c.name, probeGroupBody(c)));
  } catch (err) {
    throw lroFailure(err) ?? err;
  }
}

/**
 * The SDK's first poll (inside `begin...`) throws a plain Error when the accepted operation has
 * already failed ("The long-running operation has failed. {code}. {message}"), without the HTTP
 * status or code the classification needs: give it back its ARM code (terminal for this run).
 */
export function lroFailure(err: unknown): { statusCode: number; code: string; message: string } | undefined {
  const e = err as { statusCode?: number; message?: string };
  if (e?.statusCode !== undefined || typeof e?.message !== 'string') return undefined;
  const m = /^The long-running operation has failed\.\s*(?:([A-Za-z][\w.]*)\.)?\s*(.*)$/s.exec(e.message);
  return m ? { statusCode: 400, code: m[1] ?? 'DeploymentFailed', message: e.message } : undefined;
}

export interface ContainerFacts extends ContainerView {
  name: string;
  /** The container's instance view events (name, type, message), e.g. Pulling / Failed / BackOff. */
  events: { name: string; type?: string; message?: string }[];
}

/**
 * The message of an event that says the image could not be pulled: ACI shows `Failed` (Warning)
 * events "Failed to pull image ..." while it retries a pull, before it fails the deployment
 * (Learn, "Troubleshoot common issues in Azure Container Instances", Unable to pull image).
 * undefined when there is none.
 */
export function pullFailure(events: ContainerFacts['events']): string | undefined {
  return events.find((e) => e.name === 'Failed' && /^Failed to pull image/i.test(e.message ?? ''))?.message;
}

export interface GroupFacts {
  provisioningState?: string;
  containers: ContainerFacts[];
}

/**
 * A container's instance view as the probe reads it (core/probes.ts ContainerView): current state
 * and exit code, restart count and the previous instance's state and exit code.
 */
export function containerViewOf(v: Container['instanceView']): ContainerView {
  const state = (x: ContainerState | undefined) => ({ ...(x?.state ? { state: x.state } : {}), ...(typeof x?.exitCode === 'number' ? { exitCode: x.exitCode } : {}) });
  return {
    ...state(v?.currentState),
    ...(typeof v?.restartCount === 'number' ? { restartCount: v.restartCount } : {}),
    ...(v?.previousState?.state ? { previous: state(v.previousState) } : {}),
  };
}

/** The group's containers with state and exit code; undefined when the group does not exist. */
export async function readProbeGroup(clients: AzureClients, g: GroupRef): Promise<GroupFacts | undefined> {
  try {
    const cg = await clients.containerInstance(g.subscriptionId).containerGroups.get(g.resourceGroup, g.name);
    return {
      ...(cg.provisioningState ? { provisioningState: cg.provisioningState } : {}),
      containers: cg.containers.map((c) => ({
        name: c.name,
        ...containerViewOf(c.instanceView),
        events: (c.instanceView?.events ?? []).map((e) => ({ name: e.name ?? '', ...(e.type ? { type: e.type } : {}), ...(e.message ? { message: e.message } : {}) })),
      })),
    };
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}

/** A container's log (the last `tail` lines). */
export async function probeLogs(clients: AzureClients, g: GroupRef, container: string, tail = 50): Promise<string> {
  const r = await clients.containerInstance(g.subscriptionId).containers.listLogs(g.resourceGroup, g.name, container, { tail });
  return r.content ?? '';
}

/** Deletes the group; a group already gone is fine. Starts the delete and does not wait for it. */
export async function deleteProbeGroup(clients: AzureClients, g: GroupRef): Promise<'deleted' | 'absent'> {
  try {
    await clients.containerInstance(g.subscriptionId).containerGroups.beginDelete(g.resourceGroup, g.name);
    return 'deleted';
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return 'absent';
    throw err;
  }
}

export interface OwnedProbeGroup extends GroupRef {
  id: string;
  forward: string;
  runId: string;
  probeKey?: string;
}

/**
 * Our probe groups in one resource group (one list call, paged; tags decide what is ours). Per
 * resource group, not per subscription: the consumer-side probes role is assigned on the probe
 * resource groups only (infra/consumer/roles.bicep), and a subscription-wide list needs read on
 * the whole subscription. A resource group that does not exist holds none.
 */
export async function listProbeGroups(clients: AzureClients, subscriptionId: string, resourceGroup: string): Promise<OwnedProbeGroup[]> {
  const out: OwnedProbeGroup[] = [];
  try {
    for await (const cg of clients.containerInstance(subscriptionId).containerGroups.listByResourceGroup(resourceGroup)) collect(cg, out);
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return [];
    throw err;
  }
  return out;
}

/** Adds the group to `out` when its tags say it is one of our probe groups. */
function collect(cg: { id?: string; tags?: Record<string, string> }, out: OwnedProbeGroup[]): void {
  const t = cg.tags ?? {};
  if (t[TAG_MANAGED_BY] !== MANAGED_BY || !t[TAG_PROBE_RUN] || !t[TAG_FORWARD] || !cg.id) return;
  const ref = groupRefOf(cg.id);
  if (ref) out.push({ ...ref, id: cg.id, forward: t[TAG_FORWARD], runId: t[TAG_PROBE_RUN], ...(t[TAG_PROBE] ? { probeKey: t[TAG_PROBE] } : {}) });
}
