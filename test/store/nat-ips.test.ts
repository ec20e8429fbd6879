import { parseForwardSpec } from '../../core/forward-spec';
import { startAzurite, type RunningAzurite } from '../../tools/devhost/durable/azurite';
import { ForwardRegistry } from '../../store/forward-registry';

/**
 * The NAT IP count the health watch keeps beside a forward's spec (Azurite): raised, never lowered,
 * also when raises race (each is conditional on the etag it read: store/etag-retry.ts).
 */
let azurite: RunningAzurite;
let env: Record<string, string>;
const parsed = parseForwardSpec({ ports: [{ port: 8000 }], targets: ['192.168.42.65'] });
if (!parsed.ok) throw new Error('bad spec');
const spec = parsed.spec;

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
  env = { AzureWebJobsStorage: azurite.connectionString };
}, 60_000);
afterAll(() => azurite?.stop());

describe('NAT IP count', () => {
  it.each([
    { situation: 'raised once', forward: 'n1', raises: [[3]], count: 3 },
    { situation: 'a lower count after a higher one is ignored', forward: 'n2', raises: [[3], [2]], count: 3 },
    { situation: 'raises to 2, 4 and 3 at once: the highest stands', forward: 'n3', raises: [[2, 4, 3]], count: 4 },
    { situation: 'a forward that does not exist: nothing written', forward: 'n4', raises: [[2]], count: undefined },
  ])('$situation', async ({ forward, raises, count }) => {
    const r = ForwardRegistry.fromEnv(env);
    if (count !== undefined) await r.putSpec(forward, spec);
    for (const batch of raises) await Promise.all(batch.map((c) => r.raiseNatIps(forward, c, '2026-12-08T04:00:00.000Z')));
    expect((await r.get(forward))?.natIps?.count).toBe(count);
  });
});
