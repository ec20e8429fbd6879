import { logs } from '@opentelemetry/api-logs';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { consoleStructuredLogs, exportStructuredLogs, logEvent } from '../../orchestrations/kit/structured-log';

/** A structured event goes to exactly one place: a console line locally, an OpenTelemetry record on Azure. */
describe('structured events', () => {
  const exporter = new InMemoryLogRecordExporter();
  beforeAll(() => logs.setGlobalLoggerProvider(new LoggerProvider({ processors: [new SimpleLogRecordProcessor(exporter)] })));
  afterAll(() => logs.disable());
  afterEach(() => {
    consoleStructuredLogs();
    exporter.reset();
    jest.restoreAllMocks();
  });
  const event = { event: 'plf.step', forward: 'web', armReads: 3, code: undefined, previous: null, ok: true };

  it('locally: one JSON line (undefined fields left out), no record', () => {
    const info = jest.spyOn(console, 'info').mockImplementation(() => undefined);
    logEvent(event);
    expect(info.mock.calls).toEqual([['{"event":"plf.step","forward":"web","armReads":3,"previous":null,"ok":true}']]);
    expect(exporter.getFinishedLogRecords()).toHaveLength(0);
  });

  it("locally, with the invocation's log function and warn level", () => {
    const lines: string[] = [];
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    logEvent(event, { line: (l) => lines.push(l), level: 'warn' });
    expect(lines).toHaveLength(1);
    expect(warn).not.toHaveBeenCalled();
  });

  it('on Azure: one record, fields as attributes (null as empty), the line as body, nothing on the console', () => {
    const info = jest.spyOn(console, 'info').mockImplementation(() => undefined);
    exportStructuredLogs();
    logEvent(event, { level: 'warn' });
    const [record] = exporter.getFinishedLogRecords();
    expect(record.attributes).toEqual({ event: 'plf.step', forward: 'web', armReads: 3, previous: '', ok: true });
    expect(record.body).toBe('{"event":"plf.step","forward":"web","armReads":3,"previous":null,"ok":true}');
    expect(record.severityText).toBe('Warning');
    expect(info).not.toHaveBeenCalled();
  });
});
