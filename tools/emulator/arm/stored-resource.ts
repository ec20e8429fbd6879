import type { ArmContext, ArmResponse, ResourceTypeHandler } from './types';
import { ArmError, invalidParameters, invalidRequestFormat, resourceNotFound, conflict } from './errors';
import { checkPreconditions, EtagStyle, newEtag } from './etag';
import { idKey } from './resource-path';
import type { EmulatorState, StoredResource } from '../state/store';
import { paginate } from './pagination';

/**
 * Generic handlers for a resource that is stored as an ARM body: GET, list (paged), PUT (full
 * replace, etag, If-Match / If-None-Match, tags), PATCH (tags only or merge), DELETE, optionally
 * long-running through the shared LRO engine, with the Event Grid write/delete events emitted
 * when the change takes effect. A provider supplies the type-specific parts:
 *
 * - build(): validate the request body (throw invalidParameters naming every problem) and return
 *   the body to store (without id/name/type/etag) plus internal state;
 * - afterWrite(): side effects once stored (allocate IPs, create NICs, child resources);
 * - beforeDelete(): throw a 409 while something still references the resource;
 * - afterDelete(): release what it held;
 * - render(): computed fields added to every answer (e.g. embedded children).
 */
export interface StoredTypeSpec {
  type: string;
  etagStyle?: EtagStyle;
  /** Network RP: true (201 + Azure-AsyncOperation). Private DNS record sets: false. */
  longRunning: boolean;
  /** Tracked top-level resource: carries location (required on PUT) and tags. */
  tracked: boolean;
  /** PATCH semantics: 'tags' (Network updateTags), 'merge' (DNS record set update), or unsupported. */
  patch?: 'tags' | 'merge';
  /** Where provisioningState lives; omitted for types that have none (DNS record sets). */
  provisioningState?: boolean;
  build(ctx: ArmContext, input: { body: Record<string, unknown>; existing?: StoredResource; id: string }): {
    body: Record<string, unknown>;
    internal?: Record<string, unknown>;
  };
  afterWrite?(ctx: ArmContext, r: StoredResource, previous?: StoredResource): void;
  beforeDelete?(ctx: ArmContext, r: StoredResource): void;
  afterDelete?(ctx: ArmContext, r: StoredResource): void;
  render?(ctx: ArmContext, r: StoredResource, out: Record<string, unknown>): Record<string, unknown>;
  /** A create/update operation that lasts longer or fails on its own (e.g. ACI retrying an image pull). */
  writeOperation?(ctx: ArmContext, r: StoredResource): { delayMs?: number; failWith?: { code: string; message: string } } | undefined;
  /** DELETE is accepted while a write operation still runs (ACI: delete a group stuck pulling its image). */
  deleteDuringWrite?: boolean;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The request body as an object, or 400 InvalidRequestFormat. */
export function requireObjectBody(ctx: ArmContext): Record<string, unknown> {
  const b = ctx.req.body;
  if (!isObject(b)) throw invalidRequestFormat('The request content was invalid and could not be deserialized: expected a JSON object.');
  return b;
}

/** Builds the canonical id: canonical type casing, resource group casing as stored, names as sent. */
export function canonicalId(ctx: ArmContext, type: string): string {
  const p = ctx.req.path;
  const rg = p.resourceGroup ? ctx.emu.state.get(`/subscriptions/${p.subscriptionId}/resourceGroups/${p.resourceGroup}`) : undefined;
  const [ns, ...types] = type.split('/');
  let id = `/subscriptions/${p.subscriptionId}`;
  if (p.resourceGroup) id += `/resourceGroups/${rg?.name ?? p.resourceGroup}`;
  id += `/providers/${ns}`;
  types.forEach((t, k) => {
    id += `/${t}/${p.names[k]}`;
  });
  return id;
}

/** Standard answer body: name, id, etag, type, then the stored body. */
export function renderStored(r: StoredResource): Record<string, unknown> {
  return { name: r.name, id: r.id, etag: r.etag, type: r.type, ...r.body };
}

export function setProvisioningState(r: StoredResource, state: string): void {
  const props = isObject(r.body.properties) ? r.body.properties : (r.body.properties = {});
  (props as Record<string, unknown>).provisioningState = state;
}

/** provisioningStates that only a running long-running operation ever ends. */
const MID_OPERATION = new Set(['creating', 'updating', 'deleting']);

/**
 * After a load from a state file, a resource still mid-operation has lost its operation (the
 * emulator ended without a graceful stop, which finishes them). It is set Failed, as Azure shows a
 * resource whose operation failed; a client repairs it by PUTting again. Returns the ids.
 */
export function failInterruptedOperations(state: EmulatorState): string[] {
  const failed: string[] = [];
  for (const r of state.resources.values()) {
    const props = r.body.properties;
    const current = isObject(props) ? (props as Record<string, unknown>).provisioningState : undefined;
    if (typeof current === 'string' && MID_OPERATION.has(current.toLowerCase())) {
      setProvisioningState(r, 'Failed');
      failed.push(r.id);
    }
  }
  return failed.sort();
}

export function preconditionHeaders(ctx: ArmContext): { ifMatch?: string; ifNoneMatch?: string } {
  const h = ctx.req.headers;
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(',') : v);
  return { ifMatch: one(h['if-match']), ifNoneMatch: one(h['if-none-match']) };
}

