/**
 * Building blocks of the response schemas (core/responses/*.ts). Response objects are closed
 * (`z.strictObject`: the document says `additionalProperties: false`), so a property the API
 * starts to answer without documenting it fails the integration tests' check of every response
 * against the document (test/helpers/openapi-check.ts). Pure: zod only.
 */
import { z } from 'zod';

/** An ISO 8601 UTC time as the API writes it (`Date.prototype.toISOString`). */
export const dateTime = () => z.string().meta({ format: 'date-time' });

/** An integer (JSON Schema `type: integer`). */
export const integer = () => z.int();

/** A page of a list: `{value, nextLink}`, nextLink absent on the last page. */
export const page = <T extends z.ZodType>(item: T) =>
  z.strictObject({
    value: z.array(item),
    nextLink: z.string().optional().describe('the next page, when there is one'),
  });
