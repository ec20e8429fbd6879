import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AGENT_SCRIPT, renderManifest, renderRuleset, renderSysctl, type DataPlaneView } from '../../dataplane';
import {
  BRIDGE_IP,
  buildTopology,
  FORWARDER_IP6,
  connectMany,
  FORWARDER_IP,
  OUTSIDER_IP,
  PROBE_IP,
  sleep,
  startServer,
  TARGET_IPS,
  writeScripts,
  type Topology,
} from './helpers/netns';
import { describeWithNetns } from './helpers/describe-netns';

/**
 * The rendered artifacts applied in a forwarder namespace the way cloud-init applies them
 * (sysctl drop-in, `nft -f` ruleset, the agent as a process), with real TCP servers in three
 * target namespaces and real clients in a source namespace.
 */
const INTERVAL = 1;
const view = (targets = TARGET_IPS): DataPlaneView => ({
  forward: 'netns-test',
  ports: [
    { port: 8000, targetPort: 8000 },
    { port: 14330, targetPort: 1433 },
  ],
  targets,
  allowedSources: ['10.0.1.0/26', `${PROBE_IP}/32`],
  sshSources: ['10.0.1.0/24'],
  healthPort: 8000,
  agent: { intervalSeconds: INTERVAL, connectTimeoutSeconds: 1 },
});

