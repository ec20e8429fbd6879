/**
 * The action log as `GET /api/forwards/{name}/actions` answers it (store/action-log.ts keeps it).
 * Pure: zod only.
 */
import { z } from 'zod';
import { dateTime, page } from './common';

export const actorSchema = z.enum(['event', 'sweep', 'api', 'reconcile']);

export const actionSchema = z.strictObject({
  time: dateTime(),
  actor: actorSchema,
  action: z.string().meta({ description: 'e.g. approve, reject, dns-write, dns-remove, conflict', examples: ['approve', 'reject', 'dns-write', 'dns-remove', 'conflict'] }),
  target: z.string().describe('what it acted on (a connection name, a record FQDN, a node)'),
  reason: z.string(),
});

export const actionListSchema = page(actionSchema);

export type Actor = z.infer<typeof actorSchema>;
export type Action = z.infer<typeof actionSchema>;
export type ActionList = z.infer<typeof actionListSchema>;
