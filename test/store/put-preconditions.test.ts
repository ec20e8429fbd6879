import { parseEntityTagCondition, type Preconditions } from '../../core/conditional-requests';
import { parseForwardSpec, type ForwardSpec } from '../../core/forward-spec';
import { emptyStatus } from '../../core/status';
import { startAzurite, type RunningAzurite } from '../../tools/devhost/durable/azurite';
import { ForwardNotFoundError, ForwardRegistry, PreconditionFailedError, specEtag, type PutOutcome } from '../../store/forward-registry';

/**
 * Spec writes against Azurite: a 412 answers only a precondition the client sent (If-Match,
 * If-None-Match). Without one, a write that races another writer (another PUT, a flow's status
 * write) is retried on a fresh read and succeeds: the last writer wins, and every write bumps the
 * generation. With one, it is judged again on the version now stored: the API's ETag is the
 * spec's version (`specEtag`), so an ETag read before a status write still matches (written), one
 * read before another spec write does not (412), and `*` always does. The fields are given as a
 * client sends them and parsed as the API parses them (`*` or a list of entity tags, RFC 9110 13.1).
 */
let azurite: RunningAzurite;
let env: Record<string, string>;
/** The If-Match / If-None-Match values as the API hands them to the store. */
function conditions(ifMatch?: string, ifNoneMatch?: string): Preconditions {
  const parse = (v: string) => {
    const parsed = parseEntityTagCondition(v);
    if ('problem' in parsed) throw new Error(`malformed in the test: ${v}`);
    return parsed.condition;
  };
  return { ...(ifMatch !== undefined ? { ifMatch: parse(ifMatch) } : {}), ...(ifNoneMatch !== undefined ? { ifNoneMatch: parse(ifNoneMatch) } : {}) };
}
const specFor = (i: number): ForwardSpec => {
  const r = parseForwardSpec({ ports: [{ port: 8000 + i }], targets: ['192.168.42.65'] });
  if (!r.ok) throw new Error('bad spec');
  return r.spec;
};

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
  env = { AzureWebJobsStorage: azurite.connectionString };
}, 60_000);
afterAll(() => azurite?.stop());
afterEach(() => jest.restoreAllMocks());

/** The registry, with another writer's write landing between its first read and its write: a flow's status, or another client's spec. */
function withStatusWriteAfterFirstRead(r: ForwardRegistry, name: string, other: 'status' | 'spec' = 'status'): ForwardRegistry {
  const read = r.get.bind(r);
  const writer = ForwardRegistry.fromEnv(env);
  let first = true;
  jest.spyOn(r, 'get').mockImplementation(async (n: string) => {
    const got = await read(n);
    if (first && n === name && got) {
      first = false;
      if (other === 'status') await writer.setStatus(name, { ...emptyStatus(), phase: 'Ready', observedGeneration: got.generation });
      else await writer.putSpec(name, specFor(7));
    }
    return got;
  });
  return r;
}

describe('concurrent PUTs without a precondition all succeed, last writer wins', () => {
  it.each([2, 8])('%i PUTs of different specs at once: each is written once, generations 1..n', async (n) => {
    const name = `race-${n}`;
    const r = ForwardRegistry.fromEnv(env);
    await r.remove(name);
    const outcomes = await Promise.allSettled(Array.from({ length: n }, (_, i) => ForwardRegistry.fromEnv(env).putSpec(name, specFor(i))));
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason))).toEqual([]);
    const done = outcomes.map((o) => (o as PromiseFulfilledResult<PutOutcome>).value);
    expect(done.map((o) => o.record.generation).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(done.filter((o) => o.kind === 'created')).toHaveLength(1);
    const stored = (await r.get(name))!;
    expect(stored.generation).toBe(n);
    // The last writer's spec is the one stored, and what it was answered is the stored version.
    const last = done.find((o) => o.record.generation === n)!;
    expect(stored.spec).toEqual(last.record.spec);
    expect(stored.etag).toBe(last.record.etag);
  });
});

