import { RestError, type TableClient } from '@azure/data-tables';
import type { Env } from '../core/app-settings';
import type { ForwardSpec, Problem } from '../core/forward-spec';
import { failedPrecondition, type Preconditions } from '../core/conditional-requests';
import { emptyStatus, type ConnectionsSection, type ForwardStatus, type HealthSection, type RecycleSection } from '../core/status';
import { tableClient, tableReady, type StorageAccess } from './tables';
import { unlessRemoved, withEtagRetry } from './etag-retry';
import type { ProbesSection } from '../core/probes';

/**
 * The forward registry on Azure Tables (Azurite locally): one entity per forward with its spec,
 * generation (bumped on every real change), status with observed generation, and the entity etag
 * for optimistic concurrency (the API's ETag / If-Match). Writing a spec records the intent to
 * reconcile (`generation > observedGeneration`) before anything else happens, so a crash between
 * "spec written" and "orchestration started" is picked up by the sweep (`needingReconcile`).
 *
 * Status is kept in sections, one column per flow that owns it: `status` (the reconcile loop),
 * `connections` (the connections flow), `health` (the health sweep), `recycle` (the recycle
 * orchestration) and `probes` (probe runs and the probes timer). `natIps` (the health sweep
 * raises it, the reconcile applies it) and `recycleResumedAt` (the resume route) sit beside them. `scaleSetLease` says which orchestration may act on the forward's scale set
 * instances (the reconcile loop or a recycle; written with the entity etag, see `acquireScaleSet`). Each flow merges only its own column, and a spec
 * write merges only the spec columns, so no write overwrites another flow's part.
 */
export interface ForwardRecord {
  name: string;
  spec: ForwardSpec;
  generation: number;
  deleting: boolean;
  /** The reconcile loop's section. */
  status: ForwardStatus;
  /** The probes' section (`probes` column, absent until a probe run finishes; written only by probe runs and the probes timer). */
  probes?: ProbesSection;
  /** The connections flow's section (absent until its first pass). */
  connections?: ConnectionsSection;
  /** The health sweep's section. */
  health?: HealthSection;
  /** The recycle orchestration's section. */
  recycle?: RecycleSection;
  /** Who acts on the scale set's instances now. */
  scaleSetLease?: ScaleSetLease;
  /** NAT IPs the private link service should have (health watch; beside the spec, never lowered). */
  natIps?: NatIps;
  /** When an operator last resumed recycling (POST /api/forwards/{name}/recycling/resume). */
  recycleResumedAt?: string;
  /**
   * The forward's own node SSH public key (OpenSSH), generated once when the operator set none
   * (azure/scale-set/ssh-key.ts); its private half was never kept. Beside the spec: a re-PUT keeps it.
   */
  nodeSshPublicKey?: string;
  /**
   * Instances the reconcile loop brought to the latest model (manualUpgrade) that have not been
   * reimaged since: they still RUN the config they booted with (customData applies at boot only,
   * catalog VMSS-2). Written before the upgrade starts, cleared once the node is reimaged and back.
   */
  reimagePending?: string[];
  etag: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * One orchestration at a time acts on a forward's scale set instances: the reconcile loop while it
 * ensures the scale set and rolls nodes, or the forward's recycle. The holder names itself; the
 * lease ends when released or at `until` (a holder that died). `lastRolledAt`: when the reconcile
 * last released it after touching instances (the health watch's grace period runs from it).
 */
export interface ScaleSetLease {
  holder?: 'reconcile' | 'recycle';
  until?: string;
  lastRolledAt?: string;
}

/** The NAT IP count the health watch asked for, and when it last raised it. */
export interface NatIps {
  count: number;
  lastRaisedAt?: string;
}

/** A precondition the client sent (If-Match / If-None-Match) does not hold: the API's 412. */
export class PreconditionFailedError extends Error {}
export class ForwardNotFoundError extends Error {}
/** The spec change is one Azure cannot carry out (core/spec-change.ts): the API's 400 naming every problem. */
export class SpecChangeRefusedError extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
  }
}
/** An unconditional write lost every one of its attempts to other writers: the API's 409 (try again). */
export class ConcurrentWritesError extends Error {}

/** How often an unconditional spec write (or delete mark) is tried when others write meanwhile. */
export const PUT_ATTEMPTS = 8;

/**
 * The API's ETag of a forward: the version of what a client writes — its generation (raised by
 * every real spec change and by a delete), with its creation time so a forward deleted and
 * created again never matches an old ETag. Status writes by the flows leave it alone, so a
 * client that GETs a forward and PUTs it back with If-Match is refused (412) only when the spec
 * changed meanwhile, not because a reconcile pass or a health sweep wrote status. The entity etag
 * (`etag`) stays what every write is guarded by.
 */
