import * as fs from 'node:fs';
import * as path from 'node:path';
import { AREAS, type AreaEntry } from '../../bench/areas';
import { benchArea, parseFigureLine, SKIPPED } from '../../bench/figures';
import { benchMode, benchSizes } from '../../bench/size';

/**
 * The benchmarks' one table (bench/areas.ts): every bench/<area>/ folder has an entry and reads its
 * sizes through it, so `PLF_BENCH_SMOKE=1` reaches every area, including one added later.
 */
const BENCH = path.join(__dirname, '../../bench');
const areaDirs = fs
  .readdirSync(BENCH, { withFileTypes: true })
  .filter((d) => d.isDirectory() && fs.existsSync(path.join(BENCH, d.name, 'run.ts')))
  .map((d) => d.name)
  .sort();
const table = AREAS as Readonly<Record<string, AreaEntry>>;

describe('bench/areas.ts: one entry per benchmark area', () => {
  it('names exactly the folders bench/<area>/run.ts', () => {
    expect(areaDirs.length).toBeGreaterThan(0);
    expect(Object.keys(AREAS).sort()).toEqual(areaDirs);
  });

  it.each(areaDirs)('%s has its own npm script, bench:<area>', (area) => {
    const pkg = JSON.parse(fs.readFileSync(path.join(BENCH, '../package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts[`bench:${area}`]).toBe(`npm run build && node dist/bench/${area}/run.js`);
  });

  it.each(areaDirs)('%s reads its sizes and prints its figures through the table, never its own PLF_BENCH_* variable', (area) => {
    const src = fs.readFileSync(path.join(BENCH, area, 'run.ts'), 'utf8');
    expect(src).toContain(`benchArea('${area}')`);
    expect(src).not.toMatch(/process\.env\.PLF_BENCH_(?!CONN_DUMP)/);
  });

  it.each(areaDirs)('%s: smoke sizes positive and no larger than full; figure labels constant, unique, parseable', (area) => {
    const e = table[area];
    expect(Object.keys(e.sizes).length).toBeGreaterThan(0);
    for (const k of Object.values(e.sizes)) {
      expect(k.smoke).toBeGreaterThan(0);
      expect(k.smoke).toBeLessThanOrEqual(k.full);
      expect(k.env).toMatch(/^PLF_BENCH_[A-Z0-9_]+$/);
    }
    expect(e.figures.length).toBeGreaterThan(0);
    expect(new Set(e.figures).size).toBe(e.figures.length);
    for (const label of e.figures) {
      expect(label).not.toBe(SKIPPED);
      expect(parseFigureLine(`[${area}] ${label}: 1 ms`)).toEqual({ area, label, value: '1 ms' });
    }
  });
});

describe('bench/size.ts: PLF_BENCH_SMOKE', () => {
  it.each<[string, Record<string, string>, 'smoke' | 'full' | RegExp]>([
    ['unset: full sizes', {}, 'full'],
    ['0: full sizes', { PLF_BENCH_SMOKE: '0' }, 'full'],
    ['1: smoke sizes', { PLF_BENCH_SMOKE: '1' }, 'smoke'],
    ['true: smoke sizes', { PLF_BENCH_SMOKE: 'true' }, 'smoke'],
    ['a typo is refused, not run at full size', { PLF_BENCH_SMOKE: 'yes' }, /PLF_BENCH_SMOKE must be 1/],
  ])('%s', (_situation, env, want) => {
    if (want instanceof RegExp) expect(() => benchMode(env)).toThrow(want);
    else expect(benchMode(env)).toBe(want);
  });

  it.each(areaDirs)('%s gets its smoke sizes with PLF_BENCH_SMOKE=1 and its full sizes without', (area) => {
    const knobs = Object.entries(table[area].sizes);
    const name = area as keyof typeof AREAS;
    expect(benchSizes(name, { PLF_BENCH_SMOKE: '1' })).toEqual(Object.fromEntries(knobs.map(([k, v]) => [k, v.smoke])));
    expect(benchSizes(name, {})).toEqual(Object.fromEntries(knobs.map(([k, v]) => [k, v.full])));
  });

  it.each<[string, Record<string, string>, number | RegExp]>([
    ["an area's own variable overrides the smoke size", { PLF_BENCH_SMOKE: '1', PLF_BENCH_FORWARDS: '7' }, 7],
    ['and the full size', { PLF_BENCH_FORWARDS: '7' }, 7],
    ['an empty variable keeps the size', { PLF_BENCH_SMOKE: '1', PLF_BENCH_FORWARDS: '' }, AREAS.lifecycle.sizes.forwards.smoke],
    ['a variable that is not a positive number is refused', { PLF_BENCH_FORWARDS: 'many' }, /PLF_BENCH_FORWARDS must be a positive number/],
  ])('%s', (_situation, env, want) => {
    if (want instanceof RegExp) expect(() => benchSizes('lifecycle', env)).toThrow(want);
    else expect(benchSizes('lifecycle', env).forwards).toBe(want);
  });
});

describe('bench/figures.ts: an area that cannot run here', () => {
  const run = (env: Record<string, string>) => {
    const out: string[] = [];
    const err: string[] = [];
    const before = process.exitCode;
    try {
      benchArea('dataplane', { env, out: (s) => out.push(s), err: (s) => err.push(s) }).cannotRun('not running as root');
      return { out: out.join(''), err: err.join(''), exitCode: process.exitCode };
    } finally {
      process.exitCode = before;
    }
  };
  it.each<[string, Record<string, string>, RegExp | undefined, RegExp, number | undefined]>([
    ['outside CI: prints the skip line, says why on stderr, does not fail', {}, /^\[dataplane\] skipped: not running as root$/m, /SKIPPING bench\/dataplane: not running as root/, undefined],
    ['with PLF_REQUIRE_NETNS=1 (CI): fails (exit 1) saying why, no skip line', { PLF_REQUIRE_NETNS: '1' }, undefined, /bench\/dataplane FAILED: cannot run here: not running as root/, 1],
  ])('%s', (_situation, env, skipLine, why, exitCode) => {
    const r = run({ PLF_BENCH_SMOKE: '1', ...env });
    expect(r.out).toMatch(/^bench\/dataplane: smoke sizes: /);
    if (skipLine) expect(r.out).toMatch(skipLine);
    else expect(r.out).not.toMatch(/skipped/);
    expect(r.err).toMatch(why);
    expect(r.exitCode).toBe(exitCode);
  });
});
