import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ROOT } from './helpers/stack';

/**
 * Telemetry as deployed (functions/telemetry.ts), end to end without Azure: the compiled app on
 * devhost with APPLICATIONINSIGHTS_CONNECTION_STRING pointing at a local HTTPS ingestion
 * endpoint, so the real Azure Monitor exporter, the real Functions instrumentation and the real
 * OpenTelemetry SDK produce what Application Insights would receive
 * (test/fixtures/telemetry-scenario.ts). The scenario runs in a network namespace with only
 * loopback: the distro's Azure VM metadata look-up and statistics cannot leave the machine.
 */
interface Envelope {
  tags?: Record<string, string>;
  data?: { baseType?: string; baseData?: { message?: string; properties?: Record<string, string> } };
}

function netnsReason(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  const probe = spawnSync('unshare', ['-n', '--', 'ip', 'link', 'set', 'lo', 'up'], { encoding: 'utf8' });
  if (probe.error) return `unshare/ip not runnable: ${probe.error.message}`;
  if (probe.status !== 0) return `cannot create a network namespace (root needed): ${probe.stderr.trim()}`;
  return undefined;
}

const reason = netnsReason();
if (reason && process.env.PLF_REQUIRE_NETNS !== '1') console.warn(`\n*** SKIPPING "telemetry": ${reason}. CI runs it (PLF_REQUIRE_NETNS=1). ***\n`);
const describeNetns = reason && process.env.PLF_REQUIRE_NETNS !== '1' ? describe.skip : describe;

describeNetns('telemetry to Application Insights (local ingestion endpoint, own network namespace)', () => {
  let envelopes: Envelope[] = [];
  let output = '';

  beforeAll(() => {
    if (reason) throw new Error(`PLF_REQUIRE_NETNS=1 but ${reason}`);
    const run = spawnSync('unshare', ['-n', '--', 'sh', '-c', `ip link set lo up && exec "${process.execPath}" "${path.join(ROOT, 'dist/test/fixtures/telemetry-scenario.js')}"`], {
      encoding: 'utf8',
      timeout: 150_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    const last = run.stdout.trim().split('\n').pop() ?? '';
    const result = JSON.parse(last || '{}') as { envelopes?: Envelope[]; output?: string; error?: string };
    if (result.error || !result.envelopes) throw new Error(`telemetry scenario failed: ${result.error ?? run.stderr}\n${result.output ?? ''}`);
    envelopes = result.envelopes;
    output = result.output ?? '';
  }, 180_000);

  const stepRecords = () => envelopes.filter((e) => e.data?.baseType === 'MessageData' && e.data.baseData?.properties?.event === 'plf.step');

  it('the Functions instrumentation tells the host the worker sends its own telemetry', () => {
    expect(output).toContain('Capability WorkerOpenTelemetryEnabled set to true');
  });

  it('each step arrives as a log record whose fields are queryable dimensions (forward, orchestration, ARM counts)', () => {
    const ensure = stepRecords().find((e) => e.data?.baseData?.properties?.activity === 'ensureResource');
    expect(ensure?.data?.baseData?.properties).toEqual(
      expect.objectContaining({ event: 'plf.step', forward: 'web', orchestrationId: 'forward:web', outcome: 'ok', armReads: expect.stringMatching(/^\d+$/), armWrites: expect.stringMatching(/^\d+$/), ms: expect.stringMatching(/^\d+$/) }),
    );
    expect(JSON.parse(ensure?.data?.baseData?.message ?? '{}')).toEqual(expect.objectContaining({ event: 'plf.step', forward: 'web' }));
    expect(stepRecords().map((e) => e.data?.baseData?.properties?.activity)).toEqual(expect.arrayContaining(['ensureResource', 'finishReconcile']));
  });

  it("each record carries its invocation's trace (operation id), one trace per invocation", () => {
    const ids = stepRecords().map((e) => e.tags?.['ai.operation.id'] ?? '');
    expect(ids.every((id) => /^[0-9a-f]{32}$/.test(id) && !/^0+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('with telemetry on, a step is not also printed (the host would send the line a second time)', () => {
    expect(stepRecords().length).toBeGreaterThan(0);
    expect(output).not.toContain('"event":"plf.step"');
  });
});
