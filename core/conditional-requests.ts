/**
 * Conditional requests (RFC 9110 section 13.1): the If-Match and If-None-Match fields a client
 * sends with PUT and DELETE of a forward, parsed and evaluated against the forward's current
 * ETag (store/forward-registry.ts `specEtag`, always strong: `"<generation>.<base36>"`).
 *
 *   If-Match      = "*" / #entity-tag          (13.1.1; compared strongly)
 *   If-None-Match = "*" / #entity-tag          (13.1.2; compared weakly)
 *   entity-tag    = [ "W/" ] DQUOTE *etagc DQUOTE      etagc = %x21 / %x23-7E / obs-text (8.8.3)
 *
 * A value that is neither `*` nor such a list is malformed: the API answers 400 naming the header,
 * never a 412 (which would claim the forward changed). Pure: no I/O.
 */

export interface EntityTag {
  weak: boolean;
  /** The opaque tag with its quotes, as the ETag header carries it: `"3.mabc12"`. */
  opaque: string;
}

/** A parsed If-Match / If-None-Match: `*` (any current representation) or the entity tags listed. */
export type EntityTagCondition = '*' | readonly EntityTag[];

/** The client's preconditions on a write (absent: none sent). */
export interface Preconditions {
  ifMatch?: EntityTagCondition;
  ifNoneMatch?: EntityTagCondition;
}

/** At most this many entity tags in one field; a list longer than this is no client's honest condition. */
export const MAX_ENTITY_TAGS = 64;

const OWS = /[ \t]/;
const isEtagc = (c: number) => c === 0x21 || (c >= 0x23 && c <= 0x7e) || (c >= 0x80 && c <= 0xff);

/**
 * Parses one If-Match / If-None-Match value (several fields of the same name arrive joined with
 * ", ", which is the same list). Empty list elements are skipped (RFC 9110 5.6.1). The answer is
 * the condition, or what is wrong with the value, in words.
 */
export function parseEntityTagCondition(value: string): { condition: EntityTagCondition } | { problem: string } {
  const text = value.trim();
  if (text === '*') return { condition: '*' };
  const shown = JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}...` : text);
  const bad = (why: string) => ({ problem: `must be * or a comma-separated list of entity tags ("..." or W/"...", as the ETag header gives them): ${why} in ${shown}` });
  const tags: EntityTag[] = [];
  let i = 0;
  while (i < text.length) {
    // Skip whitespace and empty list elements.
    if (OWS.test(text[i]) || text[i] === ',') {
      i++;
      continue;
    }
    const start = i;
    const weak = text.startsWith('W/', i);
    if (weak) i += 2;
    if (text[i] !== '"') return bad(text[start] === '*' ? '* stands alone, never in a list' : `an entity tag is quoted, at "${text.slice(start, start + 20)}"`);
    let end = i + 1;
    while (end < text.length && text[end] !== '"') {
      if (!isEtagc(text.charCodeAt(end))) return bad(`a character not allowed in an entity tag (${JSON.stringify(text[end])})`);
      end++;
    }
    if (end >= text.length) return bad('an entity tag without its closing quote');
    tags.push({ weak, opaque: text.slice(i, end + 1) });
    if (tags.length > MAX_ENTITY_TAGS) return { problem: `lists more than ${MAX_ENTITY_TAGS} entity tags` };
    i = end + 1;
    while (i < text.length && OWS.test(text[i])) i++;
    if (i < text.length && text[i] !== ',') return bad(`entity tags are separated by commas, at "${text.slice(i, i + 20)}"`);
  }
  if (!tags.length) return bad('no entity tag');
  return { condition: tags };
}

/** RFC 9110 8.8.3.2: strong comparison — both strong, same opaque tag. */
const strongMatch = (tag: EntityTag, current: string) => !tag.weak && tag.opaque === current;
/** Weak comparison — the same opaque tag, either or both weak. */
const weakMatch = (tag: EntityTag, current: string) => tag.opaque === current;

/**
 * Why the client's preconditions do not hold for the forward whose current (strong) ETag is
 * `current` (undefined: there is no forward), or undefined when they hold. RFC 9110 13.2.2's
 * order: If-Match first, then If-None-Match (If-Unmodified-Since and If-Modified-Since do not
 * apply: the API gives no Last-Modified, so they are ignored as 13.1.3/13.1.4 require).
 *
 * - If-Match `*`: false when there is no forward; a list: true only when one of its tags strongly
 *   matches the current ETag (a weak tag never does).
 * - If-None-Match `*`: false when the forward exists; a list: false when one of its tags weakly
 *   matches the current ETag. False answers 412 for PUT and DELETE (304 is only for GET/HEAD).
 */
export function failedPrecondition(current: string | undefined, p: Preconditions): string | undefined {
  if (p.ifMatch !== undefined) {
    if (current === undefined) return `If-Match${p.ifMatch === '*' ? ': *' : ''}: the forward does not exist`;
    if (p.ifMatch !== '*' && !p.ifMatch.some((t) => strongMatch(t, current))) {
      return p.ifMatch.some((t) => weakMatch(t, current))
        ? `If-Match: W/${current} is a weak entity tag, and If-Match compares strongly: send the ETag as a GET answered it (${current})`
        : 'If-Match: the forward changed since it was read (no entity tag listed is its current ETag)';
    }
  }
  if (p.ifNoneMatch !== undefined && current !== undefined) {
    if (p.ifNoneMatch === '*') return 'If-None-Match: *: the forward already exists (create only)';
    if (p.ifNoneMatch.some((t) => weakMatch(t, current))) return 'If-None-Match: the forward is still a version named';
  }
  return undefined;
}
