import { RestError, type TableClient } from '@azure/data-tables';
import type { Env } from '../core/app-settings';
import type { Action, Actor } from '../core/responses/action';
import { safeKey, tableClient, tableReady, type StorageAccess } from './tables';

/**
 * A forward's action log on Azure Tables: what the control plane did and why (approve, reject,
 * record written or removed, conflict found; later recycles, upgrades, probes), one partition
 * per forward, newest first. Row keys are the time inverted (so the table's natural order is
 * newest first), a sequence inverted the same way (actions of one time, newest first) and a short
 * unique suffix.
 */
/** An entry as the API shows it (core/responses/action.ts). */
export type { Actor, Action };

export interface ActionPage {
  value: Action[];
  /** Opaque continuation for the next page; absent on the last one. */
  continuation?: string;
}

const TABLE = 'plfActions';
const MAX_TIME = 9_999_999_999_999;
const MAX_SEQ = 999_999_999_999;
/** Orders actions of one time (a pass writes all its actions at the pass's time): later appends first. */
let sequence = 0;

/** Whether a text is a continuation `page` gave out (base64url of a row key of this log). */
export function isContinuation(text: string): boolean {
  return /^[A-Za-z0-9_-]{1,100}$/.test(text) && /^\d{13}-\d{12}-[a-z0-9]{0,8}$/.test(Buffer.from(text, 'base64url').toString('utf8'));
}

export class ActionLog {
  private readonly client: TableClient;
  private readonly init: () => Promise<void>;

  constructor(client: TableClient) {
    this.client = client;
    this.init = tableReady(client);
  }

  static fromEnv(env: Env = process.env, access?: StorageAccess): ActionLog {
    return new ActionLog(tableClient(env, TABLE, access));
  }

  /** Appends actions (one entity each; order within a batch is kept by the sequence suffix). */
  async append(forward: string, actions: readonly Action[]): Promise<void> {
    if (!actions.length) return;
    await this.init();
    const nonce = Math.random().toString(36).slice(2, 8);
    for (const a of actions) {
      sequence = (sequence + 1) % MAX_SEQ;
      await this.client.createEntity({
        partitionKey: safeKey(forward),
        rowKey: `${String(MAX_TIME - Date.parse(a.time)).padStart(13, '0')}-${String(MAX_SEQ - sequence).padStart(12, '0')}-${nonce}`,
        ...a,
      });
    }
  }

  /** One page, newest first: `top` entries (1-200) after `continuation`. */
  async page(forward: string, top: number, continuation?: string): Promise<ActionPage> {
    await this.init();
    if (continuation !== undefined && !isContinuation(continuation)) throw new Error('not a continuation of this log');
    const after = continuation ? Buffer.from(continuation, 'base64url').toString('utf8') : undefined;
    const filter = `PartitionKey eq '${safeKey(forward).replace(/'/g, "''")}'${after ? ` and RowKey gt '${after.replace(/'/g, "''")}'` : ''}`;
    const value: Action[] = [];
    let last: string | undefined;
    const pages = this.client.listEntities<Action & { rowKey: string }>({ queryOptions: { filter } }).byPage({ maxPageSize: top + 1 });
    for await (const page of pages) {
      for (const e of page) {
        if (value.length === top) return { value, continuation: Buffer.from(last!, 'utf8').toString('base64url') };
        value.push({ time: e.time, actor: e.actor, action: e.action, target: e.target, reason: e.reason });
        last = e.rowKey;
      }
    }
    return { value };
  }

  /** Removes a forward's whole log (its registry entry is gone). */
  async removeAll(forward: string): Promise<void> {
    await this.init();
    const keys: string[] = [];
    for await (const e of this.client.listEntities({ queryOptions: { filter: `PartitionKey eq '${safeKey(forward).replace(/'/g, "''")}'`, select: ['RowKey'] } })) keys.push(String(e.rowKey));
    for (const rowKey of keys) {
      await this.client.deleteEntity(safeKey(forward), rowKey).catch((err: unknown) => {
        if (!(err instanceof RestError && err.statusCode === 404)) throw err;
      });
    }
  }
}
