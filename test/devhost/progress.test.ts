import { withProgress } from '../../tools/devhost/progress';

/** npm start's progress lines while a part starts. */
const ESC = String.fromCharCode(27);
describe('progress while waiting', () => {
  it.each([
    ['a log (not a terminal): the start and the end with the time taken', false, /^stack: starting x…\nstack: starting x: done in \d+\.\d s\n$/],
    ['a terminal: ticking elapsed time, then the end line', true, new RegExp(`^stack: starting x…\\n(\\rstack: starting x… \\d+\\.\\d s${ESC}\\[K)+\\r${ESC}\\[Kstack: starting x: done in \\d+\\.\\d s\\n$`)],
  ])('%s', async (_situation, tty, shape) => {
    let out = '';
    await withProgress('starting x', new Promise((r) => setTimeout(r, 1100)), (s) => (out += s), tty);
    expect(out).toMatch(shape);
  });

  it('a failure says after how long, and the error goes on', async () => {
    let out = '';
    await expect(withProgress('starting y', Promise.reject(new Error('boom')), (s) => (out += s), false)).rejects.toThrow('boom');
    expect(out).toMatch(/stack: starting y: failed after \d+\.\d s\n$/);
  });
});
