import { parseCliArgs } from '../../tools/devhost/cli-args';
import { compileRoute, matchRoute } from '../../tools/devhost/http-routes';
import { parseSchedule } from '../../tools/devhost/timers';

describe('route templates', () => {
  it.each([
    ['a literal route matches case-insensitively', 'health', 'HEALTH', {}],
    ['a parameter captures one decoded segment', 'forwards/{name}', 'forwards/on%20prem', { name: 'on prem' }],
    ['an optional parameter may be left out', 'forwards/{name?}', 'forwards', {}],
    ['an int constraint accepts digits', 'items/{id:int}', 'items/42', { id: '42' }],
    ['a catch-all takes the rest of the path', 'files/{*path}', 'files/a/b/c', { path: 'a/b/c' }],
  ])('%s', (_s, template, path, params) => {
    expect(matchRoute(compileRoute(template), path)).toEqual(params);
  });

  it.each([
    ['extra segments do not match', 'forwards/{name}', 'forwards/a/b'],
    ['a missing required parameter does not match', 'forwards/{name}', 'forwards'],
    ['an int constraint refuses letters', 'items/{id:int}', 'items/abc'],
    ['a different literal does not match', 'forwards', 'backwards'],
  ])('%s', (_s, template, path) => {
    expect(matchRoute(compileRoute(template), path)).toBeUndefined();
  });
});

describe('NCRONTAB and TimeSpan schedules', () => {
  const from = new Date('2026-01-01T00:00:00.000Z');
  it.each([
    ['every 15 seconds', '*/15 * * * * *', '2026-01-01T00:00:15.000Z'],
    ['every 5 minutes at second 0', '0 */5 * * * *', '2026-01-01T00:05:00.000Z'],
    ['daily at 02:30 UTC', '0 30 2 * * *', '2026-01-01T02:30:00.000Z'],
    ['a TimeSpan interval', '00:10:00', '2026-01-01T00:10:00.000Z'],
  ])('%s', (_s, schedule, next) => {
    expect(parseSchedule(schedule).next(from)?.toISOString()).toBe(next);
  });

  it.each([
    ['five fields (no seconds) are refused', '*/5 * * * *', /six fields/],
    ['garbage is refused', 'every minute', /six fields/],
    ['a zero TimeSpan is refused', '00:00:00', /positive/],
  ])('%s', (_s, schedule, message) => {
    expect(() => parseSchedule(schedule)).toThrow(message);
  });
});

describe('devhost command line', () => {
  it.each([
    ['defaults', [], {}, { appDir: '.', port: 7071, json: false, store: 'memory', clock: 'real' }],
    ['every flag', ['--app', 'x', '--main', 'dist/*.js', '--port', '0', '--json', '--store', 'tables', '--storage-connection', 'UseDevelopmentStorage=true', '--hub', 'myhub'], {}, { appDir: 'x', main: 'dist/*.js', port: 0, json: true, store: 'tables', storageConnection: 'UseDevelopmentStorage=true', hub: 'myhub', clock: 'real' }],
    ['--flag=value form', ['--port=8080'], {}, { appDir: '.', port: 8080, json: false, store: 'memory', clock: 'real' }],
    ['tables with AzureWebJobsStorage from the environment', ['--store', 'tables'], { AzureWebJobsStorage: 'UseDevelopmentStorage=true' }, { appDir: '.', port: 7071, json: false, store: 'tables', clock: 'real' }],
    ['a controllable clock restarted ahead of real time', ['--clock', 'controllable', '--clock-offset-seconds', '3600'], {}, { appDir: '.', port: 7071, json: false, store: 'memory', clock: 'controllable', clockOffsetSeconds: 3600 }],
    ['a controllable clock from the environment', [], { DEVHOST_CLOCK: 'controllable' }, { appDir: '.', port: 7071, json: false, store: 'memory', clock: 'controllable' }],
  ])('%s', (_s, argv, env, options) => {
    expect(parseCliArgs(argv as string[], env)).toEqual({ ok: true, options });
  });

  it.each([
    ['an unknown clock', ['--clock', 'fast'], {}, '--clock must be real or controllable, got "fast"'],
    ['an offset of a real clock', ['--clock-offset-seconds', '60'], {}, '--clock-offset-seconds needs --clock controllable'],
    ['a negative offset', ['--clock', 'controllable', '--clock-offset-seconds', '-1'], {}, '--clock-offset-seconds must be a non-negative number, got "-1"'],
    ['an unknown DEVHOST_CLOCK', [], { DEVHOST_CLOCK: 'yes' }, 'DEVHOST_CLOCK must be real or controllable, got "yes"'],
  ])('clock: %s is refused', (_s, argv, env, problem) => {
    expect(parseCliArgs(argv, env)).toEqual({ ok: false, problems: [problem] });
  });

  it('names every problem at once', () => {
    const parsed = parseCliArgs(['--port', '99999', '--store', 'disk', '--bogus', '--hub', '1x', '--app']);
    expect(parsed).toEqual({
      ok: false,
      problems: ['--port must be an integer 0-65535, got "99999"', '--store must be memory or tables, got "disk"', 'unknown argument "--bogus"', '--hub must be 3-45 letters and digits starting with a letter, got "1x"', '--app needs a value'],
    });
  });
});
