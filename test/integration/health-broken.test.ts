import { IDS } from '../emulator/helpers/emulator';
import { example, healthKit, isRecycle, startHealthStack } from './helpers/health';
import { eventually, type Stack } from './helpers/stack';

/**
 * The health watch end to end on a broken node (devhost + Azurite + emulator, real SDK clients,
 * the metrics batch API) with Azure's metric timing on the stack's controllable clock: each step
 * advances one PT1M grain and runs one sweep (the timer never fires by itself here), grace 0.
 * Each test has its own forward, reads only the action-log entries logged after its own break
 * (`markLog` / `actionsSince`), and asserts behaviour (what was done to the scale set, status,
 * action log), never timings.
 */
let s: Stack;
const k = healthKit(() => s);
const { get, cond, markLog, actionsSince, scaleSetActions, sweepUntil, sweepPast, putForward, allHealthy, nodePoints } = k;

beforeAll(async () => {
  s = await startHealthStack({ PLF_HEALTH_GRACE_SECONDS: '0', PLF_HEALTH_VERIFY_POLLS: '20' });
}, 120_000);
afterAll(() => s?.stop());

describe('a broken node', () => {
  it('transient: reimaged once, healthy again, nothing else touched', async () => {
    const b = await putForward('hw1', 2);
    await allHealthy('hw1', 2);
    const victim = b.status.nodes[0];
    await s.emu.control('DELETE', '/requests');
    const mark = await markLog('hw1');
    expect((await s.emu.control('POST', '/nodes/break', { target: victim.ip })).status).toBe(200);
    await sweepUntil(async () => ((await actionsSince(mark)).some((a) => a.action === 'verify-verified' && a.target === victim.instanceId) ? true : undefined), 'hw1: reimaged and verified');
    const after = await allHealthy('hw1', 2);
    const acts = (await scaleSetActions('hw1')).filter(isRecycle);
    expect(acts.map((r) => r.path.split('/').pop())).toEqual(['reimage']);
    expect(acts[0].path).toContain(`/virtualMachines/${victim.instanceId}/reimage`);
    expect(after.status.nodes.map((n) => n.instanceId).sort()).toEqual(b.status.nodes.map((n) => n.instanceId).sort());
    expect(after.status.nodes.find((n) => n.instanceId === victim.instanceId)?.recycles?.map((r) => r.action)).toEqual(['reimage', 'verify']);
    const log = await actionsSince(mark);
    expect(log.filter((a) => a.action === 'reimage')).toHaveLength(1);
    expect(log.find((a) => a.action === 'reimage')).toMatchObject({ actor: 'sweep', target: victim.instanceId, reason: expect.stringMatching(/consecutive metric samples/) });
  }, 120_000);

  it('a reconcile pass while it is broken records Degraded; once the sweep finds it healthy again, Ready follows at once, not at the next drift check', async () => {
    const b = await putForward('hw9', 2);
    await allHealthy('hw9', 2);
    const victim = b.status.nodes[0];
    const mark = await markLog('hw9');
    expect((await s.emu.control('POST', '/nodes/break', { target: victim.ip })).status).toBe(200);
    // The same spec again: a reconcile pass now, which reads the broken node's instance view.
    expect((await s.api('PUT', '/api/forwards/hw9', { ...example, nodes: { ...example.nodes, count: 2 } })).status).toBe(200);
    await eventually(async () => (cond(await get('hw9'), 'Ready')?.message.includes('not healthy by their instance view') ? true : undefined), 'hw9: the reconcile recorded Degraded', 30_000);
    await sweepUntil(async () => ((await actionsSince(mark)).some((a) => a.action === 'verify-verified' && a.target === victim.instanceId) ? true : undefined), 'hw9: reimaged and verified');
    await allHealthy('hw9', 2);
    // The drift check is a day away here: Ready comes from the reconcile the sweep signals.
    const ready = await eventually(async () => {
      const now = await get('hw9');
      return now.status.phase === 'Ready' ? now : undefined;
    }, 'hw9: phase Ready again (PLF_DRIFT_CHECK_SECONDS is a day here)', 30_000);
    expect(cond(ready, 'Ready')?.message).toBe(`generation ${b.generation} is provisioned`);
  }, 120_000);

  it('persistent: reimaged, still broken, replaced; the forward ends with its node count, all healthy', async () => {
    const b = await putForward('hw2', 2);
    await allHealthy('hw2', 2);
    const victim = b.status.nodes[1];
    const mark = await markLog('hw2');
    await s.emu.control('POST', '/nodes/break', { target: victim.ip, persistent: true });
    await sweepUntil(async () => ((await actionsSince(mark)).some((a) => a.action === 'verify-verified' && a.target !== victim.instanceId) ? true : undefined), 'hw2: replaced and verified', 40);
    const log = (await actionsSince(mark)).reverse().map((a) => a.action);
    expect(log.filter((a) => ['reimage', 'verify-still-broken', 'replace', 'restore-capacity', 'verify-verified'].includes(a))).toEqual(['reimage', 'verify-still-broken', 'replace', 'restore-capacity', 'verify-verified']);
    const vmss = await s.emu.compute(IDS.hubSub).virtualMachineScaleSets.get(IDS.hubRg, 'plf-hw2-vmss');
    expect(vmss.sku?.capacity).toBe(2);
    const after = await allHealthy('hw2', 2);
    expect(after.status.nodes.map((n) => n.instanceId)).not.toContain(victim.instanceId);
  }, 180_000);
});

describe('not recycled', () => {
  it('a flapping node (broken for exactly one grain): its one bad point judged, nothing recycled', async () => {
    const b = await putForward('hw4', 2);
    await allHealthy('hw4', 2);
    await s.emu.control('DELETE', '/requests');
    const victim = b.status.nodes[0];
    // Broken while the clock crosses one grain: that grain (and only it) shows the node failing.
    await s.emu.control('POST', '/nodes/break', { target: victim.ip });
    await s.advance(60);
    await s.emu.control('POST', '/nodes/repair', { target: victim.ip });
    // Every point of the break and two after it judged.
    await sweepPast('hw4', 2);
    expect((await nodePoints('hw4', victim.ip!)).filter((v) => v !== undefined && v < 50)).toEqual([0]);
    expect((await scaleSetActions('hw4')).filter(isRecycle)).toEqual([]);
    await allHealthy('hw4', 2);
  }, 120_000);
});
