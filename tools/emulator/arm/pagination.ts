import type { ArmContext, ArmResponse } from './types';
import { ArmError } from './errors';

/**
 * ARM list paging: `{value: [...], nextLink}` with at most `options.pageSize` items per page. The
 * nextLink repeats the request URL with `$skiptoken` = offset (the SDK pagers follow it as is).
 */
export function paginate(ctx: ArmContext, items: unknown[]): ArmResponse {
  const size = ctx.emu.options.pageSize;
  const token = ctx.req.url.searchParams.get('$skiptoken');
  const start = token === null ? 0 : Number(token);
  if (!Number.isInteger(start) || start < 0) throw new ArmError(400, 'InvalidSkipToken', `The $skiptoken '${token}' is not valid.`);
  const page = items.slice(start, start + size);
  const body: Record<string, unknown> = { value: page };
  if (start + size < items.length) {
    const next = new URL(ctx.req.url.toString());
    next.searchParams.set('$skiptoken', String(start + size));
    body.nextLink = `${ctx.req.baseUrl}${next.pathname}${next.search}`;
  }
  return { status: 200, body };
}
