/**
 * The bodies of the forwards API's action routes: `POST /api/forwards/{name}/probes/run` and
 * `POST /api/forwards/{name}/recycling/resume`. Neither reads anything from its body: what to act
 * on is in the path (and, for a probe run, the `subnetId` query), so the body is optional and,
 * when sent, is an empty JSON object. A property sent is a problem named with its path, never
 * ignored: a caller who believes `{"subnetId": ...}` picks the probe would otherwise get a run of
 * another one. ONE zod schema per route validates the body (functions/request-checks.ts) and,
 * through `z.toJSONSchema`, is the request body of the OpenAPI document (core/openapi.ts).
 * Pure: no I/O, no SDK.
 */
import { z } from 'zod';
import { problemsOf, type Problem } from './forward-spec';

const NOT_AN_OBJECT = 'the body must be a JSON object ({}), or no body at all';

/** An empty, closed object; `hint` ends the message for a property sent. */
function noProperties(hint: string, description: string) {
  return z.strictObject({}, { error: (iss) => (iss.code === 'unrecognized_keys' ? `is not a known property: ${hint}` : NOT_AN_OBJECT) }).describe(description);
}

export const probeRunBodySchema = noProperties(
  'this operation takes no body properties (name the probe with the query ?subnetId=)',
  'Optional: no body, or {}. The probe to run is named by the query parameter subnetId, never by the body.',
);

export const resumeRecyclingBodySchema = noProperties('this operation takes no body properties', 'Optional: no body, or {}. The forward is named by the path.');

/** Problems of an action route's body (`undefined`: none was sent); empty when it is acceptable. Never throws. */
export function actionBodyProblems(schema: z.ZodType, body: unknown): Problem[] {
  if (body === undefined) return [];
  try {
    const result = schema.safeParse(body);
    return result.success ? [] : problemsOf(result.error.issues);
  } catch (e) {
    return [{ path: '', message: `could not be validated: ${e instanceof Error ? e.message : String(e)}` }];
  }
}

/** The JSON Schema (2020-12) of an action route's body, as the OpenAPI document states it. */
export function actionBodyJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return json;
}
