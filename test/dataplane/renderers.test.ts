import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import {
  AGENT_SCRIPT,
  AGENT_UNIT,
  customDataOf,
  DataPlaneInputError,
  dnatRule,
  MANIFEST_PATH,
  NFTABLES_UNIT,
  renderCloudInit,
  renderManifest,
  renderRuleset,
  renderSysctl,
  type DataPlaneView,
} from '../../dataplane';
import { describeWithNetns } from './helpers/describe-netns';
import { sh } from './helpers/netns';

const base: DataPlaneView = {
  forward: 'onprem-web',
  ports: [{ port: 8000, targetPort: 8000 }],
  targets: ['192.168.42.65', '192.168.42.66'],
  allowedSources: ['10.0.1.0/26', '168.63.129.16/32'],
  healthPort: 8000,
  agent: { intervalSeconds: 5, connectTimeoutSeconds: 2 },
};

/** The variants every rendered-artifact check runs on. */
const variants: [string, DataPlaneView][] = [
  ['one port, two targets (the reference sample)', base],
  ['one target', { ...base, targets: ['10.20.30.40'] }],
  ['sixteen targets', { ...base, targets: Array.from({ length: 16 }, (_, i) => `192.168.1.${i + 1}`) }],
  ['32 ports with translation and SSH from the VNet', { ...base, ports: Array.from({ length: 32 }, (_, i) => ({ port: 10000 + i, targetPort: 1433 + i })), healthPort: 10000, sshSources: ['10.0.1.0/24'] }],
];

describe('renderers refuse invalid input, naming every problem', () => {
  it.each([
    ['a target that is not IPv4', { targets: ['fe80::1'] }, 'targets[0]: "fe80::1" is not an IPv4 address'],
    ['the Azure platform address as a target', { targets: ['168.63.129.16'] }, 'targets[0]: 168.63.129.16 is the Azure platform address (168.63.129.16)'],
    ['a loopback target', { targets: ['127.0.0.1'] }, 'targets[0]: 127.0.0.1 is a loopback address (127.0.0.0/8)'],
    ['a shell-injection attempt as a target', { targets: ['1.2.3.4; rm -rf /'] }, 'targets[0]: "1.2.3.4; rm -rf /" is not an IPv4 address'],
    ['a duplicated listen port', { ports: [{ port: 8000, targetPort: 1 }, { port: 8000, targetPort: 2 }] }, 'ports[1].port: 8000 is listed twice'],
    ['port 0', { ports: [{ port: 0, targetPort: 80 }] }, 'ports[0].port: must be an integer 1-65535'],
    ['a CIDR with host bits', { allowedSources: ['10.0.1.5/26'] }, 'allowedSources[0]: "10.0.1.5/26" is not an IPv4 CIDR network (a.b.c.d/n without host bits)'],
    ['a health port that is not forwarded', { healthPort: 9999 }, 'healthPort: 9999 is not one of the forwarded ports'],
    ['17 targets', { targets: Array.from({ length: 17 }, (_, i) => `10.0.0.${i + 1}`) }, 'targets: must list 1-16 IPv4 addresses'],
    ['a forward name with a quote', { forward: 'x"; drop' }, 'forward: must be 1-48 lowercase letters, digits and inner hyphens'],
  ])('%s', (_situation, patch, problem) => {
    const view = { ...base, ...patch } as DataPlaneView;
    for (const render of [renderRuleset, renderCloudInit, renderManifest, customDataOf]) {
      expect(() => render(view)).toThrow(DataPlaneInputError);
    }
    try {
      renderRuleset(view);
    } catch (err) {
      expect((err as DataPlaneInputError).problems).toContain(problem);
    }
  });

  it('lists several problems at once', () => {
    const view = { ...base, targets: ['x'], ports: [{ port: 70000, targetPort: 1 }], agent: { intervalSeconds: 0, connectTimeoutSeconds: 2 } } as DataPlaneView;
    expect(() => renderRuleset(view)).toThrow(/ports\[0\]\.port.*targets\[0\].*healthPort.*agent\.intervalSeconds/);
  });
});

