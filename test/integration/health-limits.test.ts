import { example, healthKit, isRecycle, startHealthStack, type ForwardBody } from './helpers/health';
import type { Stack } from './helpers/stack';

/**
 * The health watch's limits end to end, on the stack's controllable clock (one PT1M grain per
 * step, one sweep per grain, grace 0): one node out of service at a time, at most three recycles
 * of a node in an hour (and the hour genuinely ending), no recycle while the reconcile rolls the
 * nodes. Each test has its own forward and reads only the action-log entries logged after its own
 * break; assertions are about behaviour, never timings.
 */
let s: Stack;
const k = healthKit(() => s);
const { get, cond, actions, markLog, actionsSince, requests, scaleSetActions, sweepUntil, advanceUntil, sweepPast, putForward, allHealthy } = k;

beforeAll(async () => {
  s = await startHealthStack({ PLF_HEALTH_GRACE_SECONDS: '0', PLF_HEALTH_VERIFY_POLLS: '20' });
}, 120_000);
afterAll(() => s?.stop());

/** Breaks the node and sweeps grain by grain until its reimage is verified (entries after this break only). */
async function recycleOnce(name: string, node: { instanceId: string; ip?: string }, what: string) {
  const mark = await markLog(name);
  await s.emu.control('POST', '/nodes/break', { target: node.ip });
  await sweepUntil(async () => ((await actionsSince(mark)).some((a) => a.action === 'verify-verified' && a.target === node.instanceId) ? true : undefined), what);
  await allHealthy(name, 2);
}

