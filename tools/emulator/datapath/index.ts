import { invalidParameters } from '../arm/errors';
import type { EmulatorRuntime } from '../arm/types';
import type { EmulatorProvider } from '../providers/provider';
import { dataPathLog, parseQuery, traceAndLog } from './trace';

/**
 * The simulated data path: `POST /_emulator/datapath {fromSubnetId, host, port}` (also
 * `/_emulator/datapath/query`) answers the verdict with every hop; container groups running probe
 * commands use the same trace. Every verdict (with its failing reason) is kept for
 * `GET /_emulator/datapath/log`.
 */
function answer(emu: EmulatorRuntime, body: unknown) {
  const q = parseQuery(body);
  if ('problems' in q) throw invalidParameters(q.problems);
  return { status: 200, body: traceAndLog(emu, q.fromSubnetId, q.host, q.port, 'control', q.fromIp) };
}

export const provider: EmulatorProvider = {
  name: 'datapath',
  dataPath: answer,
  control: [
    { method: 'GET', pattern: /^\/datapath\/log$/, handle: (ctx) => ({ status: 200, body: { value: dataPathLog(ctx.emu) } }) },
    { method: 'POST', pattern: /^\/datapath\/query$/, handle: (ctx) => answer(ctx.emu, ctx.body) },
  ],
};
