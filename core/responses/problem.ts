/**
 * The problem+json body of every refusal (RFC 9457; functions/problem.ts writes it). Pure: zod only.
 */
import { z } from 'zod';
import { integer } from './common';

/** Where a problem is: the route's path ({name}), its query, a request header, or its body. */
export const problemSourceSchema = z.enum(['path', 'query', 'header', 'body']);

export const problemItemSchema = z.strictObject({
  path: z.string().describe('the JSON path in the body ("" its root), the query or path parameter, or the header'),
  message: z.string(),
  in: problemSourceSchema.optional().describe('with a 400: where the problem is'),
});

export const problemSchema = z
  .strictObject({
    type: z.string().optional(),
    title: z.string(),
    status: integer(),
    detail: z.string().optional(),
    problems: z.array(problemItemSchema).optional().describe('every problem found, each with where it is'),
  })
  .describe('RFC 9457 problem details');

export type ProblemSource = z.infer<typeof problemSourceSchema>;
export type ProblemItem = z.infer<typeof problemItemSchema>;
export type ProblemBody = z.infer<typeof problemSchema>;
