/**
 * Probe runs as the API answers them: `GET .../probes` (a page of finished runs), `POST
 * .../probes/run` (started) and `GET .../probes/runs/{runId}` (running, or finished with its
 * result). The types of core/probes.ts are inferred from these. Pure: zod only.
 */
import { z } from 'zod';
import { dateTime, integer, page } from './common';

export const probeOutcomeSchema = z.enum(['ok', 'failed', 'deadline', 'interrupted', 'infrastructure']);
export const probeStageSchema = z.enum(['dns', 'connect', 'infrastructure']);
export const connectFailureSchema = z.enum(['refused', 'timeout']);

export const probePortResultSchema = z.strictObject({
  port: integer().min(1).max(65535),
  ok: z.boolean(),
  stage: probeStageSchema.optional().describe('the stage that failed (absent when ok)'),
  connect: connectFailureSchema.optional().describe('with stage connect: a reset, or silence (every target down: the load balancer sends no new flows)'),
  latencyMs: integer().min(0).optional(),
  detail: z.string().describe("the probe's own line (printable, at most 200 characters)"),
});

export const probeRunSchema = z.strictObject({
  runId: z.string(),
  forward: z.string(),
  subnetId: z.string(),
  probeKey: z.string(),
  actor: z.enum(['schedule', 'api']),
  startedAt: dateTime(),
  finishedAt: dateTime(),
  outcome: probeOutcomeSchema,
  host: z.string().optional().describe('what the probe connected to: {recordName}.{zone}, or the endpoint IP without dns'),
  ports: z.array(probePortResultSchema),
  code: z.string().optional().describe('ARM or product code of a run that failed around the probe (e.g. SubnetNotDelegated, ContainerGroupQuotaReached)'),
  detail: z.string().optional(),
});

export const probeRunListSchema = page(probeRunSchema);

export const probeRunStartedSchema = z.strictObject({
  runId: z.string(),
  subnetId: z.string(),
  state: z.literal('running'),
  location: z.string().describe('where the run, then its result, can be read (the Location header)'),
});

export const probeRunStateSchema = z
  .discriminatedUnion('state', [
    z.strictObject({
      runId: z.string(),
      state: z.literal('running'),
      subnetId: z.string(),
      startedAt: dateTime().optional().describe('absent until the run has written its first row'),
    }),
    z.strictObject({ runId: z.string(), state: z.literal('finished'), result: probeRunSchema }),
  ])
  .describe('a run: running, or finished with its result');

export type ProbeStage = z.infer<typeof probeStageSchema>;
export type RunOutcome = z.infer<typeof probeOutcomeSchema>;
export type PortResult = z.infer<typeof probePortResultSchema>;
export type ProbeRunResult = z.infer<typeof probeRunSchema>;
export type ProbeRunList = z.infer<typeof probeRunListSchema>;
export type ProbeRunStarted = z.infer<typeof probeRunStartedSchema>;
export type ProbeRunState = z.infer<typeof probeRunStateSchema>;
