import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Turns the emulator's request log into the Azure RBAC operations the requests need
 * (`PUT .../Microsoft.Network/loadBalancers/lb` -> `Microsoft.Network/loadBalancers/write`) and
 * the scope ARM checks them at (the resource group, or the whole subscription for a
 * subscription-level list), and keeps them per integration run under .local/arm-scoped-operations/
 * so the roles test can check every run against the roles infra grants where it grants them.
 */
export function operationOf(method: string, rawPath: string): string | undefined {
  const segs = rawPath.split('?')[0].split('/').filter(Boolean);
  const m = method.toUpperCase();
  const last = segs.map((s) => s.toLowerCase()).lastIndexOf('providers');
  if (last < 0) {
    if (segs[0]?.toLowerCase() !== 'subscriptions') return undefined;
    // POST /subscriptions/{s}/metrics:getBatch: the Azure Monitor metrics batch API reads metrics.
    if (/^metrics:getbatch$/i.test(segs[2] ?? '')) return 'Microsoft.Insights/metrics/read';
    // /subscriptions/{s}/resourceGroups/{rg}[/...]: resource group reads (existence checks).
    if (segs[2]?.toLowerCase() === 'resourcegroups') return `Microsoft.Resources/subscriptions/resourceGroups/${verb(m)}`;
    return `Microsoft.Resources/subscriptions/${verb(m)}`;
  }
  const namespace = segs[last + 1];
  if (!namespace) return undefined;
  const rest = segs.slice(last + 2);
  // `metrics:getBatch` and the like: the type carries the action after a colon.
  const types: string[] = [];
  for (let i = 0; i < rest.length; i += 2) types.push(rest[i].split(':')[0]);
  const isAction = m === 'POST' && rest.length % 2 === 1 && rest.length > 1;
  if (isAction) {
    const action = types.pop()!;
    return `${namespace}/${types.join('/')}/${action}/action`;
  }
  if (m === 'POST' && /:/.test(rest[rest.length - 1] ?? '')) return `${namespace}/${types.join('/')}/read`; // metrics:getBatch reads
  return `${namespace}/${types.join('/')}/${verb(m)}`;
}

function verb(method: string): string {
  return method === 'PUT' || method === 'PATCH' ? 'write' : method === 'DELETE' ? 'delete' : method === 'POST' ? 'action' : 'read';
}

/**
 * Where ARM checks a request's permission: `{subscription}/{resourceGroup}` (lower case) for
 * anything in a resource group (the group itself included), `{subscription}` for a
 * subscription-level call (a list across the subscription, an operation status, the metrics
 * batch), `undefined` for a path that is not ARM's.
 */
export function scopeOf(rawPath: string): string | undefined {
  const segs = rawPath.split('?')[0].split('/').filter(Boolean).map((s) => s.toLowerCase());
  if (segs[0] !== 'subscriptions' || !segs[1]) return undefined;
  return segs[2] === 'resourcegroups' && segs[3] ? `${segs[1]}/${segs[3]}` : segs[1];
}

/** One operation at one scope. */
export interface ScopedOperation {
  operation: string;
  scope: string;
}

export const OPERATIONS_DIR = path.resolve(__dirname, '../../../.local/arm-scoped-operations');

/** The distinct operations of a request log, each with its scope. */
export function scopedOperations(entries: readonly { method: string; path: string }[]): ScopedOperation[] {
  const seen = new Map<string, ScopedOperation>();
  for (const e of entries) {
    const operation = operationOf(e.method, e.path);
    const scope = scopeOf(e.path);
    if (operation && scope) seen.set(`${operation}@${scope}`, { operation, scope });
  }
  return [...seen.values()].sort((a, b) => `${a.operation}@${a.scope}`.localeCompare(`${b.operation}@${b.scope}`));
}

/** Records the operations of one run (successful or not: a refused call would still need the action). */
export function recordOperations(run: string, entries: readonly { method: string; path: string }[]): void {
  const ops = scopedOperations(entries);
  if (!ops.length) return;
  fs.mkdirSync(OPERATIONS_DIR, { recursive: true });
  fs.writeFileSync(path.join(OPERATIONS_DIR, `${run}-${process.pid}-${Date.now()}.json`), JSON.stringify(ops, null, 1));
}

export function recordedOperations(): ScopedOperation[] {
  if (!fs.existsSync(OPERATIONS_DIR)) return [];
  const all = fs.readdirSync(OPERATIONS_DIR).filter((f) => f.endsWith('.json')).flatMap((f) => JSON.parse(fs.readFileSync(path.join(OPERATIONS_DIR, f), 'utf8')) as ScopedOperation[]);
  return [...new Map(all.map((o) => [`${o.operation}@${o.scope}`, o])).values()];
}
