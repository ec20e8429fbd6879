import { startDevhost, type DevhostOptions, type RunningDevhost } from '../../tools/devhost/index';
import { createLogger } from '../../tools/devhost/log';
import { fixtureMain, repoRoot } from './fixture';

/**
 * Starts devhost in this process with the fixture app on a free port and captures its JSON log
 * lines, so tests can see invocations and the app's context.log output.
 */
export interface TestHost extends RunningDevhost {
  lines: Record<string, unknown>[];
  /** Waits (bounded) until `predicate` holds for the captured lines; returns the matching ones. */
  waitForLines(predicate: (line: Record<string, unknown>) => boolean, count?: number, timeoutMs?: number): Promise<Record<string, unknown>[]>;
}

export async function startTestHost(options: Partial<DevhostOptions> = {}): Promise<TestHost> {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ json: true, write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
  const host = await startDevhost({ appDir: repoRoot, main: fixtureMain, port: 0, logger, ...options });
  return {
    ...host,
    lines,
    async waitForLines(predicate, count = 1, timeoutMs = 15000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hits = lines.filter(predicate);
        if (hits.length >= count) return hits;
        if (Date.now() > deadline) throw new Error(`expected ${count} matching log line(s) within ${timeoutMs} ms, saw ${hits.length}; log:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}
