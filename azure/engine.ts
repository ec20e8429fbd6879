import type { HubPlacement } from '../core/app-settings';
import { isOwnedBy } from '../core/names';
import type { AzureClients } from './client-factory';
import { operationUrlOf } from './operation-status';
import { keptResource, provisioningStateOf, readOrUndefined, wroteResource, type EnsureContext, type ResourceKind, type ResourceService } from './resource-service';

/**
 * The one ARM resource engine (cluster-api-provider-azure's shared reconciler, crossplane-runtime's
 * external-client contract): a resource declares only what differs — its SDK calls, its pure spec,
 * whether it carries an etag — and `resourceService` does the rest for every one of them:
 *
 *   ensure  observe (one GET) -> the spec's verdict -> PUT with If-Match on the etag read (when
 *           the resource has one) -> the write's status URL for the orchestration to poll. A 412
 *           (someone wrote between our GET and our PUT) observes again and decides again, up to
 *           ETAG_ATTEMPTS times; then the last 412 is thrown (azure/errors.ts: retryable).
 *           Nothing is written when the spec says 'no-change'. Absent: a plain PUT (create
 *           tolerates "already exists": PUT is create-or-update).
 *   state   one GET: the provisioning state the orchestration polls on its durable timer
 *           (azure/resource-service.ts observeWrite adds the failed operation's code).
 *   remove  one GET, then a DELETE only when it carries our tags and is not already Deleting;
 *           "not found" is done ('gone'), a foreign resource is left alone ('not-ours').
 *
 * Observe changes nothing. ARM requests per call: ensure 1 GET (+1 PUT when it writes; +1 GET
 * +1 PUT per lost If-Match race), state 1 GET, remove 1 GET (+1 DELETE); a PUT or DELETE started
 * through arm-network also reads the operation's status once before `begin*` answers (its
 * generated code awaits `poller.poll()`), arm-compute 24's does not (`submitted()` only).
 * The same requests the three pasted services sent before the engine: no more.
 *
 * If-Match: ARM's optimistic concurrency — a resource that answers an `etag` refuses a write whose
 * If-Match is not its current etag with 412 PreconditionFailed (Azure/azure-resource-manager-rpc,
 * v1.0/Addendum.md "ETags for Resources"; Compute documents it for scale sets: "Etag is property
 * returned in Create/Update/Get response of the VMSS, so that customer can supply it in the header
 * to ensure optimistic updates", VirtualMachineScaleSets_CreateOrUpdate If-Match; the Network RP
 * answers W/"..." etags on load balancers and private link services; tools/emulator/AZURE-RULES.md
 * ARM-6).
 */
export const ETAG_ATTEMPTS = 3;

/** What the engine reads of every resource (fields every ARM resource body may carry). */
export interface ArmBody {
  etag?: string;
  tags?: Record<string, string>;
  provisioningState?: string;
}

/** What one resource declares: everything else is the engine's. */
export interface ArmResource<T extends ArmBody> {
  kind: ResourceKind;
  /** The resource id of the forward's resource (pure). */
  id(forward: string, p: HubPlacement): string;
  /** The resource name of the forward's resource (pure). */
  name(forward: string): string;
  /** One GET; a 404 is thrown (the engine reads it as absent). */
  get(clients: AzureClients, p: HubPlacement, name: string): Promise<T>;
  /** The pure spec's verdict: the body to PUT, or 'no-change'. May throw when an input is missing. */
  desired(ctx: EnsureContext, existing: T | undefined): T | 'no-change';
  /** Starts the PUT (never waits); `ifMatch`: the etag of the version the body was computed from. Answers the SDK poller. */
  put(clients: AzureClients, p: HubPlacement, name: string, body: T, ifMatch: string | undefined): Promise<unknown>;
  /** Starts the DELETE (never waits). */
  delete(clients: AzureClients, p: HubPlacement, name: string): Promise<unknown>;
}

const isPreconditionFailed = (err: unknown) => (err as { statusCode?: number }).statusCode === 412;

/** The engine applied to one resource: the ResourceService the activities call. */
export function resourceService<T extends ArmBody>(r: ArmResource<T>): ResourceService {
  const observe = (clients: AzureClients, p: HubPlacement, name: string) => readOrUndefined(() => r.get(clients, p, name));
  return {
    kind: r.kind,
    id: r.id,
    async ensure(ctx) {
      const { clients, forward, placement: p } = ctx;
      const name = r.name(forward);
      const id = r.id(forward, p);
      for (let attempt = 1; ; attempt++) {
        const existing = await observe(clients, p, name);
        const body = r.desired(ctx, existing);
        if (body === 'no-change') return keptResource(id, existing);
        try {
          return wroteResource(id, await operationUrlOf(await r.put(clients, p, name, body, existing?.etag || undefined)));
        } catch (err) {
          // Written by someone else since our GET: what we decided is stale. Observe again.
          if (!isPreconditionFailed(err) || !existing?.etag || attempt >= ETAG_ATTEMPTS) throw err;
        }
      }
    },
    async state(clients, forward, p) {
      const existing = await observe(clients, p, r.name(forward));
      return existing ? provisioningStateOf(existing.provisioningState) : 'Absent';
    },
    async remove(clients, forward, p) {
      const name = r.name(forward);
      const existing = await observe(clients, p, name);
      if (!existing) return 'gone';
      if (!isOwnedBy(existing.tags, forward)) return 'not-ours';
      if (existing.provisioningState !== 'Deleting') await readOrUndefined(() => r.delete(clients, p, name));
      return 'deleting';
    },
  };
}

/**
 * Request options that send If-Match through a Network SDK method that declares no `ifMatch`
 * parameter (arm-network's createOrUpdate of load balancers and private link services): the
 * header rides on `requestOptions.customHeaders` (@azure/core-client OperationRequestOptions).
 */
export function ifMatchHeader(ifMatch: string | undefined): { requestOptions?: { customHeaders: Record<string, string> } } {
  return ifMatch ? { requestOptions: { customHeaders: { 'If-Match': ifMatch } } } : {};
}