describe('a write that races another writer', () => {
  it.each<[string, 'status' | 'spec', { ifMatch?: 'read' | '*' }, 'updated' | '412']>([
    ['no precondition, a status write meanwhile: retried on a fresh read, written', 'status', {}, 'updated'],
    ['If-Match: * (exists), a status write meanwhile: retried, it still exists, written', 'status', { ifMatch: '*' }, 'updated'],
    ['If-Match with the ETag read, a status write meanwhile: the spec is the version read, written', 'status', { ifMatch: 'read' }, 'updated'],
    ['If-Match with the ETag read, another spec write meanwhile: 412', 'spec', { ifMatch: 'read' }, '412'],
    ['no precondition, another spec write meanwhile: last writer wins', 'spec', {}, 'updated'],
  ])('%s', async (_situation, other, pre, expected) => {
    const name = 'raced';
    await ForwardRegistry.fromEnv(env).remove(name);
    const before = await ForwardRegistry.fromEnv(env).putSpec(name, specFor(0));
    const r = withStatusWriteAfterFirstRead(ForwardRegistry.fromEnv(env), name, other);
    const ifMatch = pre.ifMatch === 'read' ? specEtag(before.record) : pre.ifMatch;
    const write = r.putSpec(name, specFor(1), conditions(ifMatch));
    const afterRace = other === 'spec' ? 2 : 1;
    if (expected === '412') {
      await expect(write).rejects.toBeInstanceOf(PreconditionFailedError);
      expect((await r.get(name))!.generation).toBe(afterRace);
    } else {
      await expect(write).resolves.toMatchObject({ kind: 'updated', record: { generation: afterRace + 1 } });
      const stored = (await r.get(name))!;
      // Both writes survive: the other writer's (status or generation) and this spec.
      expect({ generation: stored.generation, port: stored.spec.ports[0].port, ...(other === 'status' ? { phase: stored.status.phase } : {}) }).toEqual({ generation: afterRace + 1, port: 8001, ...(other === 'status' ? { phase: 'Ready' } : {}) });
    }
  });

  it('a delete mark without If-Match that races a status write is retried, not a storage error', async () => {
    const name = 'raced-delete';
    await ForwardRegistry.fromEnv(env).putSpec(name, specFor(0));
    const r = withStatusWriteAfterFirstRead(ForwardRegistry.fromEnv(env), name);
    await expect(r.markDeleting(name)).resolves.toMatchObject({ deleting: true, generation: 2 });
  });
});

describe('the client\'s preconditions', () => {
  it.each<[string, boolean, { ifMatch?: string; ifNoneMatch?: string }, 'created' | 'updated' | '412']>([
    ['If-None-Match: * on a missing forward: created', false, { ifNoneMatch: '*' }, 'created'],
    ['If-None-Match: * on an existing forward: 412 (create only)', true, { ifNoneMatch: '*' }, '412'],
    ['If-None-Match with the current etag: 412', true, { ifNoneMatch: 'current' }, '412'],
    ['If-Match with the entity\'s storage etag (not the API ETag): 412', true, { ifMatch: 'storage' }, '412'],
    ['If-None-Match with another etag: written', true, { ifNoneMatch: 'W/"other"' }, 'updated'],
    ['If-Match: * on a missing forward: 412', false, { ifMatch: '*' }, '412'],
    ['If-Match: * on an existing forward: written', true, { ifMatch: '*' }, 'updated'],
    ['If-Match with the current etag: written', true, { ifMatch: 'current' }, 'updated'],
    ['If-Match with a stale etag: 412', true, { ifMatch: 'W/"stale"' }, '412'],
    ['If-Match with an etag on a missing forward: 412', false, { ifMatch: 'W/"stale"' }, '412'],
    ['If-Match with a list holding the current etag: written (any match holds)', true, { ifMatch: '"0.zz", current' }, 'updated'],
    ['If-Match with the current etag made weak: 412 (If-Match compares strongly)', true, { ifMatch: 'W/current' }, '412'],
    ['If-None-Match with the current etag made weak: 412 (If-None-Match compares weakly)', true, { ifNoneMatch: 'W/current' }, '412'],
    ['If-None-Match with a list holding the current etag: 412', true, { ifNoneMatch: '"0.zz", current' }, '412'],
    ['If-None-Match with a list of other etags: written', true, { ifNoneMatch: '"0.zz", W/"1.zz"' }, 'updated'],
  ])('%s', async (_situation, exists, pre, expected) => {
    const name = 'pre';
    const r = ForwardRegistry.fromEnv(env);
    await r.remove(name);
    const etag = exists ? specEtag((await r.putSpec(name, specFor(0))).record) : undefined;
    const stored = exists ? await r.get(name) : undefined;
    // `current` stands for the forward's ETag, `storage` for its entity's storage etag (a W/"datetime'...'" tag).
    const value = (v?: string) => v?.replace('current', etag ?? '"none"').replace('storage', stored?.etag ?? '"none"');
    const write = r.putSpec(name, specFor(1), conditions(value(pre.ifMatch), value(pre.ifNoneMatch)));
    if (expected === '412') await expect(write).rejects.toBeInstanceOf(PreconditionFailedError);
    else await expect(write).resolves.toMatchObject({ kind: expected });
    expect((await r.get(name))?.spec.ports[0].port).toBe(expected === '412' ? (exists ? 8000 : undefined) : 8001);
  });

  it('concurrent creates with If-None-Match: *: exactly one is created, the others are 412', async () => {
    const name = 'create-once';
    await ForwardRegistry.fromEnv(env).remove(name);
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => ForwardRegistry.fromEnv(env).putSpec(name, specFor(i), conditions(undefined, '*'))));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'rejected').every((o) => (o as PromiseRejectedResult).reason instanceof PreconditionFailedError)).toBe(true);
  });
});

