import type { EmulatorRuntime } from '../../arm/types';
import { DEFAULT_GRAIN_SECONDS, MIN_DELAY_FRACTION, publicationDelayMs } from './history';

/**
 * The metric timing settings of `PUT /_emulator/settings`: `metricGrainSeconds` (integer 1-3600,
 * `null` = back to 60, Azure's PT1M) and `metricPublicationDelaySeconds` (seconds after a grain
 * closes before its point is published, `null` = back to two grains). Tests may shorten both; the
 * delay is never 0 nor below a fifth of the grain (AZURE-RULES.md MON-1): a point served while its
 * grain still gets samples would be kinder than Azure.
 */
export function metricSettingProblems(emu: EmulatorRuntime, b: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const g = b.metricGrainSeconds;
  if (g !== undefined && g !== null && !(Number.isInteger(g) && (g as number) >= 1 && (g as number) <= 3600)) problems.push(`metricGrainSeconds must be an integer from 1 to 3600 (null: back to ${DEFAULT_GRAIN_SECONDS}).`);
  const d = b.metricPublicationDelaySeconds;
  const grain = typeof g === 'number' ? g : g === null ? DEFAULT_GRAIN_SECONDS : (emu.options.metricGrainSeconds ?? DEFAULT_GRAIN_SECONDS);
  if (d !== undefined && d !== null && !(typeof d === 'number' && Number.isFinite(d) && d >= MIN_DELAY_FRACTION * grain && d <= 3600)) {
    problems.push(`metricPublicationDelaySeconds must be a number of seconds from ${MIN_DELAY_FRACTION * grain} (a fifth of the ${grain} s grain; 0 would publish a grain before its last samples, kinder than Azure) to 3600 (null: back to two grains).`);
  }
  return problems;
}

export function applyMetricSettings(emu: EmulatorRuntime, b: Record<string, unknown>): void {
  if (b.metricGrainSeconds === null) delete emu.options.metricGrainSeconds;
  else if (b.metricGrainSeconds !== undefined) emu.options.metricGrainSeconds = b.metricGrainSeconds as number;
  if (b.metricPublicationDelaySeconds === null) delete emu.options.metricPublicationDelaySeconds;
  else if (b.metricPublicationDelaySeconds !== undefined) emu.options.metricPublicationDelaySeconds = b.metricPublicationDelaySeconds as number;
}

/** What GET/PUT /settings answer: the grain and the delay in force. */
export function metricSettings(emu: EmulatorRuntime): { metricGrainSeconds: number; metricPublicationDelaySeconds: number } {
  return { metricGrainSeconds: emu.options.metricGrainSeconds ?? DEFAULT_GRAIN_SECONDS, metricPublicationDelaySeconds: publicationDelayMs(emu) / 1000 };
}
