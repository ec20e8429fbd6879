import { tableClient, tableReady } from '../../store/tables';

/** One client per table and settings for the process: requests reuse its pipeline, token and table check. */
describe('table clients are shared per table and settings', () => {
  const azurite = { AzureWebJobsStorage: 'UseDevelopmentStorage=true' };
  const identity = { AzureWebJobsStorage__accountName: 'plfstore', AzureWebJobsStorage__credential: 'managedidentity', AzureWebJobsStorage__clientId: '00000000-0000-0000-0000-000000000001' };

  it.each([
    ['the same table under the same settings', azurite, 'forwards', azurite, 'forwards', true],
    ['the same table under identity settings', identity, 'forwards', { ...identity }, 'forwards', true],
    ['another table', azurite, 'forwards', azurite, 'actions', false],
    ['another storage account', identity, 'forwards', { ...identity, AzureWebJobsStorage__accountName: 'other' }, 'forwards', false],
    ['another user-assigned identity', identity, 'forwards', { ...identity, AzureWebJobsStorage__clientId: '00000000-0000-0000-0000-000000000002' }, 'forwards', false],
  ])('%s', (_situation, envA, tableA, envB, tableB, same) => {
    expect(tableClient(envA, tableA) === tableClient(envB, tableB)).toBe(same);
  });

  it('a caller with its own credential or CA gets a client of its own', () => {
    expect(tableClient(azurite, 'forwards', { tlsCa: 'x' })).not.toBe(tableClient(azurite, 'forwards'));
  });

  it('every store on one client shares one create-table attempt', () => {
    const client = tableClient(azurite, 'forwards');
    expect(tableReady(client)).toBe(tableReady(client));
  });

  it('settings without storage are refused before any request', () => {
    expect(() => tableClient({}, 'forwards')).toThrow(/AzureWebJobsStorage is not set/);
  });
});
