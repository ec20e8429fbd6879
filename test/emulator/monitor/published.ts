import type { MetricsQueryResourcesOptions } from '@azure/monitor-query-metrics';
import { grainMs, publicationDelayMs } from '../../../tools/emulator/providers/monitor/history';
import type { TestEmulator } from '../helpers/emulator';

/**
 * Metric tests keep Azure's timing (a PT1M grain, published two grains after it closes;
 * AZURE-RULES.md MON-1) and drive the emulator's clock (tools/emulator/clock.ts) instead of
 * waiting for it: a test changes the state, then `publishNext` advances the clock past the close of
 * the next grain plus the publication delay. Once the clock has been advanced only advances sample
 * the history, so that grain's point holds exactly the state set before the advance: no waiting,
 * no guessed time. (The real-time sampler itself is proven by history.test.ts.)
 */

/** The emulator's time, ms since the epoch. */
export function emuNow(emu: TestEmulator): number {
  return emu.emu.runtime.clock.now();
}

/** The emulator's metric grain, ms. */
export function grain(emu: TestEmulator): number {
  return grainMs(emu.emu.runtime);
}

/**
 * Advances the emulator's clock until the grain that begins after now has closed and its
 * publication delay has passed; answers that grain's start (ms, emulator time). Its point, and
 * every later one the advance closed, holds only samples of the state as it is now.
 */
export function publishNext(emu: TestEmulator): number {
  const runtime = emu.emu.runtime;
  const g = grainMs(runtime);
  const since = Math.floor(runtime.clock.now() / g) * g + g;
  runtime.clock.advance(since + g + publicationDelayMs(runtime) - runtime.clock.now());
  return since;
}

type Point = { timeStamp: Date; average?: number; minimum?: number; maximum?: number; count?: number; total?: number };

/**
 * Publishes the next grain (`publishNext`) and queries one resource's metric through the real
 * MetricsClient; answers series key ("dim=value|..." of the split dimensions, '' unsplit) -> that
 * series' last point with a value. Throws (naming the series) when a series' last value is older
 * than the published grain: the answer would not be what the state now is.
 */
export async function settled(emu: TestEmulator, resourceId: string, metric: string, namespace: string, options: MetricsQueryResourcesOptions = {}): Promise<Record<string, Point>> {
  const since = publishNext(emu);
  const [result] = await emu.metrics().queryResources([resourceId], [metric], namespace, { startTime: new Date(since - grain(emu)), endTime: new Date(emuNow(emu)), ...options });
  const out: Record<string, Point> = {};
  for (const t of result.metrics[0].timeseries) {
    const key = (t.metadatavalues ?? []).map((m) => `${m.name}=${m.value}`).join('|');
    const last = [...(t.data ?? [])].reverse().find((p) => typeof p.average === 'number' || typeof p.count === 'number');
    if (!last || last.timeStamp.getTime() < since) throw new Error(`${metric} series '${key}': no value published from ${new Date(since).toISOString()} on (last: ${last?.timeStamp.toISOString() ?? 'none'})`);
    out[key] = last as Point;
  }
  if (!Object.keys(out).length) throw new Error(`${metric}: no series in the answer`);
  return out;
}
