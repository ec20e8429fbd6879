import { buildForwarder, type ForwarderFixture } from '../helpers/forwarder-fixture';
import { POLL, IDS, startTestEmulator, type TestEmulator } from '../helpers/emulator';
import { settled } from './published';

/** PLSNatPortsUsage for private link services through the real MetricsClient (batch), and its control. */
let emu: TestEmulator;
let fwd: ForwarderFixture;

beforeAll(async () => {
  emu = await startTestEmulator();
  fwd = await buildForwarder(emu, { name: 'n', capacity: 1, pls: true });
});
afterAll(() => emu?.stop());

/** NAT IP -> the usage of the point of the next grain, published (it holds only the state as it is now). */
async function usage(): Promise<Record<string, number | undefined>> {
  const points = await settled(emu, fwd.plsId!, 'PLSNatPortsUsage', 'Microsoft.Network/privateLinkServices', { filter: "PrivateLinkServiceIPAddress eq '*'" });
  return Object.fromEntries(Object.entries(points).map(([k, p]) => [k.split('=')[1], p.average]));
}

it('no connections: 0% on the one NAT IP', async () => {
  const u = await usage();
  expect(Object.values(u)).toEqual([0]);
});

it('the control sets the demand; a second NAT IP halves every IP\'s usage; null derives it again', async () => {
  expect((await emu.control('PUT', '/metrics/pls-nat-ports', { privateLinkServiceId: fwd.plsId, percent: 90 })).status).toBe(200);
  expect(Object.values(await usage())).toEqual([90]);
  const net = emu.network();
  const pls = await net.privateLinkServices.get(IDS.hubRg, fwd.plsId!.split('/').pop()!);
  await net.privateLinkServices.beginCreateOrUpdateAndWait(IDS.hubRg, pls.name!, {
    ...pls,
    ipConfigurations: [...pls.ipConfigurations!, { name: 'nat-2', subnet: { id: IDS.hubShared }, primary: false, privateIPAllocationMethod: 'Dynamic', privateIPAddressVersion: 'IPv4' }],
  }, POLL);
  const two = await usage();
  expect(Object.keys(two)).toHaveLength(2);
  expect(Object.values(two)).toEqual([45, 45]);
  await emu.control('PUT', '/metrics/pls-nat-ports', { privateLinkServiceId: fwd.plsId, percent: null });
  expect(Object.values(await usage())).toEqual([0, 0]);
});

it('bad control bodies are 400', async () => {
  expect((await emu.control('PUT', '/metrics/pls-nat-ports', { privateLinkServiceId: '/subscriptions/x/nope', percent: 10 })).status).toBe(400);
  expect((await emu.control('PUT', '/metrics/pls-nat-ports', { privateLinkServiceId: fwd.plsId, percent: -1 })).status).toBe(400);
});

it('an unknown PLS metric is 400 naming it', async () => {
  const r = await emu.raw<{ error: { message: string } }>('POST', `/subscriptions/${IDS.hubSub}/metrics:getBatch?api-version=2024-02-01&metricnamespace=Microsoft.Network/privateLinkServices&metricnames=PLSBytesOut`, { body: { resourceids: [fwd.plsId] } });
  expect(r.status).toBe(400);
  expect(r.body.error.message).toMatch(/PLSBytesOut/);
});
