/**
 * A forward as `GET/PUT/DELETE /api/forwards/{name}` answer it, and the list of `GET
 * /api/forwards`. The spec is the PUT body's schema (core/forward-spec.ts) with every default
 * filled in. Pure: zod only.
 */
import { z } from 'zod';
import { forwardSpecSchema } from '../forward-spec';
import { dateTime, integer } from './common';
import { forwardStatusSchema, phaseSchema } from './status';

export const forwardSchema = z.strictObject({
  name: z.string(),
  generation: integer().describe('bumped by every PUT that changes the spec, and by DELETE'),
  deleting: z.boolean(),
  spec: forwardSpecSchema,
  status: forwardStatusSchema,
  createdAt: dateTime(),
  updatedAt: dateTime(),
});

export const forwardSummarySchema = z.strictObject({
  name: z.string(),
  generation: integer(),
  observedGeneration: integer(),
  phase: phaseSchema.describe('the phase every view shows (Degraded while a node fails, Deleting from the DELETE on)'),
  deleting: z.boolean(),
});

export const forwardListSchema = z.strictObject({ value: z.array(forwardSummarySchema) });

export type Forward = z.infer<typeof forwardSchema>;
export type ForwardList = z.infer<typeof forwardListSchema>;