describe("the client's preconditions on a delete mark (DELETE)", () => {
  it.each<[string, boolean, { ifMatch?: string; ifNoneMatch?: string }, 'deleting' | '412' | '404']>([
    ['none, on an existing forward: marked', true, {}, 'deleting'],
    ['If-Match: * on an existing forward: marked', true, { ifMatch: '*' }, 'deleting'],
    ['If-Match with the current etag: marked', true, { ifMatch: 'current' }, 'deleting'],
    ['If-Match with a list holding the current etag: marked', true, { ifMatch: '"0.zz", current' }, 'deleting'],
    ['If-Match with a stale etag: 412, not marked', true, { ifMatch: '"0.zz"' }, '412'],
    ['If-Match with the current etag made weak: 412, not marked', true, { ifMatch: 'W/current' }, '412'],
    ['If-None-Match: * on an existing forward: 412, not marked', true, { ifNoneMatch: '*' }, '412'],
    ['If-None-Match with the current etag: 412, not marked', true, { ifNoneMatch: 'current' }, '412'],
    ['If-None-Match with another etag: marked', true, { ifNoneMatch: '"0.zz"' }, 'deleting'],
    // RFC 9110 13.2.1: the request without its conditions would be a 404, so they are not evaluated.
    ['none, on a missing forward: not found', false, {}, '404'],
    ['If-Match: * on a missing forward: not found (404 before preconditions)', false, { ifMatch: '*' }, '404'],
    ['If-Match with an etag on a missing forward: not found', false, { ifMatch: '"1.zz"' }, '404'],
    ['If-None-Match: * on a missing forward: not found', false, { ifNoneMatch: '*' }, '404'],
  ])('%s', async (_situation, exists, pre, expected) => {
    const name = 'pre-delete';
    const r = ForwardRegistry.fromEnv(env);
    await r.remove(name);
    const etag = exists ? specEtag((await r.putSpec(name, specFor(0))).record) : '"none"';
    const value = (v?: string) => v?.replace('current', etag);
    const mark = r.markDeleting(name, conditions(value(pre.ifMatch), value(pre.ifNoneMatch)));
    if (expected === '404') await expect(mark).rejects.toBeInstanceOf(ForwardNotFoundError);
    else if (expected === '412') await expect(mark).rejects.toBeInstanceOf(PreconditionFailedError);
    else await expect(mark).resolves.toMatchObject({ deleting: true, generation: 2 });
    expect((await r.get(name))?.deleting).toBe(exists ? expected === 'deleting' : undefined);
  });
});