function parentOf(id: string): string {
  // Child resource: strip the last "/{type}/{name}".
  return id.split('/').slice(0, -2).join('/');
}

export function storedResourceHandlers(spec: StoredTypeSpec): ResourceTypeHandler {
  const depth = spec.type.split('/').length - 1;
  const isChild = depth > 1;
  const typeName = spec.type.split('/').slice(1).join('/');

  const notFound = (ctx: ArmContext) => {
    const p = ctx.req.path;
    return resourceNotFound(spec.type, p.names.join('/'), p.resourceGroup);
  };

  const render = (ctx: ArmContext, r: StoredResource) => {
    const out = renderStored(r);
    return spec.render ? spec.render(ctx, r, out) : out;
  };

  const requireParent = (ctx: ArmContext) => {
    if (!isChild) return;
    const parentId = parentOf(ctx.req.path.id);
    if (!ctx.emu.state.get(parentId)) {
      const p = ctx.req.path;
      throw resourceNotFound(spec.type.split('/').slice(0, -1).join('/'), p.names.slice(0, -1).join('/'), p.resourceGroup);
    }
  };

  const write = (ctx: ArmContext, body: Record<string, unknown>, existing: StoredResource | undefined): ArmResponse => {
    const { emu, req } = ctx;
    const id = existing?.id ?? canonicalId(ctx, spec.type);
    if (spec.longRunning && emu.lro.pendingFor(id)) {
      throw conflict('AnotherOperationInProgress', `Another operation on this or dependent resource is in progress. Resource: ${id}.`);
    }
    const noLocation = spec.tracked && typeof body.location !== 'string' && !existing;
    const badTags = body.tags !== undefined && !(isObject(body.tags) && Object.values(body.tags).every((v) => typeof v === 'string'));
    if (noLocation && !badTags) throw new ArmError(400, 'LocationRequired', "The 'location' property is required for this resource.");
    if (badTags) throw invalidParameters([...(noLocation ? ["The 'location' property is required for this resource."] : []), "The 'tags' property must be an object of strings."]);
    const built = spec.build(ctx, { body, existing, id });
    const now = ctx.emu.clock.iso();
    const stored: StoredResource = {
      id,
      type: spec.type,
      name: req.path.names[req.path.names.length - 1],
      subscriptionId: req.path.subscriptionId,
      resourceGroup: existing?.resourceGroup ?? id.split('/')[4],
      etag: newEtag(spec.etagStyle),
      body: {
        ...(spec.tracked ? { location: body.location ?? existing?.body.location } : {}),
        ...(spec.tracked && body.tags !== undefined ? { tags: body.tags } : {}),
        ...built.body,
      },
      internal: { ...(existing?.internal ?? {}), ...(built.internal ?? {}) },
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    if (spec.provisioningState) setProvisioningState(stored, spec.longRunning ? (existing ? 'Updating' : 'Creating') : 'Succeeded');
    emu.state.set(stored);
    spec.afterWrite?.(ctx, stored, existing);
    const status = existing ? 200 : 201;
    const emitWrite = () =>
      emu.events.publishResource({ kind: 'write', resourceId: id, resourceType: spec.type, subscriptionId: req.path.subscriptionId, tenantId: emu.options.tenantId });
    if (!spec.longRunning) {
      emitWrite();
      return { status, body: render(ctx, stored) };
    }
    const own = spec.writeOperation?.(ctx, stored);
    const op = emu.lro.begin({
      subscriptionId: req.path.subscriptionId,
      namespace: spec.type.split('/')[0],
      location: String(stored.body.location ?? emu.state.get(parentOf(id))?.body.location ?? 'westeurope'),
      resourceId: id,
      failWith: req.failLro ?? own?.failWith,
      ...(own?.delayMs !== undefined ? { delayMs: own.delayMs } : {}),
      onSucceeded: () => {
        const cur = emu.state.get(id);
        if (cur && spec.provisioningState) setProvisioningState(cur, 'Succeeded');
        emitWrite();
      },
      onFailed: () => {
        const cur = emu.state.get(id);
        if (cur && spec.provisioningState) setProvisioningState(cur, 'Failed');
      },
    });
    return emu.lro.accepted(op, { baseUrl: req.baseUrl, apiVersion: req.apiVersion, method: 'PUT' }, status, render(ctx, stored));
  };

  const handlers: ResourceTypeHandler = {
    type: spec.type,
    get(ctx) {
      const r = ctx.emu.state.get(ctx.req.path.id);
      if (!r) throw notFound(ctx);
      return { status: 200, body: render(ctx, r) };
    },
    list(ctx) {
      const p = ctx.req.path;
      const items = isChild ? ctx.emu.state.children(p.parentId, spec.type) : ctx.emu.state.list(spec.type, p.parentId);
      if (isChild && !ctx.emu.state.get(p.parentId)) throw resourceNotFound(spec.type.split('/').slice(0, -1).join('/'), p.names.join('/'), p.resourceGroup);
      return paginate(ctx, items.map((r) => render(ctx, r)));
    },
    put(ctx) {
      const body = requireObjectBody(ctx);
      requireParent(ctx);
      const existing = ctx.emu.state.get(ctx.req.path.id);
      checkPreconditions(preconditionHeaders(ctx), existing?.etag, `${typeName}/${ctx.req.path.names.join('/')}`);
      return write(ctx, body, existing);
    },
    delete(ctx) {
      const { emu, req } = ctx;
      const existing = emu.state.get(req.path.id);
      checkPreconditions(preconditionHeaders(ctx), existing?.etag, `${typeName}/${req.path.names.join('/')}`);
      if (!existing) return { status: 204 };
      if (spec.longRunning && !spec.deleteDuringWrite && emu.lro.pendingFor(existing.id)) {
        throw conflict('AnotherOperationInProgress', `Another operation on this or dependent resource is in progress. Resource: ${existing.id}.`);
      }
      spec.beforeDelete?.(ctx, existing);
      const finish = () => {
        const cur = emu.state.get(existing.id);
        if (!cur) return;
        emu.state.delete(existing.id);
        emu.state.ips.releaseOwner(existing.id);
        spec.afterDelete?.(ctx, cur);
        emu.events.publishResource({ kind: 'delete', resourceId: existing.id, resourceType: spec.type, subscriptionId: req.path.subscriptionId, tenantId: emu.options.tenantId });
      };
      if (!spec.longRunning) {
        finish();
        return { status: 200 };
      }
      if (spec.provisioningState) setProvisioningState(existing, 'Deleting');
      const previousState = 'Succeeded';
      const op = emu.lro.begin({
        subscriptionId: req.path.subscriptionId,
        namespace: spec.type.split('/')[0],
        location: String(existing.body.location ?? 'westeurope'),
        resourceId: existing.id,
        failWith: req.failLro,
        onSucceeded: finish,
        onFailed: () => {
          const cur = emu.state.get(existing.id);
          if (cur && spec.provisioningState) setProvisioningState(cur, previousState === 'Succeeded' ? 'Failed' : previousState);
        },
      });
      return emu.lro.accepted(op, { baseUrl: req.baseUrl, apiVersion: req.apiVersion, method: 'DELETE' }, 202);
    },
  };
  if (spec.patch) {
    handlers.patch = (ctx) => {
      const body = requireObjectBody(ctx);
      const existing = ctx.emu.state.get(ctx.req.path.id);
      checkPreconditions(preconditionHeaders(ctx), existing?.etag, `${typeName}/${ctx.req.path.names.join('/')}`);
      if (!existing) throw notFound(ctx);
      if (spec.patch === 'tags') {
        if (body.tags !== undefined && !isObject(body.tags)) throw new ArmError(400, 'InvalidParameter', "The 'tags' property must be an object of strings.");
        existing.body.tags = body.tags ?? {};
        existing.etag = newEtag(spec.etagStyle);
        existing.updatedAt = ctx.emu.clock.iso();
        ctx.emu.events.publishResource({ kind: 'write', resourceId: existing.id, resourceType: spec.type, subscriptionId: existing.subscriptionId, tenantId: ctx.emu.options.tenantId });
        return { status: 200, body: render(ctx, existing) };
      }
      const merged = mergePatch(existing.body, body);
      return write(ctx, merged, existing);
    };
  }
  return handlers;
}

/** Dictionaries ARM replaces as a whole on PATCH instead of merging key by key. */
const REPLACED_ON_PATCH = new Set(['tags', 'metadata']);

/** JSON merge patch (RFC 7386) used for PATCH 'merge' semantics; tags/metadata are replaced whole. */
export function mergePatch(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...target };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (isObject(v) && isObject(out[k]) && !REPLACED_ON_PATCH.has(k)) out[k] = mergePatch(out[k] as Record<string, unknown>, v);
    else out[k] = v;
  }
  return out;
}

export { idKey };
