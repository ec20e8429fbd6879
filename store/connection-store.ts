import { RestError, type TableClient, type TransactionAction } from '@azure/data-tables';
import type { Env } from '../core/app-settings';
import type { ConnectionRecord } from '../core/status';
import { safeKey, tableClient, tableReady, type StorageAccess } from './tables';

/**
 * What the connections flow knows of each private endpoint connection of a forward, one row per
 * connection (partition = forward), so a forward may hold the 1000 connections a private link
 * service takes without outgrowing one entity.
 *
 * The Event Grid trigger maps an endpoint or NIC event to its forward from here, without ARM:
 * an index partition (`~resource`, which no forward name can be) holds one row per endpoint id
 * and NIC id (row key = the lower-case id) naming the forward, so the look-up is one point read
 * however many forwards and connections there are, not a scan of the table. The index is written
 * after the forward's rows and only for rows that changed (an unchanged pass writes nothing). It
 * may lag or, after a race, name a forward that no longer holds the connection: an event is only
 * a wake-up call, and a connection the index does not know is routed through ARM
 * (orchestrations/route-resource-event.ts).
 */
const TABLE = 'plfConnections';
const INDEX = '~resource';

interface Row {
  partitionKey: string;
  rowKey: string;
  data: string;
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
        .map((r): TransactionAction => ['upsert', { partitionKey: pk, rowKey: safeKey(r.name), data: JSON.stringify(r) }, 'Replace']),
      ...previous.filter((r) => !keep.has(r.name)).map((r): TransactionAction => ['delete', { partitionKey: pk, rowKey: safeKey(r.name) }]),
    ];
    // One entity-group transaction per 100 changes (the Tables limit), all in the forward's partition.
    for (let i = 0; i < ops.length; i += 100) await this.client.submitTransaction(ops.slice(i, i + 100));
    // Then the index: the ids of changed rows point here; ids no row of this forward uses any more go.
    const ids = (r: ConnectionRecord) => [r.privateEndpointId, r.nicId].filter((x): x is string => !!x).map((x) => x.toLowerCase());
    const changed = next.filter((r) => before.get(r.name) !== JSON.stringify(r));
    const stillUsed = new Set(next.flatMap(ids));
    const pointHere = [...new Set(changed.flatMap(ids))];
    const dropped = [...new Set(previous.flatMap(ids))].filter((id) => !stillUsed.has(id));
    const upserts = pointHere.map((id): TransactionAction => ['upsert', { partitionKey: INDEX, rowKey: safeKey(id), forward }, 'Replace']);
    for (let i = 0; i < upserts.length; i += 100) await this.client.submitTransaction(upserts.slice(i, i + 100));
    for (const id of dropped) await this.dropIndex(id, forward);
  }

  /** Deletes the index row of `id` if it still names `forward` (another forward may have taken the connection meanwhile). */
  private async dropIndex(id: string, forward: string): Promise<void> {
    try {
      const e = await this.client.getEntity<{ forward: string }>(INDEX, safeKey(id));
      if (e.forward === forward) await this.client.deleteEntity(INDEX, safeKey(id), { etag: e.etag });
    } catch (err) {
      // Gone already, or rewritten between the read and the delete (412): either way not ours to delete.
      if (!(err instanceof RestError && (err.statusCode === 404 || err.statusCode === 412))) throw err;
    }
  }

  /** The forward whose connection uses this private endpoint or NIC (ids compared case-insensitively): one point read of the index. */
  async forwardOf(resourceId: string): Promise<string | undefined> {
    await this.init();
    try {
      const e = await this.client.getEntity<{ forward: string }>(INDEX, safeKey(resourceId.toLowerCase()), { queryOptions: { select: ['forward'] } });
      return e.forward || undefined;
    } catch (err) {
      if (err instanceof RestError && err.statusCode === 404) return undefined;
      throw err;
    }
  }

  async removeAll(forward: string): Promise<void> {
    const rows = await this.list(forward);
    await this.replace(forward, rows, []);
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
