import { compareShapes, missingPaths } from './helpers/shape';

/** The shape comparer used by the conformance suites must actually catch differences. */
describe('the shape comparer itself', () => {
  it.each([
    ['type mismatch at depth', { a: { b: 1 } }, { a: { b: 'x' } }, ['a.b: emulator has number, example has string']],
    ['array element mismatch', { a: [{ b: true }, { b: 1 }] }, { a: [{ b: false }] }, ['a[].b: emulator has number, example has boolean']],
    ['object vs array', { a: {} }, { a: [] }, ['a: emulator has object, example has array']],
    ['fields only one side carries are ignored', { a: 1 }, { b: 'x' }, []],
  ])('%s', (_n, actual, ex, problems) => {
    expect(compareShapes(actual, ex)).toEqual(problems);
  });

  it('missingPaths names what is absent, including inside every array element', () => {
    expect(missingPaths({ a: [{ b: 1 }, {}] }, ['a[].b', 'c'])).toEqual(['a[].b', 'c']);
  });
});