describeWithNetns('forwarder data plane with real packets', () => {
  let topo: Topology;
  let scripts: { server: string; client: string };
  const servers = new Map<number, ChildProcess>();
  let agent: ChildProcess | undefined;
  let agentLog = '';
  let manifestFile = '';
  /** Waits (bounded) until the agent has logged something matching `re` after position `from`. */
  const agentLogged = async (re: RegExp, from: number) => {
    const deadline = Date.now() + 3 * INTERVAL * 1000 + 2000;
    while (!re.test(agentLog.slice(from)) && Date.now() < deadline) await sleep(50);
    return re.test(agentLog.slice(from));
  };
  const identities = (greetings: ({ identity: string } | null)[]) => new Set(greetings.map((g) => g?.identity ?? 'failed'));

  const applyRuleset = (v: DataPlaneView) => topo.exec(topo.forwarder, 'nft', ['-f', '-'], renderRuleset(v));
  const startTarget = async (i: number) => servers.set(i, await startServer(topo, scripts.server, topo.targets[i], `target${i}`, [8000, 1433]));
  const connect = (o: { host?: string; port?: number; count: number; localAddress?: string; ns?: string }) =>
    connectMany(topo, scripts.client, o.ns ?? topo.client, { host: o.host ?? FORWARDER_IP, port: o.port ?? 8000, count: o.count, ...(o.localAddress ? { localAddress: o.localAddress } : {}) });

  beforeAll(async () => {
    topo = buildTopology();
    scripts = writeScripts(topo.dir);
    // sysctl drop-in, line by line; conntrack sizing is host-wide and may be read-only in a netns.
    for (const line of renderSysctl().split('\n').filter((l) => l && !l.startsWith('#'))) {
      const [key, value] = line.split('=').map((s) => s.trim());
      try {
        topo.exec(topo.forwarder, 'sysctl', ['-w', `${key}=${value}`]);
      } catch (err) {
        if (!key.startsWith('net.netfilter.')) throw err;
      }
    }
    applyRuleset(view());
    for (let i = 0; i < TARGET_IPS.length; i++) await startTarget(i);
    manifestFile = path.join(topo.dir, 'forward.json');
    const agentFile = path.join(topo.dir, 'plf-agent');
    fs.writeFileSync(manifestFile, renderManifest(view()));
    fs.writeFileSync(agentFile, AGENT_SCRIPT, { mode: 0o755 });
    agent = topo.spawnIn(topo.forwarder, 'bash', [agentFile], { PLF_MANIFEST: manifestFile, PLF_AGENT_LOG: 'stderr' });
    agent.stderr!.on('data', (d: Buffer) => (agentLog += d.toString()));
    // Its first cycle probes every target and applies the DNAT rules, then logs the healthy set.
    if (!(await agentLogged(/targets: 8000->192\.168\.42\.65 192\.168\.42\.66 192\.168\.42\.67 /, 0))) throw new Error(`the agent applied no targets:\n${agentLog}`);
  }, 60_000);

  afterAll(() => {
    agent?.kill('SIGKILL');
    topo?.destroy();
  });

  it('1. every mapped port reaches a target, with port translation (14330 -> 1433)', () => {
    const web = connect({ port: 8000, count: 6 });
    const sql = connect({ port: 14330, count: 6 });
    expect(web.every((g) => g !== null && g.port === 8000)).toBe(true);
    expect(sql.every((g) => g !== null && g.port === 1433)).toBe(true);
  });

  it("2. targets see the forwarder's address as the source (SNAT)", () => {
    const peers = new Set(connect({ count: 6 }).map((g) => g?.peer));
    expect([...peers]).toEqual([BRIDGE_IP]);
  });

  it('3. new connections spread over all healthy targets, each a fair share of 200', () => {
    const greetings = connect({ count: 200 });
    expect(greetings.every(Boolean)).toBe(true);
    const counts = new Map<string, number>();
    for (const g of greetings) counts.set(g!.identity, (counts.get(g!.identity) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(['target0', 'target1', 'target2']);
    for (const n of counts.values()) expect(n).toBeGreaterThanOrEqual(50);
  });

  it('4. a target killed: within three agent intervals every new connection succeeds; back: it gets connections again', async () => {
    let mark = agentLog.length;
    servers.get(1)!.kill('SIGKILL');
    // The agent applies the healthy set and logs it: waited for, within three intervals (agentLogged).
    expect(await agentLogged(/targets: 8000->192\.168\.42\.65 192\.168\.42\.67 /, mark)).toBe(true);
    const during = connect({ count: 60 });
    expect(during.filter((g) => g === null)).toHaveLength(0);
    expect(new Set(during.map((g) => g!.identity))).toEqual(new Set(['target0', 'target2']));

    mark = agentLog.length;
    await startTarget(1);
    expect(await agentLogged(/targets: 8000->192\.168\.42\.65 192\.168\.42\.66 192\.168\.42\.67 /, mark)).toBe(true);
    const after = connect({ count: 60 });
    expect(after.filter((g) => g?.identity === 'target1').length).toBeGreaterThan(0);
  }, 30_000);

  it.each([
    ['a source outside the allowed ranges is dropped', OUTSIDER_IP, false],
    ['the LB probe source (168.63.129.16) is forwarded end to end', PROBE_IP, true],
    ['the PLS NAT subnet source is forwarded', '10.0.1.10', true],
  ])('5. %s', (_situation, localAddress, reachable) => {
    const got = connect({ count: 3, localAddress });
    expect(got.every((g) => (reachable ? g !== null && g.peer === BRIDGE_IP : g === null))).toBe(true);
  });

  it('6. a local 127.0.0.1:<port> connect inside the forwarder reaches a target (health extension path)', () => {
    const got = connect({ ns: topo.forwarder, host: '127.0.0.1', port: 8000, count: 3 });
    expect(got.every((g) => g !== null && g.identity.startsWith('target'))).toBe(true);
  });

  it('7. re-applying a changed config (targets removed and added) keeps an established connection', async () => {
    // A long-lived client: greeting, then one echo per line it is told to send on stdin.
    const file = path.join(topo.dir, 'long.js');
    fs.writeFileSync(
      file,
      `const s = require('net').connect({ host: '${FORWARDER_IP}', port: 8000 });
       let buf = '';
       s.on('data', (d) => { buf += d; const parts = buf.split('\\n'); buf = parts.pop(); for (const p of parts) console.log('LINE ' + p); });
       s.on('error', (e) => console.log('ERROR ' + e.message));
       s.on('close', () => console.log('CLOSED'));
       process.stdin.on('data', (d) => s.write(d));`,
    );
    const child = topo.spawnIn(topo.client, process.execPath, [file]);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const waitFor = async (re: RegExp) => {
      const deadline = Date.now() + 10_000;
      while (!re.test(out) && Date.now() < deadline) await sleep(25);
      return re.exec(out);
    };
    const greeting = await waitFor(/LINE (target\d) 8000/);
    expect(greeting).not.toBeNull();
    child.stdin!.write('before\n');
    expect(await waitFor(/LINE before/)).not.toBeNull();

    // Two atomic reloads: the connection's own target removed, then a different set.
    const own = Number(greeting![1].slice('target'.length));
    const others = TARGET_IPS.filter((_, i) => i !== own);
    // A config change on a node = a new manifest (the agent follows it) + the new ruleset.
    const change = (v: DataPlaneView) => {
      fs.writeFileSync(manifestFile, renderManifest(v));
      applyRuleset(v);
    };
    const mark = agentLog.length;
    change(view(others.slice(0, 1)));
    change(view(others));
    child.stdin!.write('after\n');
    expect(await waitFor(/LINE after/)).not.toBeNull();
    expect(out).not.toMatch(/ERROR|CLOSED/);
    // New connections follow the new config: none reaches the removed target.
    expect(await agentLogged(new RegExp(`targets: 8000->${others.join(' ').replace(/\./g, '\\.')} 14330->`), mark)).toBe(true);
    const fresh = connect({ count: 12 });
    expect(fresh.every((g) => g !== null && g.identity !== `target${own}`)).toBe(true);
    child.stdin!.write('still\n');
    expect(await waitFor(/LINE still/)).not.toBeNull();
    expect(out).not.toMatch(/ERROR|CLOSED/);
    child.kill('SIGKILL');
    change(view());
  });

  it('9. the ruleset reloaded under the agent while a target is down: the agent re-applies the healthy set within three intervals', async () => {
    const killed = agentLog.length;
    servers.get(2)!.kill('SIGKILL');
    expect(await agentLogged(/targets: 8000->192\.168\.42\.65 192\.168\.42\.66 14330->/, killed)).toBe(true);
    const mark = agentLog.length;
    applyRuleset(view()); // what `systemctl reload plf-nftables` does: every target is back in the DNAT map
    expect(await agentLogged(/targets: 8000->192\.168\.42\.65 192\.168\.42\.66 14330->[^(]* \(the ruleset was reloaded\)/, mark)).toBe(true);
    expect(identities(connect({ count: 60 }))).toEqual(new Set(['target0', 'target1']));
    const restarted = agentLog.length;
    await startTarget(2);
    expect(await agentLogged(/targets: 8000->192\.168\.42\.65 192\.168\.42\.66 192\.168\.42\.67 /, restarted)).toBe(true);
    expect(identities(connect({ count: 60 }))).toEqual(new Set(['target0', 'target1', 'target2']));
  }, 30_000);

  it('10. a changed manifest is followed without a restart: a target removed, then added back', async () => {
    let mark = agentLog.length;
    fs.writeFileSync(manifestFile, renderManifest(view([TARGET_IPS[0], TARGET_IPS[2]])));
    expect(await agentLogged(/targets: 8000->192\.168\.42\.65 192\.168\.42\.67 /, mark)).toBe(true);
    expect(identities(connect({ count: 60 }))).toEqual(new Set(['target0', 'target2']));
    mark = agentLog.length;
    fs.writeFileSync(manifestFile, renderManifest(view()));
    expect(await agentLogged(/targets: 8000->192\.168\.42\.65 192\.168\.42\.66 192\.168\.42\.67 /, mark)).toBe(true);
    expect(identities(connect({ count: 60 }))).toEqual(new Set(['target0', 'target1', 'target2']));
  }, 30_000);

  it.each([
    ['a shell-injection attempt as a target', (m: string) => m.replace('"192.168.42.66"', '"192.168.42.66; nft flush ruleset"')],
    ['a target that is not IPv4', (m: string) => m.replace('"192.168.42.66"', '"192.168.42.666"')],
    ['a port out of range', (m: string) => m.replace('"targetPort": 1433', '"targetPort": 99999')],
    ['another schema', (m: string) => m.replace('plf.forward/v1', 'plf.forward/v2')],
    ['a truncated file', (m: string) => m.slice(0, 40)],
  ])('11. a bad manifest (%s) is refused and the last good one keeps forwarding', async (_situation, tamper) => {
    const mark = agentLog.length;
    fs.writeFileSync(manifestFile, tamper(renderManifest(view())));
    try {
      expect(await agentLogged(/is not a valid plf\.forward\/v1 manifest; keeping the last good one/, mark)).toBe(true);
      const got = connect({ port: 14330, count: 30 });
      expect(got.every((g) => g !== null && g.port === 1433)).toBe(true);
      expect(identities(got)).toEqual(new Set(['target0', 'target1', 'target2']));
    } finally {
      fs.writeFileSync(manifestFile, renderManifest(view()));
      await sleep(INTERVAL * 1500); // one agent cycle with the good manifest, so the next refusal is logged anew
    }
  });

  it.each([
    ['IPv4 from the allowed subnet to a port that is not forwarded', FORWARDER_IP, 'local', false],
    ['IPv6 to a port that is not forwarded', FORWARDER_IP6, 'local', false],
    ['IPv6 to a forwarded port (the node forwards IPv4 only)', FORWARDER_IP6, 8000, false],
    ["the node's own loopback", '127.0.0.1', 'local', true],
  ] as const)('12. input is locked down: %s', async (_situation, host, port, reachable) => {
    // A service on the node itself, dual-stack, on a port the kernel picks.
    const file = path.join(topo.dir, 'local.js');
    fs.writeFileSync(file, `const srv = require('net').createServer((s) => { s.end('node-itself 0 x\\n'); });
      srv.listen(0, '::', () => console.log('port ' + srv.address().port));`);
    const server = topo.spawnIn(topo.forwarder, process.execPath, [file]);
    try {
      const localPort = await new Promise<number>((resolve, reject) => {
        server.stdout!.on('data', (d: Buffer) => /port (\d+)/.test(d.toString()) && resolve(Number(/port (\d+)/.exec(d.toString())![1])));
        server.once('exit', (code) => reject(new Error(`local server exited ${code}`)));
      });
      const ns = host === '127.0.0.1' ? topo.forwarder : topo.client;
      const got = connect({ ns, host, port: port === 'local' ? localPort : port, count: 2 });
      expect(got.map((g) => g !== null)).toEqual([reachable, reachable]);
    } finally {
      server.kill('SIGKILL');
    }
  });
});
