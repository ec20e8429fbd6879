import { parseForwardSpec, type ForwardSpec } from '../../core/forward-spec';
import { specChangeProblems } from '../../core/spec-change';

/** Spec changes Azure cannot carry out in place (core/spec-change.ts): removing a zone. */
function spec(zones: string[]): ForwardSpec {
  const r = parseForwardSpec({ ports: [{ port: 8000 }], targets: ['192.168.42.65'], nodes: { count: 2, vmSize: 'Standard_B1s', zones } });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.spec;
}

describe('specChangeProblems', () => {
  it.each<[string, string[] | undefined, string[], RegExp | undefined]>([
    ['a new forward: any zones', undefined, ['1'], undefined],
    ['zones unchanged', ['1', '2', '3'], ['1', '2', '3'], undefined],
    ['zones reordered', ['1', '2', '3'], ['3', '1', '2'], undefined],
    ['a zone added', ['1', '2'], ['1', '2', '3'], undefined],
    ['zones added to a forward without zones', [], ['1', '2'], undefined],
    ['a zone removed: refused, naming it and what to do', ['1', '2', '3'], ['1', '2'], /cannot remove zone\(s\) "3".*delete the forward and create it again/],
    ['every zone removed: refused, naming each', ['1', '2'], [], /cannot remove zone\(s\) "1", "2"/],
    ['one zone swapped for another: refused (a removal)', ['1'], ['2'], /cannot remove zone\(s\) "1"/],
  ])('%s', (_situation, before, after, message) => {
    const problems = specChangeProblems(before ? spec(before) : undefined, spec(after));
    if (!message) expect(problems).toEqual([]);
    else expect(problems).toEqual([{ path: 'nodes.zones', message: expect.stringMatching(message) }]);
  });
});