describe('one node at a time', () => {
  it('two nodes broken at once: recycled one after the other', async () => {
    const b = await putForward('hw6', 3);
    await allHealthy('hw6', 3);
    const [n0, n1] = b.status.nodes;
    const mark = await markLog('hw6');
    await s.emu.control('POST', '/nodes/break', { target: n0.ip });
    await s.emu.control('POST', '/nodes/break', { target: n1.ip });
    await sweepUntil(async () => ((await actionsSince(mark)).filter((a) => a.action === 'verify-verified').length >= 2 ? true : undefined), 'hw6: both recycled', 40);
    const log = (await actionsSince(mark)).reverse().filter((a) => ['reimage', 'verify-verified', 'verify-still-broken', 'replace'].includes(a.action));
    // Each reimage is verified before the next one starts.
    expect(log.map((a) => a.action)).toEqual(['reimage', 'verify-verified', 'reimage', 'verify-verified']);
    expect(new Set([log[0].target, log[2].target])).toEqual(new Set([n0.instanceId, n1.instanceId]));
    await allHealthy('hw6', 3);
  }, 180_000);

  it('a node recycled 3 times in an hour: RecycleSuspended naming it, no fourth action; an operator resume lifts it', async () => {
    const b = await putForward('hw7', 2);
    await allHealthy('hw7', 2);
    const victim = b.status.nodes[0];
    for (let i = 1; i <= 3; i++) await recycleOnce('hw7', victim, `hw7: recycle ${i}`);
    await s.emu.control('DELETE', '/requests');
    const fourth = await markLog('hw7');
    await s.emu.control('POST', '/nodes/break', { target: victim.ip });
    const suspended = await sweepUntil(async () => {
      const c = cond(await get('hw7'), 'RecycleSuspended');
      return c?.status === 'True' ? c : undefined;
    }, 'hw7: RecycleSuspended');
    expect(suspended.message).toContain(victim.instanceId);
    // Three more points of the broken node judged while suspended.
    await sweepPast('hw7', 3);
    expect((await scaleSetActions('hw7')).filter(isRecycle)).toEqual([]);
    expect((await actionsSince(fourth)).filter((a) => a.action === 'reimage')).toEqual([]);
    expect((await actions('hw7')).filter((a) => a.action === 'reimage')).toHaveLength(3);
    expect((await actionsSince(fourth)).filter((a) => a.action === 'recycle-suspended')).toHaveLength(1);
    // An operator resumes recycling: the condition clears and the node is recycled again.
    const resumedAt = await markLog('hw7');
    const resume = () => s.api<{ resumed: boolean; instanceId?: string; message: string }>('POST', '/api/forwards/hw7/recycling/resume');
    const resumed = await resume();
    expect(resumed.status).toBe(202);
    expect(resumed.body).toMatchObject({ resumed: true, instanceId: victim.instanceId });
    // Asked again before a sweep: already resumed, nothing more to do (200, not another 202).
    expect(await resume()).toMatchObject({ status: 200, body: { resumed: false, message: expect.stringMatching(/already resumed/) } });
    await sweepUntil(async () => ((await actionsSince(resumedAt)).some((a) => a.action === 'verify-verified' && a.target === victim.instanceId) ? true : undefined), 'hw7: recycled after the resume');
    expect(cond(await get('hw7'), 'RecycleSuspended')).toMatchObject({ status: 'False' });
    // Nothing suspended any more: a resume is a 200 that says so.
    expect(await resume()).toMatchObject({ status: 200, body: { resumed: false, message: expect.stringMatching(/not suspended: nothing to resume/) } });
  }, 240_000);

  it('a node recycled 3 times, then an hour with no recycle: the next break is recycled, not suspended (the hour has ended)', async () => {
    const b = await putForward('hw11', 2);
    await allHealthy('hw11', 2);
    const victim = b.status.nodes[0];
    for (let i = 1; i <= 3; i++) await recycleOnce('hw11', victim, `hw11: recycle ${i}`);
    // An hour after the first of the three, not one sweep in between: the window has moved on.
    const first = (await actions('hw11')).filter((a) => a.action === 'reimage').pop()!;
    await s.advance(Math.ceil((Date.parse(first.time) + 3600_000 - s.now()) / 1000) + 60);
    await recycleOnce('hw11', victim, 'hw11: a fourth recycle, an hour after the first');
    expect((await actions('hw11')).filter((a) => a.action === 'reimage')).toHaveLength(4);
    expect((await actions('hw11')).filter((a) => a.action === 'recycle-suspended')).toEqual([]);
    expect(cond(await get('hw11'), 'RecycleSuspended')?.status ?? 'False').toBe('False');
  }, 240_000);

  it('rolling upgrade in progress + a broken node: no concurrent actions on the scale set', async () => {
    const b = await putForward('hw8', 2);
    await allHealthy('hw8', 2);
    await s.emu.control('DELETE', '/requests');
    const mark = await markLog('hw8');
    await s.emu.control('PUT', '/settings', { lroDelayMs: 1500 });
    let r: { body: ForwardBody; status: number };
    try {
      // A new target list changes every node's customData: the reconcile rolls both nodes.
      r = await s.api<ForwardBody>('PUT', `/api/forwards/hw8`, { ...example, nodes: { ...example.nodes, count: 2 }, targets: ['192.168.42.66', '192.168.42.65'] });
      expect(r.status).toBe(202);
      // The reconcile's writes take 1.5 s each on the stack's clock: a second at a time until the roll starts.
      await advanceUntil(async () => ((await requests()).some((x) => /\/plf-hw8-vmss\/manualupgrade$/i.test(x.path)) ? true : undefined), 'hw8: the roll started');
      await s.emu.control('POST', '/nodes/break', { target: b.status.nodes[1].ip, persistent: true });
      await sweepUntil(async () => {
        const done = (await actionsSince(mark)).some((a) => a.action === 'verify-verified' && a.target !== b.status.nodes[1].instanceId);
        const body = await get('hw8');
        return done && body.status.observedGeneration === r.body.generation ? true : undefined;
      }, 'hw8: rolled, then the broken node replaced', 40);
    } finally {
      await s.emu.control('PUT', '/settings', { lroDelayMs: 0 });
    }
    // Instance-acting requests in order: every roll step (upgrade, then the scale set's reimage of
    // that instance) comes before every recycle action (per-instance reimage, delete: the recycle
    // waited for the reconcile to release the scale set), and none interleave.
    const acting = (await requests()).filter((x) => /\/plf-hw8-vmss\/(manualupgrade|reimage|delete)$|\/plf-hw8-vmss\/virtualmachines\/\d+\/reimage$/i.test(x.path) && x.status < 400);
    const kinds = acting.map((x) => (/\/plf-hw8-vmss\/(manualupgrade|reimage)$/i.test(x.path) ? 'upgrade' : 'recycle'));
    expect(kinds.indexOf('recycle')).toBeGreaterThan(kinds.lastIndexOf('upgrade'));
    expect(kinds.filter((x) => x === 'upgrade').length).toBeGreaterThanOrEqual(1);
    expect((await actionsSince(mark)).some((a) => a.action === 'reimage')).toBe(true);
  }, 240_000);
});
