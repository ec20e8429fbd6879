import { app, type HttpResponseInit } from '@azure/functions';
import { openApiDocument } from '../core/openapi';
import { appVersion } from './app-version';
import { FunctionNames } from './names';
import { json } from './problem';

const document = openApiDocument(appVersion());

/** GET /api/openapi.json: the OpenAPI 3 document of the forwards API. */
export async function openApi(): Promise<HttpResponseInit> {
  return json(200, document);
}

app.http(FunctionNames.openApi, { route: 'openapi.json', methods: ['GET'], authLevel: 'anonymous', handler: openApi });
