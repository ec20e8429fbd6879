import { gzipSync } from 'node:zlib';
import { customDataOf, type DataPlaneView } from '../../../dataplane';
import { manifestFromCustomData } from '../../../tools/emulator/providers/compute/manifest';

/**
 * The forwarding-manifest contract between the data plane (which renders a node's customData) and
 * the emulator (which reads it to simulate the node). The emulator never imports the product; this
 * test is the one place both sides meet, so a change on either side that breaks the contract
 * fails here.
 */
const view: DataPlaneView = {
  forward: 'onprem-web',
  ports: [
    { port: 8000, targetPort: 8000 },
    { port: 14330, targetPort: 1433 },
  ],
  targets: ['192.168.42.65', '192.168.42.66'],
  allowedSources: ['10.0.1.0/26', '168.63.129.16/32'],
  sshSources: ['10.0.1.0/24'],
  healthPort: 8000,
  agent: { intervalSeconds: 5, connectTimeoutSeconds: 2 },
};

const b64 = (text: string) => Buffer.from(text).toString('base64');
const cloudConfig = (manifestEntry: string) => b64(`#cloud-config\nwrite_files:\n${manifestEntry}`);
const entry = (content: string, encoding = 'b64') => `  - path: /etc/plf/forward.json\n    encoding: ${encoding}\n    content: ${encoding === 'b64' ? b64(content) : JSON.stringify(content)}\n`;
const good = { schema: 'plf.forward/v1', forward: 'f', ports: [{ port: 8000, targetPort: 8000 }], targets: ['192.168.42.65'], allowedSources: [], healthPort: 8000 };

describe('the data plane renders what the emulator reads', () => {
  it('customData from dataplane.customDataOf yields the same ports, targets and health port', () => {
    const read = manifestFromCustomData(customDataOf(view));
    expect(read).toEqual({
      ok: true,
      manifest: { forward: 'onprem-web', ports: view.ports, targets: view.targets, allowedSources: view.allowedSources, healthPort: 8000 },
    });
  });
});

describe('a node whose customData has no readable manifest forwards nothing, and says why', () => {
  it.each([
    ['no customData at all', undefined, /no customData/],
    ['customData that is a shell script, not a cloud-config', b64('#!/bin/sh\necho hi\n'), /not a #cloud-config/],
    ['a cloud-config that is not YAML', b64('#cloud-config\nwrite_files: [\n'), /not valid YAML/],
    ['a cloud-config that writes other files only', cloudConfig('  - path: /etc/motd\n    content: hi\n'), /writes no \/etc\/plf\/forward\.json/],
    ['a manifest that is not JSON', cloudConfig(entry('{not json')), /is not JSON/],
    ['a manifest of another schema', cloudConfig(entry(JSON.stringify({ ...good, schema: 'plf.forward/v2' }))), /expected "plf\.forward\/v1"/],
    ['a manifest without ports', cloudConfig(entry(JSON.stringify({ ...good, ports: [] }))), /maps no ports/],
    ['a manifest without targets', cloudConfig(entry(JSON.stringify({ ...good, targets: [] }))), /lists no targets/],
  ])('%s', (_situation, customData, reason) => {
    const read = manifestFromCustomData(customData);
    expect(read.ok).toBe(false);
    expect(read.ok ? '' : read.reason).toMatch(reason);
  });

  it('a plain (not base64) manifest entry is read too, as cloud-init writes it', () => {
    expect(manifestFromCustomData(cloudConfig(entry(JSON.stringify(good), 'text/plain')))).toMatchObject({ ok: true, manifest: { targets: ['192.168.42.65'] } });
  });
});

describe('write_files encodings as cloud-init knows them', () => {
  it.each([
    ['b64', true, (json: string) => b64(json)],
    ['base64', true, (json: string) => b64(json)],
    ['gz+b64', true, (json: string) => gzipSync(json).toString('base64')],
    ['gzip+base64', true, (json: string) => gzipSync(json).toString('base64')],
    ['text/plain', true, (json: string) => JSON.stringify(json)],
    ['rot13', false, (json: string) => JSON.stringify(json)],
  ])('encoding %s: readable %s', (encoding, readable, encode) => {
    const customData = cloudConfig(`  - path: /etc/plf/forward.json\n    encoding: ${encoding}\n    content: ${encode(JSON.stringify(good))}\n`);
    const read = manifestFromCustomData(customData);
    expect(read.ok).toBe(readable);
    if (!read.ok) expect(read.reason).toContain('rot13');
  });
});
