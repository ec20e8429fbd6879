import { telemetryTarget } from '../../core/app-settings';

/** Telemetry starts only with a connection string (never locally) and signs in with the named identity. */
describe('telemetryTarget', () => {
  it('is off without APPLICATIONINSIGHTS_CONNECTION_STRING, as on the local stack', () => {
    expect(telemetryTarget({})).toBeUndefined();
    expect(telemetryTarget({ APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=x;Authorization=AAD' })).toBeUndefined();
  });
  it('uses Entra ID with the client id infra writes', () => {
    expect(telemetryTarget({ APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=k;IngestionEndpoint=https://x', APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=abc;Authorization=AAD' })).toEqual({
      connectionString: 'InstrumentationKey=k;IngestionEndpoint=https://x',
      aad: true,
      clientId: 'abc',
    });
    expect(telemetryTarget({ APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=k' })).toEqual({ connectionString: 'InstrumentationKey=k', aad: false });
  });
});
