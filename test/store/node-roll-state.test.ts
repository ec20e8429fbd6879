import { parseForwardSpec, type ForwardSpec } from '../../core/forward-spec';
import { specChangeProblems } from '../../core/spec-change';
import { startAzurite, type RunningAzurite } from '../../tools/devhost/durable/azurite';
import { ForwardRegistry, SpecChangeRefusedError } from '../../store/forward-registry';

/**
 * What the registry keeps beside a forward's spec for its scale set (Azurite): the node SSH public
 * key generated once (VMSS-1), the instances upgraded but not yet reimaged (VMSS-2), and the spec
 * changes refused because Azure cannot carry them out (zone removal, VMSS-4).
 */
let azurite: RunningAzurite;
let env: Record<string, string>;
const spec = (zones: string[] = ['1', '2', '3'], targets = ['192.168.42.65']): ForwardSpec => {
  const r = parseForwardSpec({ ports: [{ port: 8000 }], targets, nodes: { count: 2, vmSize: 'Standard_B1s', zones } });
  if (!r.ok) throw new Error('bad spec');
  return r.spec;
};

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
  env = { AzureWebJobsStorage: azurite.connectionString };
}, 60_000);
afterAll(() => azurite?.stop());

describe('node SSH public key', () => {
  it('generated once: later calls, a spec change and concurrent callers all get the first key; generate runs only while none is kept', async () => {
    const r = ForwardRegistry.fromEnv(env);
    await r.putSpec('k1', spec());
    let generated = 0;
    const generate = async () => `ssh-rsa KEY${++generated} plf-k1`;
    const first = await r.ensureNodeSshPublicKey('k1', generate);
    await r.putSpec('k1', spec(['1', '2', '3'], ['192.168.42.66']));
    const again = await Promise.all([r.ensureNodeSshPublicKey('k1', generate), r.ensureNodeSshPublicKey('k1', generate)]);
    expect([first, ...again]).toEqual(['ssh-rsa KEY1 plf-k1', 'ssh-rsa KEY1 plf-k1', 'ssh-rsa KEY1 plf-k1']);
    expect(generated).toBe(1);
    expect((await r.get('k1'))?.nodeSshPublicKey).toBe('ssh-rsa KEY1 plf-k1');
  });

  it('concurrent first callers agree on one key (the conditional write loses, reads the winner)', async () => {
    const r = ForwardRegistry.fromEnv(env);
    await r.putSpec('k2', spec());
    let n = 0;
    const keys = await Promise.all([1, 2, 3].map(() => r.ensureNodeSshPublicKey('k2', async () => `ssh-rsa RACE${++n} plf-k2`)));
    expect(new Set(keys).size).toBe(1);
    expect((await r.get('k2'))?.nodeSshPublicKey).toBe(keys[0]);
  });

  it('a forward that does not exist gets no key and nothing is written', async () => {
    const r = ForwardRegistry.fromEnv(env);
    expect(await r.ensureNodeSshPublicKey('nope', async () => 'ssh-rsa X')).toBeUndefined();
    expect(await r.get('nope')).toBeUndefined();
  });
});

describe('instances pending a reimage', () => {
  it('marked and cleared per instance; a repeated mark is kept once', async () => {
    const r = ForwardRegistry.fromEnv(env);
    await r.putSpec('p1', spec());
    await r.markReimagePending('p1', '0', true);
    await r.markReimagePending('p1', '1', true);
    await r.markReimagePending('p1', '0', true);
    expect((await r.get('p1'))?.reimagePending).toEqual(['0', '1']);
    await r.markReimagePending('p1', '0', false);
    expect((await r.get('p1'))?.reimagePending).toEqual(['1']);
  });
});

describe('spec changes Azure cannot carry out', () => {
  it.each([
    ['a zone removed: refused, the stored spec and generation unchanged', ['1', '2'], true],
    ['a zone added: written', ['1', '2', '3'], false],
  ])('%s', async (_situation, next, refused) => {
    const r = ForwardRegistry.fromEnv(env);
    await r.remove('z1');
    await r.putSpec('z1', spec(['1', '2', '3'].slice(0, refused ? 3 : 2)), {}, specChangeProblems);
    const write = r.putSpec('z1', spec(next), {}, specChangeProblems);
    if (refused) {
      await expect(write).rejects.toBeInstanceOf(SpecChangeRefusedError);
      expect((await r.get('z1'))).toMatchObject({ generation: 1, spec: { nodes: { zones: ['1', '2', '3'] } } });
    } else {
      expect((await write).record).toMatchObject({ generation: 2, spec: { nodes: { zones: next } } });
    }
  });
});
