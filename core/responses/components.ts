/**
 * The OpenAPI document's `components.schemas`, generated from the zod schemas that type the code:
 * the request bodies (core/forward-spec.ts, core/action-bodies.ts) and every response body
 * (core/responses/*.ts). One `z.toJSONSchema` call over a registry of the named ones, so a named
 * schema used inside another becomes a `$ref` to its component. JSON Schema 2020-12, OpenAPI
 * 3.1's dialect; request bodies are described as they are sent (`io: input`: defaults shown,
 * optional where a default fills them). Pure: zod only.
 */
import { z } from 'zod';
import { probeRunBodySchema, resumeRecyclingBodySchema } from '../action-bodies';
import { forwardSpecSchema } from '../forward-spec';
import { actionListSchema, actionSchema } from './action';
import { forwardListSchema, forwardSchema } from './forward';
import { healthSchema } from './health';
import { problemSchema } from './problem';
import { probeOutcomeSchema, probePortResultSchema, probeRunListSchema, probeRunSchema, probeRunStartedSchema, probeRunStateSchema, probeStageSchema } from './probe-run';
import { recyclingResumeSchema } from './recycling';
import { conditionSchema, connectionDnsRecordSchema, connectionSchema, forwardStatusSchema } from './status';

/** Component name -> schema: every body the API takes or answers, and the parts shared by several. */
export const COMPONENTS = {
  ForwardSpec: forwardSpecSchema,
  ProbeRunRequest: probeRunBodySchema,
  ResumeRecyclingRequest: resumeRecyclingBodySchema,
  RecyclingResume: recyclingResumeSchema,
  Condition: conditionSchema,
  ConnectionDnsRecord: connectionDnsRecordSchema,
  Connection: connectionSchema,
  ForwardStatus: forwardStatusSchema,
  ProbeOutcome: probeOutcomeSchema,
  ProbeStage: probeStageSchema,
  ProbePortResult: probePortResultSchema,
  ProbeRun: probeRunSchema,
  ProbeRunList: probeRunListSchema,
  ProbeRunStarted: probeRunStartedSchema,
  ProbeRunState: probeRunStateSchema,
  Action: actionSchema,
  ActionList: actionListSchema,
  Forward: forwardSchema,
  ForwardList: forwardListSchema,
  Problem: problemSchema,
  Health: healthSchema,
} as const satisfies Record<string, z.ZodType>;

export type ComponentName = keyof typeof COMPONENTS;

/** `#/components/schemas/{name}`. */
export const componentRef = (name: ComponentName | string) => `#/components/schemas/${name}`;

/** zod states `z.int()` as within ±(2^53 - 1): JSON numbers say nothing more, so the document leaves it out. */
function withoutSafeIntegerBounds(schema: Record<string, unknown>): void {
  if (schema.type !== 'integer') return;
  if (schema.minimum === Number.MIN_SAFE_INTEGER) delete schema.minimum;
  if (schema.maximum === Number.MAX_SAFE_INTEGER) delete schema.maximum;
}

/** Every component as JSON Schema 2020-12, keyed by name; references between them are `$ref`s. */
export function componentSchemas(): Record<ComponentName, Record<string, unknown>> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(COMPONENTS)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    io: 'input',
    target: 'draft-2020-12',
    uri: componentRef,
    override: (ctx) => withoutSafeIntegerBounds(ctx.jsonSchema as Record<string, unknown>),
  });
  const out: Record<string, Record<string, unknown>> = {};
  for (const id of Object.keys(COMPONENTS)) {
    const { $schema: _dialect, $id: _id, ...schema } = schemas[id] as Record<string, unknown>;
    out[id] = schema;
  }
  return out as Record<ComponentName, Record<string, unknown>>;
}
