import type { Stack } from '../test/integration/helpers/stack';
import { eventually } from '../test/integration/helpers/stack';

/**
 * Invokes a non-HTTP function of the stack's devhost now (`POST /admin/functions/{name}`, 202) and
 * waits until that invocation has finished: devhost logs one line per finished invocation,
 * `Executed '<name>' (Succeeded, …)` or `FAILED '<name>' (Failed, …)` (tools/devhost/log.ts). So
 * a benchmark counts the ARM requests of the invocation it caused, not whatever arrived within a
 * quiet period (under load the invocation may start after such a period has passed).
 * Throws when it failed or did not finish within `timeoutMs`.
 */
export async function invokeAndWait(s: Stack, name: string, timeoutMs = 60_000): Promise<void> {
  const finished = () => s.output().match(new RegExp(`(?:Executed|FAILED) '${name}' \\((\\w+)`, 'g')) ?? [];
  const before = finished().length;
  const r = await s.api('POST', `/admin/functions/${name}`, {});
  if (r.status !== 202) throw new Error(`POST /admin/functions/${name}: ${r.status} ${JSON.stringify(r.body)}`);
  const line = await eventually(async () => finished()[before], `${name} finished`, timeoutMs, 50);
  if (!/\(Succeeded$/.test(line)) throw new Error(`${name}: ${line}`);
}
