import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Real packets in network namespaces this test creates (and deletes): a client network with the
 * allowed source, the LB probe source and an outsider address; the forwarder; and targets on a
 * bridge behind it. Needs root, iproute2 and nftables; without them the suites skip with a loud
 * reason, unless PLF_REQUIRE_NETNS=1 (CI), where a missing capability fails the run.
 */
export function netnsUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not running as root (network namespaces and nftables need CAP_NET_ADMIN)';
  for (const [cmd, args] of [['ip', ['-V']], ['nft', ['--version']]] as const) {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.error || r.status !== 0) return `"${cmd}" is missing (apt-get install ${cmd === 'ip' ? 'iproute2' : 'nftables'})`;
  }
  const probe = `plfprobe${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (add.status !== 0) return `cannot create a network namespace: ${add.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return undefined;
}

export function sh(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

export const FORWARDER_IP = '10.0.1.4';
export const CLIENT_IP = '10.0.1.10';
export const PROBE_IP = '168.63.129.16';
export const OUTSIDER_IP = '10.9.9.9';
export const CLIENT_IP6 = 'fd00:1::10';
export const FORWARDER_IP6 = 'fd00:1::4';
export const BRIDGE_IP = '192.168.42.1';
export const TARGET_IPS = ['192.168.42.65', '192.168.42.66', '192.168.42.67'];

export interface Topology {
  client: string;
  forwarder: string;
  targets: string[];
  dir: string;
  exec(ns: string, cmd: string, args: string[], input?: string): string;
  spawnIn(ns: string, cmd: string, args: string[], env?: Record<string, string>): ChildProcess;
  destroy(): void;
}

let counter = 0;

export function buildTopology(): Topology {
  const id = `${process.pid % 10000}${counter++}`;
  const client = `plfc${id}`;
  const forwarder = `plff${id}`;
  const targets = TARGET_IPS.map((_, i) => `plft${i}${id}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-netns-'));
  const children: ChildProcess[] = [];
  const ip = (...args: string[]) => sh('ip', args);
  const inNs = (ns: string, ...args: string[]) => sh('ip', ['netns', 'exec', ns, ...args]);
  const all = [client, forwarder, ...targets];
  const destroy = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const ns of all) spawnSync('ip', ['netns', 'del', ns]);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const ns of all) {
      ip('netns', 'add', ns);
      inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
    }
    // client <-> forwarder
    ip('link', 'add', `c${id}`, 'type', 'veth', 'peer', 'name', `f${id}`);
    ip('link', 'set', `c${id}`, 'netns', client);
    ip('link', 'set', `f${id}`, 'netns', forwarder);
    inNs(client, 'ip', 'addr', 'add', `${CLIENT_IP}/24`, 'dev', `c${id}`);
    inNs(client, 'ip', 'addr', 'add', `${PROBE_IP}/32`, 'dev', `c${id}`);
    inNs(client, 'ip', 'addr', 'add', `${OUTSIDER_IP}/32`, 'dev', `c${id}`);
    inNs(client, 'ip', '-6', 'addr', 'add', `${CLIENT_IP6}/64`, 'dev', `c${id}`, 'nodad');
    inNs(client, 'ip', 'link', 'set', `c${id}`, 'up');
    inNs(client, 'ip', 'route', 'add', 'default', 'via', FORWARDER_IP);
    inNs(forwarder, 'ip', 'addr', 'add', `${FORWARDER_IP}/24`, 'dev', `f${id}`);
    inNs(forwarder, 'ip', '-6', 'addr', 'add', `${FORWARDER_IP6}/64`, 'dev', `f${id}`, 'nodad');
    inNs(forwarder, 'ip', 'link', 'set', `f${id}`, 'up');
    inNs(forwarder, 'ip', 'route', 'add', `${PROBE_IP}/32`, 'via', CLIENT_IP);
    inNs(forwarder, 'ip', 'route', 'add', `${OUTSIDER_IP}/32`, 'via', CLIENT_IP);
    // forwarder bridge <-> targets
    inNs(forwarder, 'ip', 'link', 'add', 'br0', 'type', 'bridge');
    inNs(forwarder, 'ip', 'addr', 'add', `${BRIDGE_IP}/24`, 'dev', 'br0');
    inNs(forwarder, 'ip', 'link', 'set', 'br0', 'up');
    targets.forEach((ns, i) => {
      ip('link', 'add', `t${i}${id}`, 'type', 'veth', 'peer', 'name', `b${i}${id}`);
      ip('link', 'set', `t${i}${id}`, 'netns', ns);
      ip('link', 'set', `b${i}${id}`, 'netns', forwarder);
      inNs(forwarder, 'ip', 'link', 'set', `b${i}${id}`, 'master', 'br0');
      inNs(forwarder, 'ip', 'link', 'set', `b${i}${id}`, 'up');
      inNs(ns, 'ip', 'addr', 'add', `${TARGET_IPS[i]}/24`, 'dev', `t${i}${id}`);
      inNs(ns, 'ip', 'link', 'set', `t${i}${id}`, 'up');
      inNs(ns, 'ip', 'route', 'add', 'default', 'via', BRIDGE_IP);
    });
  } catch (err) {
    destroy();
    throw err;
  }
  return {
    client,
    forwarder,
    targets,
    dir,
    exec: (ns, cmd, args, input) => sh('ip', ['netns', 'exec', ns, cmd, ...args], input),
    spawnIn(ns, cmd, args, env = {}) {
      const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
      children.push(child);
      return child;
    },
    destroy,
  };
}

/** A TCP server that greets each connection with "<identity> <local port> <peer address>" and echoes lines. */
export const SERVER_JS = `
const net = require('net');
const [identity, ...ports] = process.argv.slice(2);
let ready = 0;
for (const port of ports) {
  net.createServer((s) => {
    s.write(identity + ' ' + port + ' ' + s.remoteAddress.replace('::ffff:', '') + '\\n');
    s.on('data', (d) => s.write(d));
    s.on('error', () => {});
  }).listen(Number(port), '0.0.0.0', () => { if (++ready === ports.length) console.log('ready'); });
}
`;

/** Makes `count` connections (at most `concurrency` at once) and prints what each got, as JSON. */
export const CLIENT_JS = `
const net = require('net');
const o = JSON.parse(process.argv[2]);
const results = new Array(o.count);
let next = 0;
function one(i) {
  return new Promise((resolve) => {
    const s = net.connect({ host: o.host, port: o.port, localAddress: o.localAddress, timeout: o.timeoutMs });
    let buf = '';
    const done = (v) => { results[i] = v; s.destroy(); resolve(); };
    s.on('data', (d) => { buf += d; if (buf.includes('\\n')) done(buf.split('\\n')[0]); });
    s.on('timeout', () => done(null));
    s.on('error', () => done(null));
  });
}
async function worker() { while (next < o.count) { const i = next++; await one(i); } }
Promise.all(Array.from({ length: o.concurrency || 8 }, worker)).then(() => console.log(JSON.stringify(results)));
`;

export interface Greeting {
  identity: string;
  port: number;
  peer: string;
}

export function writeScripts(dir: string): { server: string; client: string } {
  const server = path.join(dir, 'server.js');
  const client = path.join(dir, 'client.js');
  fs.writeFileSync(server, SERVER_JS);
  fs.writeFileSync(client, CLIENT_JS);
  return { server, client };
}

export function connectMany(
  topo: Topology,
  clientScript: string,
  ns: string,
  o: { host: string; port: number; count: number; localAddress?: string; timeoutMs?: number; concurrency?: number },
): (Greeting | null)[] {
  const out = topo.exec(ns, process.execPath, [clientScript, JSON.stringify({ timeoutMs: 2000, ...o })]);
  return (JSON.parse(out) as (string | null)[]).map((line) => {
    if (!line) return null;
    const [identity, port, peer] = line.split(' ');
    return { identity, port: Number(port), peer };
  });
}

export function startServer(topo: Topology, serverScript: string, ns: string, identity: string, ports: number[]): Promise<ChildProcess> {
  const child = topo.spawnIn(ns, process.execPath, [serverScript, identity, ...ports.map(String)]);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server ${identity} did not start`)), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => reject(new Error(`server ${identity} exited ${code}`)));
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
