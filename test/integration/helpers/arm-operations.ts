import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Turns the emulator's request log into the Azure RBAC operations the requests need
 * (`PUT .../Microsoft.Network/loadBalancers/lb` -> `Microsoft.Network/loadBalancers/write`), and
 * keeps them per integration run under .local/arm-operations/ so the roles test can check the
 * union of every run against the actions infra grants.
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

export const OPERATIONS_DIR = path.resolve(__dirname, '../../../.local/arm-operations');

/** Records the operations of one run (successful or not: a refused call would still need the action). */
export function recordOperations(run: string, entries: readonly { method: string; path: string }[]): void {
  const ops = [...new Set(entries.map((e) => operationOf(e.method, e.path)).filter((o): o is string => !!o))].sort();
  if (!ops.length) return;
  fs.mkdirSync(OPERATIONS_DIR, { recursive: true });
  fs.writeFileSync(path.join(OPERATIONS_DIR, `${run}-${process.pid}-${Date.now()}.json`), JSON.stringify(ops, null, 1));
}

export function recordedOperations(): string[] {
  if (!fs.existsSync(OPERATIONS_DIR)) return [];
  return [...new Set(fs.readdirSync(OPERATIONS_DIR).filter((f) => f.endsWith('.json')).flatMap((f) => JSON.parse(fs.readFileSync(path.join(OPERATIONS_DIR, f), 'utf8')) as string[]))].sort();
}
