import type { ForwardRecord } from '../store/forward-registry';

/** What GET/PUT answer about a forward (no etag in the body: it is the ETag header). */
export function forwardView(r: ForwardRecord): Record<string, unknown> {
  return { name: r.name, generation: r.generation, deleting: r.deleting, spec: r.spec, status: r.status, createdAt: r.createdAt, updatedAt: r.updatedAt };
}

export function etagHeader(r: ForwardRecord): Record<string, string> {
  return { ETag: r.etag };
}
