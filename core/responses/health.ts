/**
 * `GET /api/health`'s body; core/app-settings.ts's ArmTarget and StorageTarget are inferred from
 * it. Pure: zod only.
 */
import { z } from 'zod';

export const armTargetSchema = z
  .strictObject({
    kind: z.enum(['azure', 'emulator']).describe('emulator when PLF_ARM_ENDPOINT is set (the local stack), else azure'),
    endpoint: z.string(),
    caFile: z.string().optional().describe("path of the CA bundle that trusts the emulator's certificate"),
  })
  .describe('the Azure Resource Manager endpoint used (only with sign-in off)');

export const storageTargetSchema = z
  .strictObject({
    kind: z.enum(['development', 'connection-string', 'identity', 'unset']),
    tableEndpoint: z.string().optional(),
    accountName: z.string().optional(),
  })
  .describe('the table storage used, never a key (only with sign-in off)');

export const healthSchema = z.strictObject({
  status: z.literal('ok'),
  version: z.string(),
  node: z.string().optional().describe('the Node.js version (only with sign-in off: the local stack)'),
  arm: armTargetSchema.optional(),
  storage: storageTargetSchema.optional(),
});

export type ArmTarget = z.infer<typeof armTargetSchema>;
export type StorageTarget = z.infer<typeof storageTargetSchema>;
export type Health = z.infer<typeof healthSchema>;
