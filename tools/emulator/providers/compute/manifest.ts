import { gunzipSync } from 'node:zlib';
import { parse } from 'yaml';

/**
 * Reads a forwarder node's forwarding manifest out of a scale set's customData, the way the node
 * itself gets it: customData is base64 of a `#cloud-config`; its `write_files` entry with path
 * /etc/plf/forward.json (`encoding: b64`, plain, or gz+b64) holds the manifest, schema plf.forward/v1
 * (documented in dataplane/README.md). The emulator never imports the product: this is a reader
 * of that published contract. Anything unreadable means "this node forwards nothing", with why.
 */
export interface NodeManifest {
  forward: string;
  ports: { port: number; targetPort: number }[];
  targets: string[];
  allowedSources: string[];
  healthPort?: number;
}

export type ManifestResult = { ok: true; manifest: NodeManifest } | { ok: false; reason: string };

const MANIFEST_PATH = '/etc/plf/forward.json';

/** write_files content as cloud-init decodes it (its `encoding` values), or undefined for an unknown encoding. */
function decodeContent(content: string, encoding: string): string | undefined {
  try {
    if (encoding === 'text/plain') return content;
    if (encoding === 'b64' || encoding === 'base64') return Buffer.from(content, 'base64').toString('utf8');
    if (/^(gz|gzip)\+(b64|base64)$/.test(encoding)) return gunzipSync(Buffer.from(content, 'base64')).toString('utf8');
  } catch {
    return '';
  }
  return undefined;
}

export function manifestFromCustomData(customData: unknown): ManifestResult {
  if (typeof customData !== 'string' || customData === '') return { ok: false, reason: 'the scale set model has no customData' };
  const text = Buffer.from(customData, 'base64').toString('utf8');
  if (!text.startsWith('#cloud-config')) return { ok: false, reason: 'customData is not a #cloud-config' };
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    return { ok: false, reason: `customData cloud-config is not valid YAML: ${(err as Error).message.split('\n')[0]}` };
  }
  const files = (doc as { write_files?: unknown })?.write_files;
  const entry = Array.isArray(files) ? (files as { path?: string; encoding?: string; content?: string }[]).find((f) => f?.path === MANIFEST_PATH) : undefined;
  if (!entry || typeof entry.content !== 'string') return { ok: false, reason: `the cloud-config writes no ${MANIFEST_PATH}` };
  const raw = decodeContent(entry.content, String(entry.encoding ?? 'text/plain').toLowerCase());
  if (raw === undefined) return { ok: false, reason: `${MANIFEST_PATH} has encoding ${JSON.stringify(entry.encoding)}, which cloud-init does not know` };
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return { ok: false, reason: `${MANIFEST_PATH} is not JSON` };
  }
  if (m.schema !== 'plf.forward/v1') return { ok: false, reason: `${MANIFEST_PATH} has schema ${JSON.stringify(m.schema)}, expected "plf.forward/v1"` };
  const ports = Array.isArray(m.ports) ? (m.ports as { port: unknown; targetPort: unknown }[]).filter((p) => Number.isInteger(p?.port) && Number.isInteger(p?.targetPort)) : [];
  const targets = Array.isArray(m.targets) ? (m.targets as unknown[]).filter((t): t is string => typeof t === 'string') : [];
  if (!ports.length || !targets.length) return { ok: false, reason: `${MANIFEST_PATH} maps no ports or lists no targets` };
  return {
    ok: true,
    manifest: {
      forward: String(m.forward ?? ''),
      ports: ports.map((p) => ({ port: p.port as number, targetPort: p.targetPort as number })),
      targets,
      allowedSources: Array.isArray(m.allowedSources) ? (m.allowedSources as string[]) : [],
      ...(Number.isInteger(m.healthPort) ? { healthPort: m.healthPort as number } : {}),
    },
  };
}