export function specEtag(r: Pick<ForwardRecord, 'generation' | 'createdAt'>): string {
  return `"${r.generation}.${Date.parse(r.createdAt).toString(36)}"`;
}

const PARTITION = 'forward';
const TABLE = 'plfForwards';

interface Entity {
  partitionKey: string;
  rowKey: string;
  spec: string;
  generation: number;
  deleting: boolean;
  status: string;
  probes?: string;
  connections?: string;
  health?: string;
  recycle?: string;
  scaleSetLease?: string;
  natIps?: string;
  recycleResumedAt?: string;
  nodeSshPublicKey?: string;
  reimagePending?: string;
  createdAt: string;
  updatedAt: string;
}

export type PutOutcome = { kind: 'created' | 'updated' | 'unchanged'; record: ForwardRecord };

export class ForwardRegistry {
  private readonly client: TableClient;
  private readonly init: () => Promise<void>;

  /** A connection string (tests), or a table client built by store/tables.ts. */
  constructor(connection: string | TableClient) {
    this.client = typeof connection === 'string' ? tableClient({ AzureWebJobsStorage: connection }, TABLE) : connection;
    this.init = tableReady(this.client);
  }

  /** From the app's storage setting (AzureWebJobsStorage), as the Functions host uses it. */
  static fromEnv(env: Env = process.env, access?: StorageAccess): ForwardRegistry {
    return new ForwardRegistry(tableClient(env, TABLE, access));
  }

  async get(name: string): Promise<ForwardRecord | undefined> {
    await this.init();
    try {
      return toRecord(await this.client.getEntity<Entity>(PARTITION, name));
    } catch (err) {
      if (err instanceof RestError && err.statusCode === 404) return undefined;
      throw err;
    }
  }

