import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AreaEntry } from '../../bench/areas';
import { runBench } from '../../bench/run';

/**
 * `npm run bench`'s verdict (bench/run.ts + bench/verdict.ts), on real child processes: each
 * situation writes fake areas (a run.js that prints lines and exits) into a folder of its own and
 * runs them against a table of its own, as bench/run.ts runs dist/bench against bench/areas.ts.
 */
interface FakeArea {
  /** Lines on stdout. */
  out?: string[];
  exit?: number;
  /** Never ends (for the time limit). */
  hang?: boolean;
}

const TABLE: Record<string, AreaEntry> = {
  alpha: { sizes: {}, figures: ['requests per pass', 'wall time'] },
  beta: { sizes: {}, figures: ['per new connection'] },
  net: { sizes: {}, figures: ['throughput'], mayBeSkipped: 'needs root' },
};
const ALPHA_OK = ['[alpha] requests per pass: 3 reads, 0 writes', '  detail line, any shape', '[alpha] wall time: 12 ms'];
const BETA_OK = ['beta bench: a heading', '[beta] per new connection: 4.50'];
const NET_OK = ['[net] throughput: 5.2 Gbit/s'];

function writeAreas(areas: Record<string, FakeArea>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-bench-run-'));
  for (const [name, a] of Object.entries(areas)) {
    fs.mkdirSync(path.join(dir, name));
    const body = a.hang
      ? 'setInterval(() => undefined, 1000);'
      : `process.stdout.write(${JSON.stringify((a.out ?? []).map((l) => `${l}\n`).join(''))}); process.exitCode = ${a.exit ?? 0};`;
    fs.writeFileSync(path.join(dir, name, 'run.js'), body);
  }
  return dir;
}

describe('npm run bench: the verdict on its areas', () => {
  it.each<[string, Record<string, FakeArea>, Record<string, string>, 0 | 1, Record<string, { outcome: 'ok' | 'skipped' | 'failed'; problem?: RegExp }>]>([
    ['every area exits 0 with all its figures: the run passes', { alpha: { out: ALPHA_OK }, beta: { out: BETA_OK }, net: { out: NET_OK } }, {}, 0, { alpha: { outcome: 'ok' }, beta: { outcome: 'ok' }, net: { outcome: 'ok' } }],
    ['an area exits 0 without any figure line: the run fails', { alpha: { out: ALPHA_OK }, beta: { out: ['beta bench: a heading', 'nothing measured'] } }, {}, 1, { alpha: { outcome: 'ok' }, beta: { outcome: 'failed', problem: /printed no figure lines/ } }],
    ['an area prints its figures, then exits 1: the run fails', { alpha: { out: ALPHA_OK, exit: 1 }, beta: { out: BETA_OK } }, {}, 1, { alpha: { outcome: 'failed', problem: /exit 1/ }, beta: { outcome: 'ok' } }],
    ['an area leaves one of its figures out: the run fails', { alpha: { out: [ALPHA_OK[0]] }, beta: { out: BETA_OK } }, {}, 1, { alpha: { outcome: 'failed', problem: /missing figures: wall time/ } }],
    ['a figure shows NaN (nothing measured): the run fails', { alpha: { out: [ALPHA_OK[0], '[alpha] wall time: NaN ms'] } }, {}, 1, { alpha: { outcome: 'failed', problem: /without a measured value: wall time/ } }],
    ['a figure the table does not name: the run fails', { beta: { out: [...BETA_OK, '[beta] something new: 7'] } }, {}, 1, { beta: { outcome: 'failed', problem: /not named in bench\/areas.ts: something new/ } }],
    ["another area's tag does not count as this area's figure", { beta: { out: ['[alpha] per new connection: 4.50'] } }, {}, 1, { beta: { outcome: 'failed', problem: /printed no figure lines/ } }],
    ['an area with no entry in the table: the run fails', { gamma: { out: ['[gamma] x: 1'] } }, {}, 1, { gamma: { outcome: 'failed', problem: /no entry in bench\/areas.ts/ } }],
    ['an area that may be skipped says why, outside CI: shown skipped, the run passes', { net: { out: ['[net] skipped: not running as root'] } }, {}, 0, { net: { outcome: 'skipped', problem: /not running as root/ } }],
    ['the same skip with PLF_REQUIRE_NETNS=1 (CI): the run fails', { net: { out: ['[net] skipped: not running as root'] } }, { PLF_REQUIRE_NETNS: '1' }, 1, { net: { outcome: 'failed', problem: /PLF_REQUIRE_NETNS=1 requires it to run/ } }],
    ['an area that may not be skipped skips: the run fails', { alpha: { out: ['[alpha] skipped: felt like it'] } }, {}, 1, { alpha: { outcome: 'failed', problem: /may not be skipped/ } }],
    ['an area that never ends is stopped at its time limit: the run fails', { alpha: { hang: true }, beta: { out: BETA_OK } }, {}, 1, { alpha: { outcome: 'failed', problem: /timed out/ }, beta: { outcome: 'ok' } }],
  ])('%s', async (_situation, areas, env, exitCode, expected) => {
    const dir = writeAreas(areas);
    try {
      const out: string[] = [];
      const result = await runBench({ benchDir: dir, areas: TABLE, env: { ...process.env, PLF_REQUIRE_NETNS: '', ...env }, timeoutMs: Object.values(areas).some((a) => a.hang) ? 2000 : 30_000, write: (s) => out.push(s) });
      expect(result.exitCode).toBe(exitCode);
      for (const [area, want] of Object.entries(expected)) {
        const v = result.verdicts.find((x) => x.area === area);
        expect(v?.outcome).toBe(want.outcome);
        if (want.problem) expect(v?.problems.join('; ')).toMatch(want.problem);
      }
      // The areas' stdout is shown as it comes.
      for (const a of Object.values(areas)) for (const line of a.out ?? []) expect(out.join('')).toContain(line);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the run's time budget is spent by an area that never ends: it is stopped, and the areas after it fail unrun", async () => {
    const dir = writeAreas({ alpha: { hang: true }, beta: { out: BETA_OK } });
    try {
      const result = await runBench({ benchDir: dir, areas: TABLE, env: process.env, timeoutMs: 60_000, budgetMs: 1500, write: () => undefined });
      expect(result.exitCode).toBe(1);
      expect(result.verdicts.map((v) => [v.area, v.outcome, v.problems.join('; ')])).toEqual([
        ['alpha', 'failed', expect.stringMatching(/timed out/)],
        ['beta', 'failed', expect.stringMatching(/not run: the run's time budget of 2 s was spent/)],
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a folder without areas: nothing to run, exit 2', async () => {
    const dir = writeAreas({});
    try {
      expect((await runBench({ benchDir: dir, areas: TABLE, write: () => undefined })).exitCode).toBe(2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
