import { HttpRequest } from '@azure/functions';
import { hostQuery } from '../../tools/devhost/http-routes';

/**
 * An HttpRequest as the Azure Functions host hands it to a trigger, so unit tests see what the
 * product sees deployed: `request.query` is the host's map (names merged case-insensitively,
 * repeated values joined with commas: `hostQuery`, which devhost uses too), `request.url` the URL
 * as sent, the body bytes (a string body would get a text/plain type it never had). A request
 * built from the url alone would keep repeats in `request.query`, which the host never does.
 */
export function hostRequest(method: string, url: string, params: Record<string, string>, headers: Record<string, string> = {}, body?: string): HttpRequest {
  return new HttpRequest({ method, url, params, headers, query: hostQuery(new URL(url).searchParams), ...(body !== undefined ? { body: { bytes: Buffer.from(body) } } : {}) });
}