  async list(): Promise<ForwardRecord[]> {
    await this.init();
    const out: ForwardRecord[] = [];
    for await (const e of this.client.listEntities<Entity>({ queryOptions: { filter: `PartitionKey eq '${PARTITION}'` } })) out.push(toRecord(e as Entity & { etag: string }));
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Creates or replaces the spec. An identical spec changes nothing (no generation bump).
   * Preconditions come only from the client (HTTP If-Match / If-None-Match, parsed and evaluated
   * as RFC 9110 13.1 says by core/conditional-requests.ts against `specEtag`): If-Match `*` (only
   * if the forward exists) or entity tags (only if one is this version), If-None-Match `*` (create
   * only) or entity tags (not while it is one of those versions); a precondition that does not
   * hold is a PreconditionFailedError (the API's 412).
   *
   * The write itself is always guarded by the etag of the version it was computed from, so it
   * never loses a generation. When it loses that race (another PUT, or a flow's status write,
   * came between the read and the write), that is not the client's business: the forward is read
   * again and the client's preconditions judged on that version — an If-Match etag no longer
   * holds (412), `If-Match: *` still does — and the write retried, up to PUT_ATTEMPTS times.
   * Without preconditions the last writer wins and each write bumps the generation.
   *
   * `refuse` (core/spec-change.ts) judges the change against the version the write is computed
   * from (the forward's current spec; undefined when it is new): problems throw a
   * SpecChangeRefusedError (the API's 400) and nothing is written.
   */
  async putSpec(name: string, spec: ForwardSpec, conditions: Preconditions = {}, refuse?: (previous: ForwardSpec | undefined, next: ForwardSpec) => Problem[]): Promise<PutOutcome> {
    await this.init();
    // 412: the entity changed since it was read; 409: it was created since; 404: removed since.
    // Read again: the client's preconditions are judged on the version now stored.
    const exhausted = (): never => {
      throw new ConcurrentWritesError(`the forward kept changing while it was written (${PUT_ATTEMPTS} attempts); try again`);
    };
    return withEtagRetry<PutOutcome>({ attempts: PUT_ATTEMPTS, retryOn: [404, 409, 412], jitter: true, exhausted }, async () => {
      const existing = await this.get(name);
      const failed = failedPrecondition(existing && specEtag(existing), conditions);
      if (failed) throw new PreconditionFailedError(failed);
      if (existing && !existing.deleting && JSON.stringify(existing.spec) === JSON.stringify(spec)) return { kind: 'unchanged', record: existing };
      const refused = refuse?.(existing?.spec, spec) ?? [];
      if (refused.length) throw new SpecChangeRefusedError(refused);
      const now = new Date().toISOString();
      const specColumns = { partitionKey: PARTITION, rowKey: name, spec: JSON.stringify(spec), generation: (existing?.generation ?? 0) + 1, deleting: false, updatedAt: now };
      // An update merges the spec columns only: the flows' status sections stay as they are.
      // The record answered is the version this write made (a later writer's is not ours).
      if (existing) {
        const res = await this.client.updateEntity(specColumns, 'Merge', { etag: existing.etag });
        return { kind: 'updated', record: { ...existing, spec, generation: specColumns.generation, deleting: false, updatedAt: now, etag: String(res.etag) } };
      }
      const created = { ...specColumns, status: JSON.stringify(emptyStatus()), createdAt: now };
      const res = await this.client.createEntity<Entity>(created);
      return { kind: 'created', record: toRecord({ ...created, etag: String(res.etag) }) };
    });
  }

  /**
   * Marks a forward for deletion (the orchestration tears it down, then calls `remove`). Like
   * `putSpec`: `conditions` are the client's (If-Match, If-None-Match; 412 when they do not hold
   * on the version stored); a write that raced another is retried on a fresh read. A forward that
   * does not exist is a ForwardNotFoundError (404) whatever the conditions: RFC 9110 13.2.1 has a
   * server ignore preconditions when the request without them would fail otherwise (here: 404).
   */
  async markDeleting(name: string, conditions: Preconditions = {}): Promise<ForwardRecord> {
    await this.init();
    // Read again: a removed forward is a 404, a changed one is judged against If-Match again.
    const exhausted = (): never => {
      throw new ConcurrentWritesError(`the forward kept changing while it was marked for deletion (${PUT_ATTEMPTS} attempts); try again`);
    };
    return withEtagRetry({ attempts: PUT_ATTEMPTS, retryOn: [404, 412], jitter: true, exhausted }, async () => {
      const existing = await this.get(name);
      if (!existing) throw new ForwardNotFoundError(name);
      const failed = failedPrecondition(specEtag(existing), conditions);
      if (failed) throw new PreconditionFailedError(failed);
      if (existing.deleting) return existing;
      const now = new Date().toISOString();
      const res = await this.client.updateEntity({ partitionKey: PARTITION, rowKey: name, deleting: true, generation: existing.generation + 1, updatedAt: now }, 'Merge', { etag: existing.etag });
      return { ...existing, deleting: true, generation: existing.generation + 1, updatedAt: now, etag: String(res.etag) };
    });
  }

  /** Writes the reconcile loop's section; the merge touches no other column. */
  async setStatus(name: string, status: ForwardStatus): Promise<void> {
    const { connections: _assembled, probes: _assembledProbes, ...own } = status;
    await this.mergeColumns(name, { status: JSON.stringify(own) });
  }

  /** Writes the probes' section; the merge touches no other column. */
  async setProbesStatus(name: string, section: ProbesSection): Promise<void> {
    await this.mergeColumns(name, { probes: JSON.stringify(section) });
  }

  /**
   * Writes the probes' section computed from the entity as read, conditionally on its etag: when
   * another write came between (another probe's run, the timer), it is read and computed again,
   * so concurrent probe writers never lose each other's result. `compute` answers undefined to
   * write nothing; a missing forward writes nothing.
   */
  async updateProbesStatus(name: string, compute: (record: ForwardRecord) => Promise<ProbesSection | undefined>): Promise<void> {
    await this.init();
    const exhausted = (): never => {
      throw new PreconditionFailedError(`the probes section of ${name} kept changing under its writer`);
    };
    await withEtagRetry({ attempts: 8, exhausted }, async () => {
      const record = await this.get(name);
      if (!record) return;
      const section = await compute(record);
      if (!section) return;
      await unlessRemoved(() => this.client.updateEntity({ partitionKey: PARTITION, rowKey: name, probes: JSON.stringify(section), updatedAt: new Date().toISOString() }, 'Merge', { etag: record.etag }), undefined);
    });
  }

  /** Writes the connections flow's section; the merge touches no other column. */
  async setConnectionsStatus(name: string, section: ConnectionsSection): Promise<void> {
    await this.mergeColumns(name, { connections: JSON.stringify(section) });
  }

  /** Writes the health sweep's section; the merge touches no other column. */
  async setHealthStatus(name: string, section: HealthSection): Promise<void> {
    await this.mergeColumns(name, { health: JSON.stringify(section) });
  }

  /** Raises the NAT IP count (never lowers it: a lower count is ignored). */
  async raiseNatIps(name: string, count: number, now: string): Promise<void> {
    await this.init();
    // Conditional on the etag read: a concurrent raise to a higher count is never lowered.
    const exhausted = (): never => {
      throw new ConcurrentWritesError(`the forward ${name} kept changing while its NAT IP count was raised`);
    };
    await withEtagRetry({ attempts: 5, exhausted }, async () => {
      const r = await this.get(name);
      if (!r || (r.natIps?.count ?? 1) >= count) return;
      const columns = { partitionKey: PARTITION, rowKey: name, natIps: JSON.stringify({ count, lastRaisedAt: now } satisfies NatIps), updatedAt: new Date().toISOString() };
      await unlessRemoved(() => this.client.updateEntity(columns, 'Merge', { etag: r.etag }), undefined);
    });
  }

  /** An operator resumes recycling (clears RecycleSuspended at the next sweep). */
  async resumeRecycling(name: string, at: string): Promise<void> {
    await this.mergeColumns(name, { recycleResumedAt: at });
  }

  /**
   * The forward's node SSH public key: the one kept with it, else `generate()`'s, written first
   * (conditionally on the entity etag, so two concurrent reconciles agree on one key) and then
   * answered — the intent is recorded before the scale set PUT that uses it. Undefined when the
   * forward does not exist.
   */
  async ensureNodeSshPublicKey(name: string, generate: () => Promise<string>): Promise<string | undefined> {
    await this.init();
    // Generated at most once per call (RSA generation takes a good part of a second): a write
    // that lost a race is tried again with the same key, unless the winner stored one.
    let key: string | undefined;
    const exhausted = (): never => {
      throw new ConcurrentWritesError(`the forward ${name} kept changing while its node SSH key was written`);
    };
    return withEtagRetry({ attempts: 5, exhausted }, async () => {
      const r = await this.get(name);
      if (!r) return undefined;
      if (r.nodeSshPublicKey) return r.nodeSshPublicKey;
      const k = (key ??= await generate());
      return unlessRemoved(async () => (await this.client.updateEntity({ partitionKey: PARTITION, rowKey: name, nodeSshPublicKey: k }, 'Merge', { etag: r.etag }), k), undefined);
    });
  }

  /**
   * Adds (`pending: true`) or removes an instance id of `reimagePending`, conditionally on the
   * entity etag (read again when another write came between). A missing forward writes nothing.
   */
  async markReimagePending(name: string, instanceId: string, pending: boolean): Promise<void> {
    await this.init();
    const exhausted = (): never => {
      throw new ConcurrentWritesError(`the forward ${name} kept changing while its pending reimages were written`);
    };
    await withEtagRetry({ attempts: 8, exhausted }, async () => {
      const r = await this.get(name);
      if (!r) return;
      const before = r.reimagePending ?? [];
      const after = pending ? [...new Set([...before, instanceId])] : before.filter((x) => x !== instanceId);
      if (after.length === before.length && after.every((x, i) => x === before[i])) return;
      await unlessRemoved(() => this.client.updateEntity({ partitionKey: PARTITION, rowKey: name, reimagePending: JSON.stringify(after) }, 'Merge', { etag: r.etag }), undefined);
    });
  }

  /** Writes the recycle orchestration's section; the merge touches no other column. */
  async setRecycleStatus(name: string, section: RecycleSection): Promise<void> {
    await this.mergeColumns(name, { recycle: JSON.stringify(section) });
  }

  /**
   * Takes the scale set for `holder` when it is free, already held by it, or its lease ran out;
   * a conditional merge (entity etag), so two takers never both win. Answers whether it holds it
   * now (and who does when not). A missing forward answers held.
   */
  async acquireScaleSet(name: string, holder: 'reconcile' | 'recycle', now: string, ttlSeconds: number): Promise<{ acquired: boolean; holder?: string }> {
    await this.init();
    return withEtagRetry<{ acquired: boolean; holder?: string }>({ attempts: 5, exhausted: () => ({ acquired: false, holder: 'unknown (contended)' }) }, async () => {
      const r = await this.get(name);
      if (!r) return { acquired: true };
      const lease = r.scaleSetLease ?? {};
      if (lease.holder && lease.holder !== holder && lease.until && lease.until > now) return { acquired: false, holder: lease.holder };
      const next: ScaleSetLease = { ...lease, holder, until: new Date(Date.parse(now) + ttlSeconds * 1000).toISOString() };
      await unlessRemoved(() => this.client.updateEntity({ partitionKey: PARTITION, rowKey: name, scaleSetLease: JSON.stringify(next) }, 'Merge', { etag: r.etag }), undefined);
      return { acquired: true };
    });
  }

  /** Releases the scale set if `holder` has it; `touched` stamps lastRolledAt (reconcile only). */
  async releaseScaleSet(name: string, holder: 'reconcile' | 'recycle', now: string, touched = false): Promise<void> {
    await this.init();
    await withEtagRetry({ attempts: 5, exhausted: () => undefined }, async () => {
      const r = await this.get(name);
      if (!r) return;
      const lease = r.scaleSetLease ?? {};
      if (lease.holder !== holder && !touched) return;
      const next: ScaleSetLease = { ...(lease.holder === holder ? {} : lease), ...(touched ? { lastRolledAt: now } : lease.lastRolledAt ? { lastRolledAt: lease.lastRolledAt } : {}) };
      await unlessRemoved(() => this.client.updateEntity({ partitionKey: PARTITION, rowKey: name, scaleSetLease: JSON.stringify(next) }, 'Merge', { etag: r.etag }), undefined);
    });
  }

  /** Merges columns into an existing entity (a forward removed meanwhile is left removed). */
  private async mergeColumns(name: string, columns: Record<string, string>): Promise<void> {
    await this.init();
    try {
      await this.client.updateEntity({ partitionKey: PARTITION, rowKey: name, ...columns, updatedAt: new Date().toISOString() }, 'Merge');
    } catch (err) {
      if (err instanceof RestError && err.statusCode === 404) return;
      throw err;
    }
  }

  /**
   * The registry side of a finished delete: removes the entry only while it is still marked for
   * deletion at `generation` (the DELETE the teardown carried out). A PUT since then (it clears
   * `deleting` and bumps the generation) keeps it: 'kept', and the forward is provisioned again.
   * The delete is conditional on the etag read, so a PUT landing between the read and the delete
   * is never lost (re-read and judged again). 'gone': there was nothing to remove.
   */
  async removeIfDeleting(name: string, generation: number): Promise<'removed' | 'kept' | 'gone'> {
    await this.init();
    const exhausted = (): never => {
      throw new ConcurrentWritesError(`the forward kept changing while its removal was decided (${PUT_ATTEMPTS} attempts)`);
    };
    return withEtagRetry<'removed' | 'kept' | 'gone'>({ attempts: PUT_ATTEMPTS, jitter: true, exhausted }, async () => {
      const existing = await this.get(name);
      if (!existing) return 'gone';
      if (!existing.deleting || existing.generation !== generation) return 'kept';
      return unlessRemoved(async () => (await this.client.deleteEntity(PARTITION, name, { etag: existing.etag }), 'removed' as const), 'gone' as const);
    });
  }

  async remove(name: string): Promise<void> {
    await this.init();
    try {
      await this.client.deleteEntity(PARTITION, name);
    } catch (err) {
      if (!(err instanceof RestError && err.statusCode === 404)) throw err;
    }
  }

  /** Forwards whose recorded intent is not reconciled yet (the sweep starts their orchestration). */
  async needingReconcile(): Promise<ForwardRecord[]> {
    return (await this.list()).filter((r) => r.deleting || r.status.observedGeneration < r.generation);
  }
}

function toRecord(e: Entity & { etag?: string }): ForwardRecord {
  return {
    name: e.rowKey,
    spec: JSON.parse(e.spec) as ForwardSpec,
    generation: Number(e.generation),
    deleting: e.deleting === true,
    status: JSON.parse(e.status) as ForwardStatus,
    ...(e.probes ? { probes: JSON.parse(e.probes) as ProbesSection } : {}),
    ...(e.connections ? { connections: JSON.parse(e.connections) as ConnectionsSection } : {}),
    ...(e.health ? { health: JSON.parse(e.health) as HealthSection } : {}),
    ...(e.recycle ? { recycle: JSON.parse(e.recycle) as RecycleSection } : {}),
    ...(e.scaleSetLease ? { scaleSetLease: JSON.parse(e.scaleSetLease) as ScaleSetLease } : {}),
    ...(e.natIps ? { natIps: JSON.parse(e.natIps) as NatIps } : {}),
    ...(e.recycleResumedAt ? { recycleResumedAt: e.recycleResumedAt } : {}),
    ...(e.nodeSshPublicKey ? { nodeSshPublicKey: e.nodeSshPublicKey } : {}),
    ...(e.reimagePending ? { reimagePending: JSON.parse(e.reimagePending) as string[] } : {}),
    etag: String(e.etag),
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  };
}

