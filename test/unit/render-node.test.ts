import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';

/** `render-node` as a user runs it (the compiled script; `npm test` builds first). */
const ROOT = path.resolve(__dirname, '../..');
const run = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'dist/scripts/render-node.js'), ...args], { encoding: 'utf8', cwd: ROOT });

describe('render-node', () => {
  it('prints a cloud-config for the example forward with the manifest, ruleset and agent', () => {
    const r = run('examples/onprem-web.json');
    expect(r.status).toBe(0);
    expect(r.stdout.startsWith('#cloud-config\n')).toBe(true);
    const files = (parse(r.stdout) as { write_files: { path: string; content: string; encoding?: string }[] }).write_files;
    expect(files.map((f) => f.path)).toEqual([
      '/etc/plf/forward.json',
      '/etc/plf/ruleset.nft',
      '/etc/sysctl.d/90-plf-forwarder.conf',
      '/etc/modules-load.d/plf-forwarder.conf',
      '/usr/local/sbin/plf-agent',
      '/etc/systemd/system/plf-nftables.service',
      '/etc/systemd/system/plf-agent.service',
    ]);
    const manifest = JSON.parse(Buffer.from(files[0].content, 'base64').toString('utf8'));
    expect(manifest).toMatchObject({ forward: 'onprem-web', targets: ['192.168.42.65', '192.168.42.66'], allowedSources: ['10.0.1.0/26', '168.63.129.16/32'], healthPort: 8000 });
  });

  it.each([
    ['a custom name and NAT subnet', ['--name', 'sql', '--nat-subnet', '10.5.0.0/28'], /"forward": "sql"[\s\S]*"10\.5\.0\.0\/28"/],
    ['SSH allowed from the hub VNet', ['--ssh-from', '10.0.1.0/24'], /ip saddr @ssh_sources tcp dport 22 accept/],
  ])('%s', (_s, args, pattern) => {
    const r = run('examples/onprem-web.json', ...args);
    expect(r.status).toBe(0);
    const files = (parse(r.stdout) as { write_files: { content: string; encoding?: string }[] }).write_files;
    const text = files.map((f) => (f.encoding === 'b64' ? Buffer.from(f.content, 'base64').toString('utf8') : f.content)).join('\n');
    expect(text).toMatch(pattern);
  });

  it.each([
    ['an invalid spec: every problem with its path, exit 2', { ports: [{ port: 0 }], targets: ['1.2.3.4; rm -rf /'], extra: true }, [], [
      'extra: is not a known property',
      'ports[0].port: must be an integer 1-65535',
      'targets[0]: "1.2.3.4; rm -rf /" is not an IPv4 address (IPv4 only)',
    ]],
    ['a bad NAT subnet', { ports: [{ port: 1 }], targets: ['10.0.0.1'] }, ['--nat-subnet', '10.0.0.1/8'], ['--nat-subnet: "10.0.0.1/8" is not an IPv4 CIDR network']],
    ['a name no Azure resource accepts', { ports: [{ port: 1 }], targets: ['10.0.0.1'] }, ['--name', 'Bad_Name'], ['name: "Bad_Name" must be 1-40 characters']],
  ])('%s', (_s, body, args, messages) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'plf-rn-')), 'fwd.json');
    fs.writeFileSync(file, JSON.stringify(body));
    const r = run(file, ...(args as string[]));
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    for (const m of messages as string[]) expect(r.stderr).toContain(m);
  });

  it('a missing file is a clear error', () => {
    const r = run('nope.json');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('nope.json: no such file');
  });
});
