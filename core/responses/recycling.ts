/** `POST /api/forwards/{name}/recycling/resume`'s answer (200 and 202). Pure: zod only. */
import { z } from 'zod';
import { dateTime } from './common';

export const recyclingResumeSchema = z.strictObject({
  resumed: z.boolean().describe('true (202): this request lifted a suspension; false (200): there was none in force, nothing changed'),
  resumedAt: dateTime().optional().describe('when an operator last resumed recycling of the forward (this request, when resumed)'),
  instanceId: z.string().optional().describe('with resumed: the node whose suspension was lifted'),
  suspendedSince: dateTime().optional().describe('with resumed: when that suspension began'),
  message: z.string().describe('what happened, in words'),
});

export type RecyclingResume = z.infer<typeof recyclingResumeSchema>;
