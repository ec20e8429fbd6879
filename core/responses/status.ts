/**
 * A forward's status as `GET /api/forwards/{name}` shows it: phase, conditions, resources, nodes,
 * connections with their DNS records, and the probes. core/status.ts, core/dns-plan.ts,
 * core/connection-policy.ts and core/probes.ts take their types from these schemas. Condition
 * types are the closed list of core/conditions.ts; reasons are strings (ours are listed as
 * examples) because a failed pass carries the Azure error code as it is. Pure: zod and
 * core/conditions.ts only.
 */
import { z } from 'zod';
import { ConditionTypes, Reasons, type ArmCode, type ConditionType, type Reason } from '../conditions';
import { dateTime, integer } from './common';
import { connectFailureSchema, probeOutcomeSchema, probeStageSchema } from './probe-run';

export const phaseSchema = z.enum(['Provisioning', 'Ready', 'Updating', 'Degraded', 'Deleting', 'Failed']);

export const conditionSchema = z.strictObject({
  type: z.enum(Object.values(ConditionTypes) as [ConditionType, ...ConditionType[]]).describe('what the condition is about; each flow writes its own (core/conditions.ts)'),
  status: z.enum(['True', 'False', 'Unknown']),
  // A string in the document (an Azure error code is open-ended); typed for the code as one of
  // our reasons or an ArmCode, so a producer cannot write a free-form reason (a cast of the type
  // only: at run time it is the same string schema).
  reason: (z.string() as unknown as z.ZodType<Reason | ArmCode, string>).meta({
    description: "one word (CamelCase) saying why: one of the condition type's reasons (core/conditions.ts), or the Azure error code of a failed pass (Ready, Synced, ConnectionsReconciled)",
    examples: [...new Set(Object.values(Reasons).flatMap((r) => Object.values(r) as string[]))],
  }),
  message: z.string(),
  lastTransitionTime: dateTime().describe('when its status last changed'),
  observedGeneration: integer().describe(
    'the spec generation the condition was written for (every writer sets it; Ready: so a Failed phase names the generation that failed, since status.observedGeneration moves only when a generation is provisioned and stays 0 when the first one fails)',
  ),
});

export const recycleStepSchema = z.strictObject({ action: z.enum(['reimage', 'replace', 'verify']), time: dateTime(), result: z.string() });

export const nodeSchema = z.strictObject({
  instanceId: z.string(),
  ip: z.string().optional(),
  health: z.string().describe('healthy | unhealthy | unknown (health watch, from the load balancer probe metric); before the first sweep, the instance view (or the instance\'s provisioning state while it is not Succeeded, lower-cased)'),
  latestModelApplied: z.boolean().optional(),
  lastSample: dateTime().optional().describe('time of the last metric point read for the node'),
  recycles: z.array(recycleStepSchema).optional().describe('recycle steps of the node, oldest first'),
});

export const dnsStateSchema = z.enum(['written', 'conflict', 'noZone', 'pending', 'removed']);

export const connectionDnsRecordSchema = z.strictObject({
  fqdn: z.string(),
  zoneId: z.string().describe('the private DNS zone resource id'),
  ip: z.string().optional().describe("the private endpoint's NIC IP the record points at"),
  state: dnsStateSchema,
  message: z.string().optional(),
});

export const connectionStateSchema = z.enum(['Pending', 'Approved', 'Rejected', 'Disconnected']);
export const decisionSchema = z.enum(['approve', 'keep', 'reject', 'leave']);

export const connectionSchema = z
  .strictObject({
    name: z.string(),
    privateEndpointId: z.string(),
    subscriptionId: z.string(),
    virtualNetworkId: z.string().optional(),
    state: connectionStateSchema,
    decision: decisionSchema,
    reason: z.string(),
    dns: z.array(connectionDnsRecordSchema).optional(),
    problem: z
      .string()
      .optional()
      .describe('Why the private endpoint or its NIC could not be read (403 no rights in its subscription, 401 another tenant, or gone); the connection is decided on its subscription alone'),
  })
  .describe("A private endpoint connection to the forward's Private Link Service and what was decided for it");

/** The last run of a probe, as the status sums it up. */
export const probeRunSummarySchema = z.strictObject({
  runId: z.string(),
  at: dateTime(),
  outcome: probeOutcomeSchema,
  stage: z.string().optional().describe('the failing stage: dns, connect (refused|timeout), infrastructure (code), deadline, interrupted'),
  ports: z.array(
    z.strictObject({ port: integer(), ok: z.boolean(), stage: probeStageSchema.optional(), connect: connectFailureSchema.optional(), latencyMs: integer().optional() }),
  ),
  code: z.string().optional(),
});

/** One probe in the status: its last run's summary (absent before the first run) and when it is due next. */
export const probeListingSchema = probeRunSummarySchema.partial().extend({ subnetId: z.string(), nextRunAt: dateTime().optional() });

export const forwardStatusSchema = z.strictObject({
  phase: phaseSchema,
  observedGeneration: integer(),
  conditions: z.array(conditionSchema),
  resources: z.strictObject({ loadBalancerId: z.string().optional(), scaleSetId: z.string().optional(), privateLinkServiceId: z.string().optional() }),
  privateLinkServiceAlias: z.string().optional(),
  frontendIp: z.string().optional().describe("the load balancer's frontend IP in the hub"),
  nodes: z.array(nodeSchema),
  error: z.strictObject({ code: z.string(), message: z.string() }).optional().describe('the ARM code and message of a terminal failure'),
  connections: z.array(connectionSchema).optional().describe('assembled from the connections flow (GET of the forward only)'),
  probes: z
    .array(probeListingSchema)
    .optional()
    .describe('each probe of the spec with its next scheduled run and, once it ran, its last run (runId, at, outcome, ports); the condition Reachable sums them up: False after PLF_PROBE_FAILURE_THRESHOLD failed runs in a row'),
});

export type Phase = z.infer<typeof phaseSchema>;
export type Condition = z.infer<typeof conditionSchema>;
export type NodeStatus = z.infer<typeof nodeSchema>;
export type DnsState = z.infer<typeof dnsStateSchema>;
export type DnsRecordView = z.infer<typeof connectionDnsRecordSchema>;
export type ConnectionState = z.infer<typeof connectionStateSchema>;
export type Decision = z.infer<typeof decisionSchema>;
export type ConnectionView = z.infer<typeof connectionSchema>;
export type ProbeRunSummary = z.infer<typeof probeRunSummarySchema>;
export type ProbeListing = z.infer<typeof probeListingSchema>;
export type ForwardStatus = z.infer<typeof forwardStatusSchema>;
