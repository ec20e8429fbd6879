import { AREAS, type AreaName, type SizeName } from './areas';

/**
 * The benchmarks' run size, read in one place so every area honours it the same way.
 * `PLF_BENCH_SMOKE=1` (or `true`): each area runs its smoke sizes (bench/areas.ts), small enough
 * for CI; unset, empty or `0`: the full sizes. Any other value is refused (a typo must not run a
 * 20-minute full bench in CI). An area's own variable (e.g. PLF_BENCH_FORWARDS) overrides a knob
 * in both modes.
 */
export type BenchMode = 'smoke' | 'full';

export function benchMode(env: NodeJS.ProcessEnv = process.env): BenchMode {
  const v = (env.PLF_BENCH_SMOKE ?? '').trim().toLowerCase();
  if (v === '1' || v === 'true') return 'smoke';
  if (v === '' || v === '0' || v === 'false') return 'full';
  throw new Error(`PLF_BENCH_SMOKE must be 1 (smoke sizes) or 0 / unset (full sizes), not "${env.PLF_BENCH_SMOKE}"`);
}

export type Sizes<A extends AreaName> = { readonly [K in SizeName<A>]: number };

/** The sizes of `area` in the current mode; throws naming the variable when an override is not a positive number. */
export function benchSizes<A extends AreaName>(area: A, env: NodeJS.ProcessEnv = process.env): Sizes<A> {
  const mode = benchMode(env);
  const out: Record<string, number> = {};
  for (const [name, knob] of Object.entries(AREAS[area].sizes)) {
    const raw = env[knob.env];
    if (raw === undefined || raw.trim() === '') {
      out[name] = knob[mode];
      continue;
    }
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${knob.env} must be a positive number (${knob.unit}), not "${raw}"`);
    out[name] = n;
  }
  return out as Sizes<A>;
}

/** One line naming the mode and every size, e.g. `smoke sizes: 3 forwards created at once`. */
export function describeSizes<A extends AreaName>(area: A, sizes: Sizes<A>, env: NodeJS.ProcessEnv = process.env): string {
  const knobs = AREAS[area].sizes as Readonly<Record<string, { unit: string; env: string }>>;
  const parts = Object.entries(knobs).map(([name, k]) => `${(sizes as Record<string, number>)[name]} ${k.unit}${env[k.env] ? ` (${k.env})` : ''}`);
  return `${benchMode(env)} sizes: ${parts.join(', ')}`;
}
