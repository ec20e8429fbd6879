import { IDS, startTestEmulator, type TestEmulator } from '../helpers/emulator';
import { compareShapes, exampleBody, missingPaths } from '../helpers/shape';

/**
 * Container group bodies on the wire compared with the published examples: a finished probe
 * group (Terminated, restartPolicy Never) against the Get example that carries an instance view,
 * the list answer, and a crash-looping container whose previousState must look like a currentState.
 */
let t: TestEmulator;
const api = '?api-version=2023-05-01';
const groups = `/subscriptions/${IDS.consumerSub}/resourceGroups/${IDS.spokeRg}/providers/Microsoft.ContainerInstance/containerGroups`;
const put = (name: string, restartPolicy: string) =>
  t.raw('PUT', `${groups}/${name}${api}`, {
    body: {
      location: IDS.location,
      properties: {
        osType: 'Linux',
        restartPolicy,
        subnetIds: [{ id: IDS.spokeJump }],
        containers: [{ name: 'probe', properties: { image: 'busybox:1.36', command: ['/bin/sh', '-c', 'time nc -zv -w 2 10.1.0.99 8000'], resources: { requests: { cpu: 1, memoryInGB: 1 } } } }],
      },
    },
  });

beforeAll(async () => {
  t = await startTestEmulator();
  await put('done', 'Never');
  await put('looping', 'OnFailure');
});
afterAll(() => t?.stop());

const example = () => exampleBody('containerinstance/ContainerGroupsGetPriority.json', '200') as { properties: { containers: { properties: { instanceView: { currentState: unknown } } }[] } };

describe('container group shapes match the published examples', () => {
  it('a finished probe group (exit 1, waiting for the platform to restart it: ACI-13): same types as the Get example, with the instance view fields the product reads', async () => {
    const body = (await t.raw('GET', `${groups}/done${api}`)).body;
    expect(compareShapes(body, example())).toEqual([]);
    expect(
      missingPaths(body, [
        'id',
        'name',
        'type',
        'location',
        'properties.provisioningState',
        'properties.restartPolicy',
        'properties.osType',
        'properties.sku',
        'properties.ipAddress.ip',
        'properties.containers[].properties.instanceView.restartCount',
        'properties.containers[].properties.instanceView.currentState.state',
        'properties.containers[].properties.instanceView.currentState.detailStatus',
        'properties.containers[].properties.instanceView.previousState.state',
        'properties.containers[].properties.instanceView.previousState.exitCode',
        'properties.containers[].properties.instanceView.previousState.startTime',
        'properties.containers[].properties.instanceView.previousState.finishTime',
        'properties.containers[].properties.instanceView.previousState.detailStatus',
        'properties.containers[].properties.instanceView.events[].name',
        'properties.instanceView.state',
      ]),
    ).toEqual([]);
  });

  it('the list answer holds groups shaped like a Get', async () => {
    const list = (await t.raw<{ value: unknown[] }>('GET', `${groups}${api}`)).body;
    expect(list.value.length).toBe(2);
    for (const g of list.value) expect(compareShapes(g, example())).toEqual([]);
  });

  it('a crash-looping container: previousState has the shape of a terminated currentState', async () => {
    const body = (await t.raw<{ properties: { containers: { properties: { instanceView: { previousState?: unknown; currentState: { state: string } } } }[] } }>('GET', `${groups}/looping${api}`)).body;
    const view = body.properties.containers[0].properties.instanceView;
    expect(view.currentState.state).toBe('Waiting');
    expect(view.previousState).toBeDefined();
    expect(compareShapes(view.previousState, example().properties.containers[0].properties.instanceView.currentState)).toEqual([]);
    expect(missingPaths(view.previousState, ['state', 'exitCode', 'startTime', 'finishTime', 'detailStatus'])).toEqual([]);
  });

  it('logs: {content} like the ListLogs example', async () => {
    const logs = (await t.raw('GET', `${groups}/done/containers/probe/logs${api}`)).body;
    expect(compareShapes(logs, exampleBody('containerinstance/ContainerListLogs.json', '200'))).toEqual([]);
    expect(missingPaths(logs, ['content'])).toEqual([]);
  });
});
