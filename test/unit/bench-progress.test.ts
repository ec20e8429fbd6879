import { progress } from '../../bench/progress';

/** Benchmarks' progress lines (stderr) while they wait. */
describe('benchmark progress', () => {
  it.each([
    ['a log: start, every quarter, end', false, 8, [/^x 0\/8, \d+\.\d s\n$/, /^x 2\/8, /, /^x 4\/8, /, /^x 6\/8, /, /^x 8\/8, \d+\.\d s, done\n$/]],
    ['a terminal: one line rewritten per tick', true, 3, [/^x 0\/3, /, /^\rx 1\/3, /, /^\rx 2\/3, /, /^\rx 3\/3, /, /^\rx 3\/3, .*done/]],
  ])('%s', (_situation, tty, total, shapes) => {
    const lines: string[] = [];
    const p = progress('x', total, (s) => lines.push(s), tty);
    for (let i = 1; i <= total; i++) p.tick(i);
    p.end();
    expect(lines).toHaveLength(shapes.length);
    shapes.forEach((re, i) => expect(lines[i]).toMatch(re));
  });
});
