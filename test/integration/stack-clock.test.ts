import { startStack, type Stack } from './helpers/stack';

/**
 * The integration stack on the controllable clock (helpers/stack.ts): one offset for the emulator
 * (in this process) and devhost (its own process), kept across a devhost restart.
 */
let s: Stack;
beforeAll(async () => {
  s = await startStack({}, {}, undefined, { clock: 'controllable' });
}, 120_000);
afterAll(() => s?.stop());

const devhostClock = async () => (await s.api<{ mode: string; nowMs: number; offsetSeconds: number }>('GET', '/admin/clock')).body;

it('stack.advance moves both clocks by the same amount; a devhost restart starts at the stack time', async () => {
  const before = s.now();
  const after = await s.advance(3600);
  expect(after - before).toBeGreaterThanOrEqual(3600_000);
  expect(s.emu.emu.runtime.clock.offsetMs()).toBe(3600_000);
  expect(await devhostClock()).toMatchObject({ mode: 'controllable', offsetSeconds: 3600 });
  await s.restartDevhost();
  expect(await devhostClock()).toMatchObject({ mode: 'controllable', offsetSeconds: 3600 });
  // Both read the same time (within the real milliseconds of one request).
  expect(Math.abs((await devhostClock()).nowMs - s.now())).toBeLessThan(5000);
  await s.advance(90);
  expect(await devhostClock()).toMatchObject({ offsetSeconds: 3690 });
}, 90_000);

it('a stack on real time (the default) refuses stack.advance', async () => {
  const real = await startStack();
  try {
    await expect(real.advance(60)).rejects.toThrow(/clock: 'controllable'/);
    expect(await real.api('GET', '/admin/clock')).toMatchObject({ body: { mode: 'real', offsetSeconds: 0 } });
  } finally {
    await real.stop();
  }
}, 120_000);
