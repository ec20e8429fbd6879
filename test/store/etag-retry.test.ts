import { RestError, type TableClient } from '@azure/data-tables';
import { startAzurite, type RunningAzurite } from '../../tools/devhost/durable/azurite';
import { tableClient, tableReady } from '../../store/tables';
import { unlessRemoved, withEtagRetry } from '../../store/etag-retry';

/**
 * The registry's one read-modify-write loop (store/etag-retry.ts) on a real Azure Tables entity
 * (Azurite): a write conditional on the etag read that another writer beat is run again on a
 * fresh read; a lost race every time answers `exhausted`; an entity removed meanwhile is `gone`.
 */
let azurite: RunningAzurite;
let table: TableClient;
beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
  table = tableClient({ AzureWebJobsStorage: azurite.connectionString }, 'etagRetry');
  await tableReady(table)();
}, 60_000);
afterAll(() => azurite?.stop());

/** Adds `by` to the counter of `row` in one read-modify-write; `interfere` runs between the read and the write. */
async function add(row: string, by: number, interfere: (attempt: number) => Promise<void>, attempts = 3) {
  let attempt = 0;
  return withEtagRetry<number | 'exhausted'>({ attempts, exhausted: () => 'exhausted' }, async () => {
    const e = await table.getEntity<{ n: number }>('p', row);
    await interfere(++attempt);
    await table.updateEntity({ partitionKey: 'p', rowKey: row, n: e.n + by }, 'Merge', { etag: e.etag });
    return attempt;
  });
}
const other = (row: string) => table.updateEntity({ partitionKey: 'p', rowKey: row, n: 100 }, 'Merge');
const n = async (row: string) => (await table.getEntity<{ n: number }>('p', row)).n;

describe('withEtagRetry', () => {
  it.each([
    { situation: 'nobody writes between: one attempt', row: 'a', interferes: 0, answer: 1, stored: 1 },
    { situation: 'another writer beats the first attempt: the second reads its value and adds to it', row: 'b', interferes: 1, answer: 2, stored: 101 },
    { situation: 'another writer beats every attempt: exhausted, and the last write stands', row: 'c', interferes: 3, answer: 'exhausted', stored: 100 },
  ])('$situation', async ({ row, interferes, answer, stored }) => {
    await table.createEntity({ partitionKey: 'p', rowKey: row, n: 0 });
    expect(await add(row, 1, async (attempt) => void (attempt <= interferes && (await other(row))))).toBe(answer);
    expect(await n(row)).toBe(stored);
  });

  it('a status not listed in retryOn is the attempt\'s own answer: thrown, not retried', async () => {
    let attempts = 0;
    const err = await withEtagRetry<unknown>({ attempts: 3, retryOn: [412], exhausted: () => 'exhausted' }, async () => {
      attempts++;
      return table.getEntity('p', 'missing');
    }).catch((e: unknown) => e);
    expect([(err as RestError).statusCode, attempts]).toEqual([404, 1]);
  });

  it('retryOn 404: an entity that appears meanwhile is read again (the create race)', async () => {
    let attempts = 0;
    const got = await withEtagRetry({ attempts: 3, retryOn: [404], exhausted: () => undefined }, async () => {
      if (++attempts === 2) await table.createEntity({ partitionKey: 'p', rowKey: 'late', n: 7 });
      return (await table.getEntity<{ n: number }>('p', 'late')).n;
    });
    expect([got, attempts]).toEqual([7, 2]);
  });
});

describe('unlessRemoved', () => {
  it('an entity removed between the read and the conditional write answers `gone`', async () => {
    await table.createEntity({ partitionKey: 'p', rowKey: 'r', n: 0 });
    const e = await table.getEntity('p', 'r');
    await table.deleteEntity('p', 'r');
    expect(await unlessRemoved(async () => (await table.updateEntity({ partitionKey: 'p', rowKey: 'r', n: 1 }, 'Merge', { etag: e.etag }), 'written'), 'gone')).toBe('gone');
  });
});
