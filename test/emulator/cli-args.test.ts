import { parseCliArgs } from '../../tools/emulator/cli-args';

/** Flags of `npm run emulator`. */
describe('parseCliArgs', () => {
  it.each([
    ['no flags: port 8443, LRO delay 1000 ms', [], { port: 8443, lroDelayMs: 1000 }],
    ['all flags, both spellings', ['--port', '0', '--topology=t.json', '--state', 's.json', '--ca-file', 'ca.pem', '--signing-key-file', 'k.json', '--lro-delay-ms', '0', '--page-size=5'], { port: 0, topology: 't.json', stateFile: 's.json', caFile: 'ca.pem', signingKeyFile: 'k.json', lroDelayMs: 0, pageSize: 5 }],
  ])('%s', (_n, argv, expected) => {
    const r = parseCliArgs(argv);
    expect(r.problems).toEqual([]);
    expect(r.options).toMatchObject(expected);
  });

  it.each([
    ['unknown flag and bad port, both named', ['--verbose', '--port', 'x'], ["unknown argument '--verbose'", '--port must be a non-negative integer']],
    ['missing value', ['--state'], ['--state needs a value']],
    ['port out of range', ['--port', '70000'], ['--port must be at most 65535']],
    ['page size 0', ['--page-size', '0'], ['--page-size must be at least 1']],
  ])('%s', (_n, argv, problems) => {
    expect(parseCliArgs(argv).problems).toEqual(problems);
  });
});
