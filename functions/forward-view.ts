import type { Forward } from '../core/responses/forward';
import { assembleStatus, withProbes, type ConnectionRecord, type ForwardStatus } from '../core/status';
import { specEtag, type ForwardRecord } from '../store/forward-registry';

/**
 * What the API answers about a forward (core/responses/forward.ts; no etag in the body: it is the ETag header). The status
 * is assembled from each flow's section (core/status.ts); `rows` are the connections, read only
 * by GET (PUT and DELETE answer without them).
 */
export function forwardView(r: ForwardRecord, rows?: readonly ConnectionRecord[]): Forward {
  return { name: r.name, generation: r.generation, deleting: r.deleting, spec: r.spec, status: statusOf(r, rows), createdAt: r.createdAt, updatedAt: r.updatedAt };
}

/** The status as every view shows it: each flow's section assembled (connections only when `rows` were read). */
export function statusOf(r: ForwardRecord, rows?: readonly ConnectionRecord[]): ForwardStatus {
  const health = { ...(r.health ? { section: r.health } : {}), ...(r.recycle ? { recycle: r.recycle } : {}) };
  const status = assembleStatus(r.status, r.connections, rows ?? [], health, r.deleting);
  if (!rows) delete status.connections;
  return withProbes(status, r.probes);
}

export function etagHeader(r: ForwardRecord): Record<string, string> {
  return { ETag: specEtag(r) };
}
