import { failedPrecondition, MAX_ENTITY_TAGS, parseEntityTagCondition, type EntityTagCondition, type Preconditions } from '../../core/conditional-requests';

/**
 * If-Match / If-None-Match as RFC 9110 13.1 defines them: `*` or a comma-separated list of entity
 * tags (`"..."` strong, `W/"..."` weak); anything else is malformed (the API's 400 naming the
 * header). Evaluated against the forward's current ETag, which the API always gives strong:
 * If-Match compares strongly (a weak tag never matches), If-None-Match weakly; any tag of a list
 * may match.
 */
const CURRENT = '"3.mabc12"';
const tags = (...t: [boolean, string][]): EntityTagCondition => t.map(([weak, opaque]) => ({ weak, opaque }));

describe('a well-formed If-Match / If-None-Match value is parsed', () => {
  it.each<[string, string, EntityTagCondition]>([
    ['*', '*', '*'],
    ['* with spaces around', '  * ', '*'],
    ['one strong tag (as the ETag header gives it)', CURRENT, tags([false, CURRENT])],
    ['one weak tag', `W/${CURRENT}`, tags([true, CURRENT])],
    ['an empty tag', '""', tags([false, '""'])],
    ['a list with and without spaces', '"a",W/"b" , "c"', tags([false, '"a"'], [true, '"b"'], [false, '"c"'])],
    ['empty list elements are skipped (RFC 9110 5.6.1)', ', "a",,\t"b" ,', tags([false, '"a"'], [false, '"b"'])],
    ['the characters etagc allows: ! # to ~ and obs-text', '"!#$%&\'()*+,-./:;<=>?@[]^_`{|}~\u00e9"', tags([false, '"!#$%&\'()*+,-./:;<=>?@[]^_`{|}~\u00e9"'])],
    ['two fields joined by the host', '"1.a", "2.a"', tags([false, '"1.a"'], [false, '"2.a"'])],
  ])('%s: %s', (_situation, value, condition) => {
    expect(parseEntityTagCondition(value)).toEqual({ condition });
  });
});

describe('a malformed value is a problem naming what is wrong, never a condition', () => {
  it.each<[string, string, RegExp]>([
    ['an unquoted word', 'garbage', /an entity tag is quoted/],
    ['the ETag without its quotes', '3.mabc12', /an entity tag is quoted/],
    ['a lower-case weak prefix (W/ is case-sensitive)', 'w/"a"', /an entity tag is quoted/],
    ['a weak prefix without a tag', 'W/', /an entity tag is quoted/],
    ['* inside a list', '"a", *', /\* stands alone/],
    ['* twice', '*, *', /\* stands alone/],
    ['no closing quote', '"abc', /without its closing quote/],
    ['a space inside the tag', '"a b"', /not allowed in an entity tag/],
    ['a backslash-escaped quote (not quoted-string)', '"a\\"b"', /separated by commas/],
    ['two tags without a comma', '"a" "b"', /separated by commas/],
    ['text after a tag', '"a"x', /separated by commas/],
    ['only commas', ' , ,', /no entity tag/],
    ['a character beyond obs-text', '"\u0100"', /not allowed in an entity tag/],
    [`more than ${MAX_ENTITY_TAGS} tags`, Array.from({ length: MAX_ENTITY_TAGS + 1 }, (_, i) => `"${i}"`).join(','), /more than \d+ entity tags/],
  ])('%s', (_situation, value, message) => {
    const parsed = parseEntityTagCondition(value);
    expect(parsed).toEqual({ problem: expect.stringMatching(message) });
  });

  it('the problem quotes the value, cut short when long', () => {
    const parsed = parseEntityTagCondition(`garbage${'x'.repeat(500)}`) as { problem: string };
    expect(parsed.problem).toContain('"garbagexxx');
    expect(parsed.problem.length).toBeLessThan(300);
  });
});

describe('preconditions evaluated against the current ETag (RFC 9110 13.1.1, 13.1.2, 13.2.2)', () => {
  const ok = undefined;
  it.each<[string, string | undefined, Preconditions, RegExp | undefined]>([
    ['none, on a forward', CURRENT, {}, ok],
    ['none, on no forward', undefined, {}, ok],
    ['If-Match: * on a forward', CURRENT, { ifMatch: '*' }, ok],
    ['If-Match: * on no forward', undefined, { ifMatch: '*' }, /If-Match: \*: the forward does not exist/],
    ['If-Match: the current ETag', CURRENT, { ifMatch: tags([false, CURRENT]) }, ok],
    ['If-Match: a list holding the current ETag (any match holds)', CURRENT, { ifMatch: tags([false, '"0.zz"'], [false, CURRENT]) }, ok],
    ['If-Match: a stale ETag', CURRENT, { ifMatch: tags([false, '"2.mabc12"']) }, /changed since it was read/],
    ['If-Match: the current ETag, weak (If-Match compares strongly)', CURRENT, { ifMatch: tags([true, CURRENT]) }, /weak entity tag.*compares strongly/],
    ['If-Match: an ETag, on no forward', undefined, { ifMatch: tags([false, CURRENT]) }, /If-Match: the forward does not exist/],
    ['If-None-Match: * on no forward (create)', undefined, { ifNoneMatch: '*' }, ok],
    ['If-None-Match: * on a forward', CURRENT, { ifNoneMatch: '*' }, /already exists/],
    ['If-None-Match: the current ETag', CURRENT, { ifNoneMatch: tags([false, CURRENT]) }, /still a version named/],
    ['If-None-Match: the current ETag, weak (If-None-Match compares weakly)', CURRENT, { ifNoneMatch: tags([true, CURRENT]) }, /still a version named/],
    ['If-None-Match: a list holding the current ETag', CURRENT, { ifNoneMatch: tags([false, '"0.zz"'], [true, CURRENT]) }, /still a version named/],
    ['If-None-Match: other ETags', CURRENT, { ifNoneMatch: tags([false, '"0.zz"'], [true, '"1.zz"']) }, ok],
    ['If-None-Match: an ETag, on no forward', undefined, { ifNoneMatch: tags([false, CURRENT]) }, ok],
    ['If-Match that holds and If-None-Match that does not: If-None-Match fails', CURRENT, { ifMatch: '*', ifNoneMatch: tags([false, CURRENT]) }, /If-None-Match/],
    ['If-Match that fails and If-None-Match that fails: If-Match is evaluated first', CURRENT, { ifMatch: tags([false, '"0.zz"']), ifNoneMatch: '*' }, /^If-Match/],
  ])('%s', (_situation, current, preconditions, failure) => {
    const failed = failedPrecondition(current, preconditions);
    if (failure) expect(failed).toMatch(failure);
    else expect(failed).toBeUndefined();
  });
});
