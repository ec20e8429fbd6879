import type * as http from 'node:http';
import { renderHistory } from './history';
import { DurableEngine, InstanceGoneError, InstanceNotFoundError, StartConflictError } from './engine';
import type { Instance, RuntimeStatus } from './types';

/**
 * The Durable Functions HTTP management API (the routes and bodies the durable-functions
 * client uses through `rpcBaseUrl`, and the documented instance management API):
 *   POST   orchestrators/{name}[/{id}]            start        202 + management links; 409 if live
 *   GET    instances/{id}?showHistory&showInput   status       200 done, 202 live, 400 failed/terminated
 *   GET    instances?runtimeStatus&createdTimeFrom&createdTimeTo&instanceIdPrefix&top   list
 *   POST   instances/{id}/raiseEvent/{event}      raise        202, 404, 410 when finished
 *   POST   instances/{id}/terminate|suspend|resume?reason=
 *   DELETE instances/{id}                         purge one;   DELETE instances?filters  purge many
 */
const STATUS_CODE: Record<RuntimeStatus, number> = {
  Completed: 200,
  Pending: 202,
  Running: 202,
  ContinuedAsNew: 202,
  Suspended: 202,
  Failed: 400,
  Terminated: 400,
};

export async function handleManagementRequest(
  engine: DurableEngine,
  links: (instanceId: string) => Record<string, string>,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  path: string,
  body: Buffer,
): Promise<void> {
  const query = new URL(req.url ?? '/', 'http://x').searchParams;
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const method = (req.method ?? 'GET').toUpperCase();
  try {
    if (parts[0] === 'orchestrators' && parts.length >= 2 && method === 'POST') {
      const input = parseInput(body);
      if (input.error) return json(res, 400, { message: input.error });
      const inst = await engine.startNew(parts[1], parts[2], input.value);
      return json(res, 202, { id: inst.instanceId, ...links(inst.instanceId) }, { Location: links(inst.instanceId).statusQueryGetUri });
    }
    if (parts[0] === 'instances' && parts.length === 1) {
      if (method === 'GET') return listInstances(engine, query, req, res);
      if (method === 'DELETE') {
        let deleted = 0;
        for (const inst of filterInstances(engine.list(), query)) if (await engine.purge(inst.instanceId)) deleted++;
        return json(res, deleted ? 200 : 404, { instancesDeleted: deleted });
      }
    }
    if (parts[0] === 'instances' && parts.length >= 2) {
      const id = parts[1];
      const op = parts[2];
      if (!op && method === 'GET') {
        const inst = engine.get(id);
        if (!inst) return json(res, 404, { message: `No instance with ID '${id}' found.` });
        return json(res, STATUS_CODE[inst.status], statusOf(inst, query), inst.status === 'Completed' ? {} : { Location: links(id).statusQueryGetUri });
      }
      if (!op && method === 'DELETE') {
        const deleted = await engine.purge(id);
        return json(res, deleted ? 200 : 404, { instancesDeleted: deleted ? 1 : 0 });
      }
      const reason = query.get('reason') ?? '';
      if (op === 'raiseEvent' && parts[3] && method === 'POST') {
        const input = parseInput(body);
        if (input.error) return json(res, 400, { message: input.error });
        await engine.raiseEvent(id, parts[3], input.value);
        return empty(res, 202);
      }
      if (op === 'terminate' && method === 'POST') return (await engine.terminate(id, reason), empty(res, 202));
      if (op === 'suspend' && method === 'POST') return (await engine.suspend(id, reason), empty(res, 202));
      if (op === 'resume' && method === 'POST') return (await engine.resume(id, reason), empty(res, 202));
      if (op === 'rewind') return json(res, 501, { message: 'rewind is not supported by devhost' });
    }
    if (parts[0] === 'entities') return json(res, 501, { message: 'durable entities are not supported by devhost' });
    return json(res, 404, { message: `no durable management route ${method} ${path}` });
  } catch (err) {
    if (err instanceof InstanceNotFoundError) return json(res, 404, { message: err.message });
    if (err instanceof InstanceGoneError) return json(res, 410, { message: err.message });
    if (err instanceof StartConflictError) return json(res, 409, { message: err.message });
    throw err;
  }
}

function listInstances(engine: DurableEngine, query: URLSearchParams, req: http.IncomingMessage, res: http.ServerResponse): void {
  const all = filterInstances(engine.list(), query).sort((a, b) => a.createdTime.localeCompare(b.createdTime) || a.instanceId.localeCompare(b.instanceId));
  const top = Number(query.get('top') ?? 0) || all.length;
  const token = req.headers['x-ms-continuation-token'];
  const offset = Number(Array.isArray(token) ? token[0] : (token ?? 0)) || 0;
  const page = all.slice(offset, offset + top);
  const next: Record<string, string> = offset + top < all.length ? { 'x-ms-continuation-token': String(offset + top) } : {};
  json(res, 200, page.map((i) => statusOf(i, query)), next);
}

function filterInstances(list: Instance[], query: URLSearchParams): Instance[] {
  const statuses = query.get('runtimeStatus')?.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const from = query.get('createdTimeFrom');
  const to = query.get('createdTimeTo');
  const prefix = query.get('instanceIdPrefix');
  return list.filter(
    (i) =>
      (!statuses?.length || statuses.includes(i.status.toLowerCase())) &&
      (!from || i.createdTime >= new Date(from).toISOString()) &&
      (!to || i.createdTime <= new Date(to).toISOString()) &&
      (!prefix || i.instanceId.startsWith(prefix)),
  );
}

export function statusOf(inst: Instance, query: URLSearchParams): Record<string, unknown> {
  const showInput = query.get('showInput') !== 'false';
  const out: Record<string, unknown> = {
    name: inst.name,
    instanceId: inst.instanceId,
    runtimeStatus: inst.status,
    input: showInput ? (inst.input ?? null) : null,
    customStatus: inst.customStatus ?? null,
    output: inst.output ?? null,
    createdTime: inst.createdTime,
    lastUpdatedTime: inst.lastUpdatedTime,
  };
  if (query.get('showHistory') === 'true') {
    const history = renderHistory(inst.history, query.get('showHistoryOutput') === 'true');
    out.historyEvents = history;
    out.history = history; // the JS client's DurableOrchestrationStatus reads `history`
  }
  return out;
}

function parseInput(body: Buffer): { value?: unknown; error?: string } {
  const text = body.toString('utf8').trim();
  if (!text) return {};
  try {
    return { value: JSON.parse(text) };
  } catch {
    return { error: 'the request body must be JSON' };
  }
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

function empty(res: http.ServerResponse, status: number): void {
  res.writeHead(status);
  res.end();
}