describe('rendered text for known input', () => {
  it.each([
    ['one target: a plain DNAT with port translation', { port: 14330, targetPort: 1433 }, ['10.0.0.5'], 'tcp dport 14330 dnat to 10.0.0.5:1433'],
    ['two targets: round-robin over a numgen map', { port: 8000, targetPort: 8000 }, ['10.0.0.5', '10.0.0.6'], 'tcp dport 8000 dnat to numgen inc mod 2 map { 0 : 10.0.0.5, 1 : 10.0.0.6 } : 8000'],
  ])('%s', (_s, mapping, targets, rule) => {
    expect(dnatRule(mapping, targets)).toBe(rule);
  });

  it('the ruleset replaces its table in one transaction and locks input down', () => {
    const text = renderRuleset(base);
    expect(text).toMatch(/^table ip plf\ndelete table ip plf\n\ntable ip plf \{/m);
    expect(text).toContain('elements = { 10.0.1.0/26, 168.63.129.16/32 }');
    expect(text).toContain('ct status dnat ip daddr @targets masquerade');
    expect(text).toMatch(/chain input \{\n\s+type filter hook input priority filter; policy drop;/);
    expect(text).not.toContain('tcp dport 22'); // no SSH unless sshSources are given
  });

  it('sysctl drop-in: forwarding, the local health path, conntrack sized and expiring idle flows, keepalive below the PLS idle timeout', () => {
    const lines = renderSysctl().split('\n');
    for (const line of [
      'net.ipv4.ip_forward = 1',
      'net.ipv4.conf.all.route_localnet = 1',
      'net.netfilter.nf_conntrack_max = 262144',
      'net.netfilter.nf_conntrack_tcp_timeout_established = 600',
      'net.ipv4.tcp_keepalive_time = 120',
    ]) expect(lines).toContain(line);
  });

  it('the agent unit restarts forever (no start limit) after the ruleset unit', () => {
    expect(AGENT_UNIT).toMatch(/^StartLimitIntervalSec=0$/m);
    expect(AGENT_UNIT).toMatch(/^Requires=plf-nftables\.service$/m);
    expect(AGENT_UNIT).toMatch(/^Restart=always$/m);
  });

  it('first boot loads conntrack before the sysctls, then the ruleset, then the agent', () => {
    const config = parse(renderCloudInit(base)) as { runcmd: string[][]; write_files: { path: string; content: string }[] };
    expect(config.runcmd.map((c) => c.join(' '))).toEqual([
      'modprobe nf_conntrack',
      'sysctl --system',
      'systemctl daemon-reload',
      'systemctl enable --now plf-nftables.service',
      'systemctl enable --now plf-agent.service',
    ]);
    expect(config.write_files.find((f) => f.path === '/etc/modules-load.d/plf-forwarder.conf')!.content).toMatch(/^nf_conntrack$/m);
  });

  it('customData decodes to the cloud-init whose manifest (b64) is the forward.json contract', () => {
    const cloudInit = Buffer.from(customDataOf(base), 'base64').toString('utf8');
    expect(cloudInit.startsWith('#cloud-config\n')).toBe(true);
    const files = (parse(cloudInit) as { write_files: { path: string; encoding?: string; content: string }[] }).write_files;
    const manifest = files.find((f) => f.path === MANIFEST_PATH)!;
    expect(manifest.encoding).toBe('b64');
    expect(JSON.parse(Buffer.from(manifest.content, 'base64').toString('utf8'))).toEqual({
      schema: 'plf.forward/v1',
      forward: 'onprem-web',
      ports: [{ port: 8000, targetPort: 8000 }],
      targets: ['192.168.42.65', '192.168.42.66'],
      allowedSources: ['10.0.1.0/26', '168.63.129.16/32'],
      healthPort: 8000,
      agent: { intervalSeconds: 5, connectTimeoutSeconds: 2 },
    });
  });
});

/** Tools CI installs (cloud-init, shellcheck); locally they may be missing. */
function toolMissing(cmd: string, args: string[]): string | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.error ? `"${cmd}" is not installed (apt-get install ${cmd})` : undefined;
}

function describeWithTool(cmd: string, args: string[], name: string, body: () => void): void {
  const reason = toolMissing(cmd, args);
  if (!reason) return describe(name, body);
  if (process.env.PLF_REQUIRE_NETNS === '1') {
    describe(name, () => it(`needs ${cmd}`, () => { throw new Error(`PLF_REQUIRE_NETNS=1 but ${reason}`); }));
    return;
  }
  console.warn(`\n*** SKIPPING "${name}": ${reason}. ***\n`);
  describe.skip(name, body);
}

describeWithTool('cloud-init', ['--version'], 'cloud-init accepts every rendered variant', () => {
  it.each(variants)('%s: valid under `cloud-init schema --config-file`', (_name, view) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-ci-'));
    try {
      const file = path.join(dir, 'user-data.yaml');
      fs.writeFileSync(file, renderCloudInit(view));
      const r = spawnSync('cloud-init', ['schema', '--config-file', file], { encoding: 'utf8' });
      expect(`${r.stdout}${r.stderr}`).toContain('Valid');
      expect(r.status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * A boot transaction like an Ubuntu node's: cloud-init (ordered before sysinit.target, after the
 * network is online) plus networkd and our units. A ruleset unit with default dependencies that is
 * also ordered before network-pre.target makes an ordering cycle here (systemd would drop a job).
 */
const BOOT_UNITS = ['/lib/systemd/system/cloud-init.service', '/lib/systemd/system/systemd-networkd-wait-online.service'];
const systemdMissing = toolMissing('systemd-analyze', ['--version']) ?? BOOT_UNITS.map((u) => (fs.existsSync(u) ? undefined : `${u} is missing`)).find(Boolean);
(systemdMissing ? describe.skip : describe)('the units join a cloud-init boot without an ordering cycle (systemd-analyze verify)', () => {
  if (systemdMissing) console.warn(`\n*** SKIPPING systemd unit ordering check: ${systemdMissing}. ***\n`);
  it('no ordering cycle, no unit errors besides the agent binary that only exists on a node', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-units-'));
    try {
      fs.writeFileSync(path.join(dir, 'plf-nftables.service'), NFTABLES_UNIT);
      fs.writeFileSync(path.join(dir, 'plf-agent.service'), AGENT_UNIT);
      fs.writeFileSync(
        path.join(dir, 'plfboot.target'),
        '[Unit]\nDescription=a node boot\nWants=cloud-init.service plf-nftables.service plf-agent.service systemd-networkd.service systemd-networkd-wait-online.service network-online.target sysinit.target multi-user.target\n',
      );
      const r = spawnSync('systemd-analyze', ['verify', '--man=no', './plfboot.target', './plf-nftables.service', './plf-agent.service'], { cwd: dir, encoding: 'utf8' });
      const findings = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l && !l.includes('/usr/local/sbin/plf-agent is not executable'));
      expect(findings).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeWithTool('shellcheck', ['--version'], 'the node agent passes shellcheck', () => {
  it('no findings at any severity', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-sc-'));
    try {
      const file = path.join(dir, 'plf-agent');
      fs.writeFileSync(file, AGENT_SCRIPT);
      const r = spawnSync('shellcheck', ['--severity=style', file], { encoding: 'utf8' });
      expect(r.stdout).toBe('');
      expect(r.status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeWithNetns('8. the ruleset loads on this kernel and nft (syntax of nft >= 0.9.6: Ubuntu 22.04 ships 1.0.2, 24.04 ships 1.0.9)', () => {
  it.each(variants)('%s: `nft -f` loads it in a fresh namespace', (_name, view) => {
    const ns = `plfchk${process.pid % 10000}`;
    sh('ip', ['netns', 'add', ns]);
    try {
      sh('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], renderRuleset(view));
      const listed = sh('ip', ['netns', 'exec', ns, 'nft', 'list', 'chain', 'ip', 'plf', 'forward_dnat']);
      expect(listed.match(/dnat to/g)).toHaveLength(view.ports.length);
      expect(sh('ip', ['netns', 'exec', ns, 'nft', 'list', 'chain', 'ip6', 'plf6', 'input'])).toContain('policy drop');
      // Loading it again replaces both tables in one transaction.
      sh('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], renderRuleset(view));
      expect(sh('ip', ['netns', 'exec', ns, 'nft', 'list', 'tables']).trim().split('\n').sort()).toEqual(['table ip plf', 'table ip6 plf6']);
    } finally {
      spawnSync('ip', ['netns', 'del', ns]);
    }
  });
});
