import { armTarget, reconcileSchedule, storageTarget } from '../../core/app-settings';

describe('armTarget', () => {
  it.each([
    ['no endpoint set -> real Azure', {}, { kind: 'azure', endpoint: 'https://management.azure.com' }],
    [
      'emulator endpoint with CA, trailing slash trimmed',
      { PLF_ARM_ENDPOINT: 'https://127.0.0.1:8443/', PLF_ARM_CA_FILE: '.local/emulator/ca.pem' },
      { kind: 'emulator', endpoint: 'https://127.0.0.1:8443', caFile: '.local/emulator/ca.pem' },
    ],
    ['blank endpoint counts as unset', { PLF_ARM_ENDPOINT: '  ' }, { kind: 'azure', endpoint: 'https://management.azure.com' }],
  ])('%s', (_situation, env, expected) => {
    expect(armTarget(env)).toEqual(expected);
  });
});

describe('storageTarget', () => {
  it.each([
    ['unset', {}, { kind: 'unset' }],
    [
      'development storage -> Azurite table endpoint',
      { AzureWebJobsStorage: 'UseDevelopmentStorage=true' },
      { kind: 'development', tableEndpoint: 'http://127.0.0.1:10002/devstoreaccount1', accountName: 'devstoreaccount1' },
    ],
    [
      'account key connection string -> endpoint only',
      { AzureWebJobsStorage: 'DefaultEndpointsProtocol=https;AccountName=plfprod;AccountKey=c2VjcmV0PT0=;EndpointSuffix=core.windows.net' },
      { kind: 'connection-string', tableEndpoint: 'https://plfprod.table.core.windows.net', accountName: 'plfprod' },
    ],
    [
      'identity-based connection',
      { AzureWebJobsStorage__tableServiceUri: 'https://plfprod.table.core.windows.net' },
      { kind: 'identity', tableEndpoint: 'https://plfprod.table.core.windows.net', accountName: 'plfprod' },
    ],
    [
      'identity by account name only -> its public table endpoint',
      { AzureWebJobsStorage__accountName: 'plfprod', AzureWebJobsStorage__credential: 'managedidentity' },
      { kind: 'identity', tableEndpoint: 'https://plfprod.table.core.windows.net', accountName: 'plfprod' },
    ],
    [
      'identity with an IP-style endpoint (Azurite) keeps the named account',
      { AzureWebJobsStorage__tableServiceUri: 'https://127.0.0.1:10002/devstoreaccount1/', AzureWebJobsStorage__accountName: 'devstoreaccount1' },
      { kind: 'identity', tableEndpoint: 'https://127.0.0.1:10002/devstoreaccount1/', accountName: 'devstoreaccount1' },
    ],
  ])('%s', (_situation, env, expected) => {
    const target = storageTarget(env);
    expect(target).toEqual(expected);
    expect(JSON.stringify(target)).not.toContain('c2VjcmV0');
  });
});

describe('reconcileSchedule', () => {
  it.each([
    ['unset: every two minutes', {}, '0 */2 * * * *'],
    ['a six-field NCRONTAB', { PLF_RECONCILE_SCHEDULE: ' 0 */10 * * * * ' }, '0 */10 * * * *'],
    ['five fields (cron, not NCRONTAB): the default', { PLF_RECONCILE_SCHEDULE: '*/2 * * * *' }, '0 */2 * * * *'],
    ['empty: the default', { PLF_RECONCILE_SCHEDULE: '' }, '0 */2 * * * *'],
  ])('%s', (_situation, env, schedule) => {
    expect(reconcileSchedule(env)).toBe(schedule);
  });
});
