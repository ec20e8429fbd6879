import { RestError, type TableClient } from '@azure/data-tables';
import type { Env } from '../core/app-settings';
import type { ProbeRunResult, ProbeState } from '../core/probes';
import { safeKey, tableClient, tableReady } from './tables';

/**
 * Probe runs on Azure Tables, one partition per forward, newest first (row key = start time
 * inverted + run id, as the action log). A run is written when it starts (`outcome: running`,
 * so a killed host leaves a trace the sweep can close as `interrupted`) and replaced when it
 * finishes. Bounded per forward by age and count (`prune`). A second table keeps each probe's
 * schedule and failure count (`ProbeStateStore`).
 */
export type StoredRun = Omit<ProbeRunResult, 'outcome' | 'finishedAt'> & { outcome: ProbeRunResult['outcome'] | 'running'; finishedAt?: string };

/** A run that has finished is written whole (finishedAt, outcome): the result the API shows. */
export const isFinishedRun = (run: StoredRun): run is ProbeRunResult => run.outcome !== 'running';

export interface RunPage {
  value: ProbeRunResult[];
  continuation?: string;
}

const RUNS = 'plfProbeRuns';
const STATES = 'plfProbeState';
const MAX_TIME = 9_999_999_999_999;
const q = (s: string) => s.replace(/'/g, "''");

interface RunEntity {
  partitionKey: string;
  rowKey: string;
  runId: string;
  subnetKey: string;
  outcome: string;
  startedAt: string;
  body: string;
}

/** Whether a text is a continuation `page` gave out (base64url of a run's row key). */
export function isRunContinuation(text: string): boolean {
  return /^[A-Za-z0-9_-]{1,200}$/.test(text) && /^\d{13}-[0-9a-f-]{36}$/.test(Buffer.from(text, 'base64url').toString('utf8'));
}

export const runRowKey = (startedAt: string, runId: string) => `${String(MAX_TIME - Date.parse(startedAt)).padStart(13, '0')}-${runId}`;

export class ProbeHistory {
  private readonly client: TableClient;
  private readonly init: () => Promise<void>;

  constructor(client: TableClient) {
    this.client = client;
    this.init = tableReady(client);
  }

  static fromEnv(env: Env = process.env): ProbeHistory {
    return new ProbeHistory(tableClient(env, RUNS));
  }

  /** Writes (or replaces) a run. */
  async put(run: StoredRun): Promise<void> {
    await this.init();
    const e: RunEntity = {
      partitionKey: safeKey(run.forward),
      rowKey: runRowKey(run.startedAt, run.runId),
      runId: run.runId,
      subnetKey: run.subnetId.toLowerCase(),
      outcome: run.outcome,
      startedAt: run.startedAt,
      body: JSON.stringify(run),
    };
    await this.client.upsertEntity(e, 'Replace');
  }

  async get(forward: string, runId: string): Promise<StoredRun | undefined> {
    await this.init();
    for await (const e of this.client.listEntities<RunEntity>({ queryOptions: { filter: `PartitionKey eq '${q(safeKey(forward))}' and runId eq '${q(runId)}'` } })) return JSON.parse(e.body) as StoredRun;
    return undefined;
  }

  /** Finished runs, newest first, optionally of one subnet: `top` (1-200) after `continuation`. */
  async page(forward: string, top: number, opts: { continuation?: string; subnetId?: string } = {}): Promise<RunPage> {
    await this.init();
    const after = opts.continuation ? Buffer.from(opts.continuation, 'base64url').toString('utf8') : undefined;
    const filter = [
      `PartitionKey eq '${q(safeKey(forward))}'`,
      `outcome ne 'running'`,
      ...(after ? [`RowKey gt '${q(after)}'`] : []),
      ...(opts.subnetId ? [`subnetKey eq '${q(opts.subnetId.toLowerCase())}'`] : []),
    ].join(' and ');
    const value: ProbeRunResult[] = [];
    let last: string | undefined;
    for await (const page of this.client.listEntities<RunEntity>({ queryOptions: { filter } }).byPage({ maxPageSize: top + 1 })) {
      for (const e of page) {
        if (value.length === top) return { value, continuation: Buffer.from(last!, 'utf8').toString('base64url') };
        value.push(JSON.parse(e.body) as ProbeRunResult);
        last = e.rowKey;
      }
    }
    return { value };
  }

  /** Keeps a forward's newest `maxCount` runs not older than `maxAgeMs`. */
  async prune(forward: string, maxCount: number, maxAgeMs: number, now = Date.now()): Promise<number> {
    await this.init();
    const keys: { rowKey: string; startedAt: string }[] = [];
    for await (const e of this.client.listEntities<RunEntity>({ queryOptions: { filter: `PartitionKey eq '${q(safeKey(forward))}'`, select: ['RowKey', 'startedAt'] } })) keys.push({ rowKey: String(e.rowKey), startedAt: String(e.startedAt) });
    const doomed = keys.filter((k, i) => i >= maxCount || now - Date.parse(k.startedAt) > maxAgeMs);
    for (const k of doomed) await this.client.deleteEntity(safeKey(forward), k.rowKey).catch(ignore404);
    return doomed.length;
  }

  async removeAll(forward: string): Promise<void> {
    await this.prune(forward, 0, 0);
  }
}

function ignore404(err: unknown): void {
  if (!(err instanceof RestError && err.statusCode === 404)) throw err;
}

interface StateEntity {
  partitionKey: string;
  rowKey: string;
  body: string;
}

/** Each probe's schedule and failure count, one row per (forward, probe key). */
export class ProbeStateStore {
  private readonly client: TableClient;
  private readonly init: () => Promise<void>;

  constructor(client: TableClient) {
    this.client = client;
    this.init = tableReady(client);
  }

  static fromEnv(env: Env = process.env): ProbeStateStore {
    return new ProbeStateStore(tableClient(env, STATES));
  }

  async list(forward: string): Promise<ProbeState[]> {
    await this.init();
    const out: ProbeState[] = [];
    for await (const e of this.client.listEntities<StateEntity>({ queryOptions: { filter: `PartitionKey eq '${q(safeKey(forward))}'` } })) out.push(JSON.parse(e.body) as ProbeState);
    return out;
  }

  async get(forward: string, key: string): Promise<ProbeState | undefined> {
    await this.init();
    try {
      return JSON.parse((await this.client.getEntity<StateEntity>(safeKey(forward), key)).body) as ProbeState;
    } catch (err) {
      if (err instanceof RestError && err.statusCode === 404) return undefined;
      throw err;
    }
  }

  async put(forward: string, s: ProbeState): Promise<void> {
    await this.init();
    await this.client.upsertEntity<StateEntity>({ partitionKey: safeKey(forward), rowKey: s.probeKey, body: JSON.stringify(s) }, 'Replace');
  }

  async remove(forward: string, key: string): Promise<void> {
    await this.init();
    await this.client.deleteEntity(safeKey(forward), key).catch(ignore404);
  }

  async removeAll(forward: string): Promise<void> {
    await this.init();
    for (const s of await this.list(forward)) await this.client.deleteEntity(safeKey(forward), s.probeKey).catch(ignore404);
  }

  /** When the probes timer last swept leftover probe groups (core/probe-tick.ts cleanupDue); a row of its own, outside any forward's partition. */
  async lastCleanupAt(): Promise<string | undefined> {
    await this.init();
    try {
      return (JSON.parse((await this.client.getEntity<StateEntity>(CLEANUP.partitionKey, CLEANUP.rowKey)).body) as { at: string }).at;
    } catch (err) {
      if (err instanceof RestError && err.statusCode === 404) return undefined;
      throw err;
    }
  }

  async setLastCleanupAt(at: string): Promise<void> {
    await this.init();
    await this.client.upsertEntity<StateEntity>({ ...CLEANUP, body: JSON.stringify({ at }) }, 'Replace');
  }
}

/** The cleanup sweep's row: `~` never begins a forward name (a DNS label), so no forward's partition holds it. */
const CLEANUP = { partitionKey: '~probes-timer', rowKey: 'cleanup' };
