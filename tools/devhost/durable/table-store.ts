import { TableClient, type TransactionAction } from '@azure/data-tables';
import type { HistoryEvent } from './history';
import type { EngineStore, SaveOptions } from './store';
import type { Instance } from './types';

/**
 * Instances on Azure Table storage (Azurite locally), one partition per instance:
 *   row `meta`              the instance without its history (JSON, chunked across properties)
 *   row `h-{exec}-{000042}` one history event of execution {exec}
 * A save appends the new history rows and rewrites `meta` in one entity-group transaction, so
 * what a restarted host reads is always a state the engine was in.
 */
const CHUNK = 30_000; // characters per string property (the limit is 64 KiB of UTF-16)
const BATCH = 99; // operations per transaction (limit 100)

export class TableStore implements EngineStore {
  readonly kind = 'tables' as const;
  private readonly client: TableClient;
  private readonly persisted = new Map<string, { executionId: string; count: number }>();

  constructor(connectionString: string, hubName: string) {
    const tableName = `${hubName.replace(/[^A-Za-z0-9]/g, '')}Instances`;
    this.client = TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection: true });
  }

  async start(): Promise<void> {
    await this.client.createTable();
  }

  async stop(): Promise<void> {}

  async loadAll(): Promise<Instance[]> {
    type Row = Record<string, unknown> & { partitionKey: string; rowKey: string };
    const partitions = new Map<string, { meta?: Row; rows: Row[] }>();
    for await (const raw of this.client.listEntities<Record<string, unknown>>()) {
      const entity = raw as Row;
      const p = partitions.get(entity.partitionKey) ?? { rows: [] };
      if (entity.rowKey === 'meta') p.meta = entity;
      else p.rows.push(entity);
      partitions.set(entity.partitionKey, p);
    }
    const out: Instance[] = [];
    for (const [, p] of partitions) {
      if (!p.meta) continue;
      const meta = JSON.parse(joinChunks(p.meta, 'd')) as Omit<Instance, 'history'>;
      const prefix = `h-${meta.executionId}-`;
      const history = p.rows
        .filter((r) => r.rowKey.startsWith(prefix))
        .sort((a, b) => a.rowKey.localeCompare(b.rowKey))
        .map((r) => JSON.parse(joinChunks(r, 'e')) as HistoryEvent);
      out.push({ ...meta, history });
      this.persisted.set(meta.instanceId, { executionId: meta.executionId, count: history.length });
    }
    return out;
  }

  async save(instance: Instance, options: SaveOptions): Promise<void> {
    const pk = instance.instanceId;
    let persisted = this.persisted.get(pk);
    if (options.resetHistory || !persisted || persisted.executionId !== instance.executionId) {
      if (persisted) await this.deleteRows(pk, (rowKey) => rowKey.startsWith('h-') && !rowKey.startsWith(`h-${instance.executionId}-`));
      persisted = { executionId: instance.executionId, count: 0 };
    }
    const actions: TransactionAction[] = [];
    for (let i = persisted.count; i < instance.history.length; i++) {
      actions.push(['upsert', { partitionKey: pk, rowKey: `h-${instance.executionId}-${String(i).padStart(6, '0')}`, ...chunks(JSON.stringify(instance.history[i]), 'e') }, 'Replace']);
    }
    const { history: _history, ...meta } = instance;
    actions.push(['upsert', { partitionKey: pk, rowKey: 'meta', status: instance.status, name: instance.name, ...chunks(JSON.stringify(meta), 'd') }, 'Replace']);
    for (let at = 0; at < actions.length; at += BATCH) await this.client.submitTransaction(actions.slice(at, at + BATCH));
    this.persisted.set(pk, { executionId: instance.executionId, count: instance.history.length });
  }

  async delete(instanceId: string): Promise<void> {
    await this.deleteRows(instanceId, () => true);
    this.persisted.delete(instanceId);
  }

  private async deleteRows(partitionKey: string, which: (rowKey: string) => boolean): Promise<void> {
    const keys: string[] = [];
    const filter = `PartitionKey eq '${partitionKey.replace(/'/g, "''")}'`;
    for await (const e of this.client.listEntities({ queryOptions: { filter, select: ['RowKey'] } })) if (which(e.rowKey!)) keys.push(e.rowKey!);
    const actions: TransactionAction[] = keys.map((rowKey) => ['delete', { partitionKey, rowKey }]);
    for (let at = 0; at < actions.length; at += BATCH) await this.client.submitTransaction(actions.slice(at, at + BATCH));
  }
}

function chunks(text: string, prefix: string): Record<string, string | number> {
  const out: Record<string, string | number> = { [`${prefix}n`]: Math.max(1, Math.ceil(text.length / CHUNK)) };
  for (let i = 0, n = 0; i < Math.max(1, text.length); i += CHUNK, n++) out[`${prefix}${n}`] = text.slice(i, i + CHUNK);
  return out;
}

function joinChunks(entity: Record<string, unknown>, prefix: string): string {
  const n = Number(entity[`${prefix}n`] ?? 1);
  let text = '';
  for (let i = 0; i < n; i++) text += String(entity[`${prefix}${i}`] ?? '');
  return text;
}
