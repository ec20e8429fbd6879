import type { HubPlacement } from '../core/app-settings';
import type { ForwardSpec } from '../core/forward-spec';
import type { AzureClients } from './client-factory';
import { classify } from './errors';
import { readOperation } from './operation-status';

/**
 * What every per-resource service offers (cluster-api-provider-azure style; azure/engine.ts makes
 * one from what a resource declares), honouring the
 * external-client contract: `observe` changes nothing; `ensure` writes only when the pure spec
 * says the owned fields differ and never waits for the long-running operation (it starts it;
 * the orchestration polls `state` on a durable timer); `remove` deletes only what carries our
 * tags and tolerates "not found" and "already deleting".
 */
export type ResourceKind = 'loadBalancer' | 'scaleSet' | 'privateLinkService';

export interface EnsureContext {
  clients: AzureClients;
  forward: string;
  spec: ForwardSpec;
  placement: HubPlacement;
  /** Hub subnet prefix (PLS NAT range), read once per reconcile. */
  natSubnetPrefix: string;
  /** NAT IPs the private link service should have (health watch; default 1). */
  natIpCount?: number;
  sshPublicKey?: string;
}

export interface EnsureResult {
  id: string;
  /** A write was started (false: the resource already matched the spec; reads only). */
  changed: boolean;
  /**
   * No write was needed, but an operation is still running on the resource (Creating, Updating):
   * the orchestration waits for it before the next resource, as after a write of its own.
   */
  inProgress: boolean;
  /** The resource is being deleted: nothing was written; wait until it is gone, then ensure again. */
  awaitingDeletion?: boolean;
  /**
   * The started write's status URL (Azure-AsyncOperation), the resume token the orchestration
   * passes back to `state` so a Failed resource reports ARM's code and message
   * (azure/operation-status.ts). Absent when no write was started.
   */
  operation?: string;
}

/** A resource's provisioning state, with the failed operation's ARM code and message when known. */
export interface ObservedState {
  state: ProvisioningState;
  /** `retryable`: azure/errors.ts classifies the code as transient (writing again may cure it). */
  error?: { code: string; message: string; retryable: boolean };
}

export type ProvisioningState = 'Succeeded' | 'Failed' | 'InProgress' | 'Absent';

export type RemoveResult = 'deleting' | 'gone' | 'not-ours';

export interface ResourceService {
  kind: ResourceKind;
  id(forward: string, p: HubPlacement): string;
  ensure(ctx: EnsureContext): Promise<EnsureResult>;
  state(clients: AzureClients, forward: string, p: HubPlacement): Promise<ProvisioningState>;
  remove(clients: AzureClients, forward: string, p: HubPlacement): Promise<RemoveResult>;
}

export function provisioningStateOf(value: string | undefined): ProvisioningState {
  const v = (value ?? '').toLowerCase();
  if (v === 'succeeded') return 'Succeeded';
  if (v === 'failed' || v === 'canceled') return 'Failed';
  return 'InProgress';
}

/**
 * What ensure does with an existing resource, by its provisioningState. One being deleted is never
 * written, whatever its fields: ARM refuses writes to a resource marked for deletion (Compute: 409
 * OperationNotAllowed "... since it is marked for deletion", microsoft/onefuzz#511; catalog VMSS-3),
 * so ensure waits until it is gone and then creates it anew ('await-deletion'). For the others the
 * owned fields decide first (a difference is written); when they all match, only a Succeeded one is
 * kept as it is, one its last operation left Failed (or Canceled) is PUT again — ARM's remedy, and
 * nothing else brings it back —, and any other state (Creating, Updating, ...) is an operation still
 * running: nothing to write, wait for it. No state at all counts as Succeeded.
 */
export function whenOwnedFieldsMatch(provisioningState: string | undefined): 'keep' | 'wait' | 'rewrite' | 'await-deletion' {
  const v = (provisioningState ?? 'Succeeded').toLowerCase();
  if (v === 'succeeded') return 'keep';
  if (v === 'deleting') return 'await-deletion';
  if (v === 'failed' || v === 'canceled') return 'rewrite';
  return 'wait';
}

/**
 * The verdict every pure spec gives: 'no-change' when nothing may be written now — what exists may
 * be kept (every owned field matches and its state allows it) or is being deleted (keptResource
 * then says to wait until it is gone) —, else the desired body to PUT.
 */
export function desiredOrNoChange<T extends { provisioningState?: string }>(desired: T, existing: T | undefined, owned: (resource: T) => unknown): T | 'no-change' {
  if (!existing) return desired;
  const when = whenOwnedFieldsMatch(existing.provisioningState);
  if (when === 'await-deletion') return 'no-change';
  if (when !== 'rewrite' && JSON.stringify(owned(existing)) === JSON.stringify(owned(desired))) return 'no-change';
  return desired;
}

/** Ensure's result after starting a write (`operation`: its status URL, when it has one): the orchestration polls it. */
export function wroteResource(id: string, operation?: string): EnsureResult {
  return { id, changed: true, inProgress: true, ...(operation ? { operation } : {}) };
}

/**
 * Ensure's result when the spec said 'no-change': poll only while an operation not ours runs; a
 * resource being deleted is `awaitingDeletion` (the orchestration waits until it is gone, then
 * ensures again, which creates it).
 */
export function keptResource(id: string, existing: { provisioningState?: string } | undefined): EnsureResult {
  const when = whenOwnedFieldsMatch(existing?.provisioningState);
  if (when === 'await-deletion') return { id, changed: false, inProgress: true, awaitingDeletion: true };
  return { id, changed: false, inProgress: when === 'wait' };
}

/**
 * The state of a resource a write of ours may have failed: when it is Failed and the write's
 * operation is known, ARM's code and message from the operation. An operation that has not yet
 * reported its end (ARM's first poll says InProgress) leaves the state InProgress: poll again.
 */
export async function observeWrite(clients: AzureClients, state: ProvisioningState, operation: string | undefined): Promise<ObservedState> {
  if (state !== 'Failed' || !operation) return { state };
  const op = await readOperation(clients, operation);
  if (op.status === 'InProgress') return { state: 'InProgress' };
  if (op.status !== 'Failed') return { state };
  return { state, error: { code: op.code, message: op.message, retryable: classify({ statusCode: 400, code: op.code, message: op.message }).kind === 'retryable' } };
}

/** Runs `read`, answering undefined on 404 (the resource does not exist). */
export async function readOrUndefined<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}
