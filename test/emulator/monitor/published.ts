import type { MetricsQueryResourcesOptions } from '@azure/monitor-query-metrics';
import { eventually } from '../../helpers/wait';
import type { TestEmulator } from '../helpers/emulator';

/**
 * Metric tests run the emulator's history at a short grain with a short publication delay (never
 * 0: AZURE-RULES.md MON-1), and wait for the point of a grain that began after what they changed
 * to be published, not a guessed time.
 */
export const GRAIN_S = 1;
export const DELAY_S = 1;

export async function shortGrain(emu: TestEmulator): Promise<void> {
  const r = await emu.control('PUT', '/settings', { metricGrainSeconds: GRAIN_S, metricPublicationDelaySeconds: DELAY_S });
  if (r.status !== 200) throw new Error(`settings refused: ${JSON.stringify(r.body)}`);
}

/** The start of the next grain: its point (and later ones) only hold samples taken after now. */
export function nextGrain(): number {
  return Math.ceil((Date.now() + 1) / (GRAIN_S * 1000)) * GRAIN_S * 1000;
}

type Point = { timeStamp: Date; average?: number; minimum?: number; maximum?: number; count?: number; total?: number };

/**
 * Queries one resource's metric until every series' last point with a value is from `since` on,
 * then answers series key ("dim=value|..." of the split dimensions, '' unsplit) -> that point.
 */
export async function settled(emu: TestEmulator, resourceId: string, metric: string, namespace: string, since: number, options: MetricsQueryResourcesOptions = {}): Promise<Record<string, Point>> {
  return eventually(async () => {
    const [result] = await emu.metrics().queryResources([resourceId], [metric], namespace, { startTime: new Date(Date.now() - 60_000), endTime: new Date(), ...options });
    const out: Record<string, Point> = {};
    for (const t of result.metrics[0].timeseries) {
      const last = [...(t.data ?? [])].reverse().find((p) => typeof p.average === 'number' || typeof p.count === 'number');
      if (!last || last.timeStamp.getTime() < since) return undefined;
      out[(t.metadatavalues ?? []).map((m) => `${m.name}=${m.value}`).join('|')] = last as Point;
    }
    return Object.keys(out).length ? out : undefined;
  }, `${metric} published from ${new Date(since).toISOString()} on`, 15_000, 200);
}
