import * as http from 'node:http';
import * as https from 'node:https';

/**
 * One JSON request for the tools beside the product (npm run demo, npm run smoke:azure): the
 * control plane's API and the emulator's control API. Answers `{status, body}` for every HTTP
 * status (the body parsed as JSON when it is JSON, else the text, undefined when empty); rejects
 * only when no answer came (connection refused, or none within `timeoutMs`, default 30 s).
 *
 * `bearer`: sent as `Authorization: Bearer <token>` (the API's sign-in token, PLF_API_TOKEN; or
 * the emulator's ARM token). `ca`: the CA to trust for https (the emulator's self-signed one).
 */
export interface HttpAnswer {
  status: number;
  body: unknown;
}

export interface RequestOptions {
  bearer?: string;
  ca?: Buffer;
  timeoutMs?: number;
}

export function request(base: string, method: string, p: string, body?: unknown, o: RequestOptions = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const url = new URL(p, base);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...(payload ? { 'content-type': 'application/json' } : {}),
      ...(o.bearer ? { authorization: `Bearer ${o.bearer}` } : {}),
    };
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(url, { method, headers, ...(o.ca ? { ca: o.ca } : {}) }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          /* not JSON: keep the text */
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    const timeoutMs = o.timeoutMs ?? 30_000;
    req.on('error', reject);
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${p}: no answer in ${timeoutMs / 1000} s`)));
    req.end(payload);
  });
}

/** The API's sign-in token from the environment (PLF_API_TOKEN), when set and not blank. */
export function apiTokenFrom(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const token = env.PLF_API_TOKEN?.trim();
  return token ? token : undefined;
}
