import { RestError, type TableClient, type TransactionAction } from '@azure/data-tables';
import type { Env } from '../core/app-settings';
import type { ConnectionRecord } from '../core/status';
import { safeKey, tableClient, tableReady, type StorageAccess } from './tables';

/**
 * What the connections flow knows of each private endpoint connection of a forward, one row per
 * connection (partition = forward), so a forward may hold the 1000 connections a private link
 * service takes without outgrowing one entity. The endpoint and NIC ids are columns too: the
 * Event Grid trigger maps an endpoint or NIC event to its forward from here, without ARM.
 */
const TABLE = 'plfConnections';

interface Row {
  partitionKey: string;
  rowKey: string;
  data: string;
  endpointId: string;
  nicId: string;
}

export class ConnectionStore {
  private readonly client: TableClient;
  private readonly init: () => Promise<void>;

  constructor(client: TableClient) {
    this.client = client;
    this.init = tableReady(client);
  }

  static fromEnv(env: Env = process.env, access?: StorageAccess): ConnectionStore {
    return new ConnectionStore(tableClient(env, TABLE, access));
  }

  async list(forward: string): Promise<ConnectionRecord[]> {
    await this.init();
    const out: ConnectionRecord[] = [];
    for await (const e of this.client.listEntities<Row>({ queryOptions: { filter: `PartitionKey eq '${esc(safeKey(forward))}'` } })) out.push(JSON.parse(e.data) as ConnectionRecord);
    return out.sort((a, b) => a.firstSeen.localeCompare(b.firstSeen) || a.name.localeCompare(b.name));
  }

  /**
   * Makes the forward's rows equal `next`: upserts the rows that differ from `previous` and
   * deletes the ones no longer there (nothing is written when nothing changed).
   */
  async replace(forward: string, previous: readonly ConnectionRecord[], next: readonly ConnectionRecord[]): Promise<void> {
    await this.init();
    const before = new Map(previous.map((r) => [r.name, JSON.stringify(r)]));
    const pk = safeKey(forward);
    const keep = new Set(next.map((r) => r.name));
    const ops: TransactionAction[] = [
      ...next
        .filter((r) => before.get(r.name) !== JSON.stringify(r))
        .map((r): TransactionAction => ['upsert', { partitionKey: pk, rowKey: safeKey(r.name), data: JSON.stringify(r), endpointId: r.privateEndpointId.toLowerCase(), nicId: (r.nicId ?? '').toLowerCase() }, 'Replace']),
      ...previous.filter((r) => !keep.has(r.name)).map((r): TransactionAction => ['delete', { partitionKey: pk, rowKey: safeKey(r.name) }]),
    ];
    // One entity-group transaction per 100 changes (the Tables limit), all in the forward's partition.
    for (let i = 0; i < ops.length; i += 100) await this.client.submitTransaction(ops.slice(i, i + 100));
  }

  /** The forward whose connection uses this private endpoint or NIC (ids compared case-insensitively). */
  async forwardOf(resourceId: string): Promise<string | undefined> {
    await this.init();
    const id = esc(resourceId.toLowerCase());
    for await (const e of this.client.listEntities<Row>({ queryOptions: { filter: `endpointId eq '${id}' or nicId eq '${id}'`, select: ['PartitionKey', 'data'] } })) {
      return e.partitionKey === undefined ? undefined : decodeKey(String(e.partitionKey));
    }
    return undefined;
  }

  async removeAll(forward: string): Promise<void> {
    const rows = await this.list(forward);
    for (const r of rows) await this.deleteRow(safeKey(forward), safeKey(r.name));
  }

  private async deleteRow(pk: string, rk: string): Promise<void> {
    try {
      await this.client.deleteEntity(pk, rk);
    } catch (err) {
      if (!(err instanceof RestError && err.statusCode === 404)) throw err;
    }
  }
}

const esc = (s: string) => s.replace(/'/g, "''");
const decodeKey = (k: string) => k.replace(/%([0-9a-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
