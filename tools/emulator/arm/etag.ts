import { randomUUID } from 'node:crypto';
import { preconditionFailed } from './errors';

/**
 * Etags. Network RP answers weak etags (`W/"guid"`), Private DNS plain guids; both change on every
 * write. Comparison ignores the weak prefix and quotes, as ARM does for If-Match.
 */
export type EtagStyle = 'weak' | 'plain';

export function newEtag(style: EtagStyle = 'weak'): string {
  const g = randomUUID();
  return style === 'weak' ? `W/"${g}"` : g;
}

export function normalizeEtag(tag: string): string {
  return tag.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

/**
 * Applies If-Match / If-None-Match to a write or delete. `current` is the stored etag, or undefined
 * when the resource does not exist. Throws 412 PreconditionFailed like ARM.
 */
export function checkPreconditions(
  headers: { ifMatch?: string; ifNoneMatch?: string },
  current: string | undefined,
  describe: string,
): void {
  const { ifMatch, ifNoneMatch } = headers;
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() === '*' && current !== undefined) {
    throw preconditionFailed(`The resource '${describe}' already exists and If-None-Match: * was sent.`);
  }
  if (ifMatch !== undefined && ifMatch.trim() !== '') {
    if (current === undefined) {
      throw preconditionFailed(`The resource '${describe}' does not exist; If-Match '${ifMatch}' cannot be satisfied.`);
    }
    if (ifMatch.trim() === '*') return;
    const wanted = ifMatch.split(',').map(normalizeEtag);
    if (!wanted.includes(normalizeEtag(current))) {
      throw preconditionFailed(
        `The etag '${ifMatch}' sent in If-Match does not match the current etag of '${describe}'; it was changed by another operation.`,
      );
    }
  }
}
