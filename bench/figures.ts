import { AREAS, type AreaEntry, type AreaName, type FigureLabel } from './areas';
import { benchSizes, describeSizes, type Sizes } from './size';

/**
 * The agreed figure line on a benchmark's stdout: `[<area>] <label>: <value>`, e.g.
 *   [lifecycle] no-op reconcile pass (identical PUT): ARM 11 reads, 0 writes/actions, 0 deletes
 * The label is constant text from bench/areas.ts (the same in smoke and full runs); the value
 * carries the numbers and sizes. Detail lines (tables, breakdowns) may follow, indented, in any
 * shape. `[<area>] skipped: <reason>` is the one reserved label: the area could not run here.
 */
export const SKIPPED = 'skipped';

export function figureLine(area: string, label: string, value: string): string {
  return `[${area}] ${label}: ${value}`;
}

export interface ParsedFigure {
  area: string;
  label: string;
  value: string;
}

const FIGURE = /^\[([a-z0-9][a-z0-9-]*)\] (.+?): (.*)$/;

/** A figure line's parts, or undefined for any other line (labels never contain ": "). */
export function parseFigureLine(line: string): ParsedFigure | undefined {
  const m = FIGURE.exec(line.replace(/\r$/, ''));
  return m ? { area: m[1], label: m[2], value: m[3].trim() } : undefined;
}

export interface BenchArea<A extends AreaName> {
  sizes: Sizes<A>;
  /** Prints one figure line (stdout). */
  figure(label: FigureLabel<A>, value: string): void;
  /**
   * The area cannot run here: with PLF_REQUIRE_NETNS=1 (CI) it fails loudly (exit 1); otherwise it
   * prints `[area] skipped: <reason>` and a banner on stderr. Only for areas with `mayBeSkipped`.
   */
  cannotRun(reason: string): void;
}

export interface BenchAreaIo {
  env?: NodeJS.ProcessEnv;
  /** stdout: the sizes line and the figure lines. */
  out?: (s: string) => void;
  /** stderr: why it cannot run. */
  err?: (s: string) => void;
}

/** An area's start: reads its sizes (bench/size.ts), prints them, and gives its figure printer. */
export function benchArea<A extends AreaName>(area: A, io: BenchAreaIo = {}): BenchArea<A> {
  const env = io.env ?? process.env;
  const write = io.out ?? ((s: string) => process.stdout.write(s));
  const warn = io.err ?? ((s: string) => process.stderr.write(s));
  const sizes = benchSizes(area, env);
  write(`bench/${area}: ${describeSizes(area, sizes, env)}\n`);
  return {
    sizes,
    figure: (label, value) => write(`${figureLine(area, label, value)}\n`),
    cannotRun(reason) {
      const entry: AreaEntry = AREAS[area];
      if (env.PLF_REQUIRE_NETNS === '1' || !entry.mayBeSkipped) {
        warn(`bench/${area} FAILED: cannot run here: ${reason}${entry.mayBeSkipped ? ` (PLF_REQUIRE_NETNS=1: it must run; it ${entry.mayBeSkipped})` : ''}\n`);
        process.exitCode = 1;
        return;
      }
      warn(`\n*** SKIPPING bench/${area}: ${reason}. It ${entry.mayBeSkipped}; CI runs it (PLF_REQUIRE_NETNS=1). ***\n\n`);
      write(`${figureLine(area, SKIPPED, reason)}\n`);
    },
  };
}
