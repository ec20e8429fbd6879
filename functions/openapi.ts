import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { openApiDocument } from '../core/openapi';
import { appVersion } from './app-version';
import { FunctionNames } from './names';
import { json } from './problem';
import { badRequest, queryValues } from './request-checks';

const document = openApiDocument(appVersion());

/** GET /api/openapi.json: the OpenAPI 3 document of the forwards API. It takes no query parameter (400 naming one). */
export async function openApi(request: HttpRequest): Promise<HttpResponseInit> {
  return badRequest({ query: queryValues(request, []).problems }) ?? json(200, document);
}

app.http(FunctionNames.openApi, { route: 'openapi.json', methods: ['GET'], authLevel: 'anonymous', handler: openApi });
