import type { FigureLabel } from '../areas';
import { benchArea } from '../figures';
import { waiting } from '../progress';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ComputeManagementClient, type VirtualMachineScaleSet } from '@azure/arm-compute';
import { NetworkManagementClient, type LoadBalancer } from '@azure/arm-network';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { startEmulator } from '../../tools/emulator/server';

/**
 * Emulator throughput through the real @azure/arm-network client:
 *   - GET of a virtual network
 *   - PUT of a load balancer as a long-running operation (initial PUT, status poll, final GET)
 *   - PUT of a 3-instance scale set (NICs from the subnet, LB pool membership) then its DELETE,
 *     both long-running, through @azure/arm-compute
 * Each phase runs for a number of seconds with a number of callers (bench/areas.ts: 3 s and 8,
 * smoke 1 s and 2), and prints operations/s and ARM requests/s (from the emulator's request log).
 * Each caller is its own principal (bearer token): the emulator throttles like ARM, a token bucket
 * per principal and subscription (reads 250 burst, 25/s), so the GET phase measures at most
 * CONCURRENCY buckets once their bursts are spent; the SDK waits out the 429s' Retry-After.
 */
const bench = benchArea('emulator');
const SECONDS = bench.sizes.seconds;
const CONCURRENCY = bench.sizes.concurrency;
const SUB = '00000000-0000-0000-0000-00000000a001';
const RG = 'rg-hub';
const SHARED = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/shared`;

class StaticToken implements TokenCredential {
  constructor(private readonly token = 'bench') {}
  async getToken(): Promise<AccessToken> {
    return { token: this.token, expiresOnTimestamp: Date.now() + 3600_000 };
  }
}

function lb(name: string, i: number): LoadBalancer {
  const id = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/loadBalancers/${name}`;
  return {
    location: 'westeurope',
    sku: { name: 'Standard' },
    tags: { run: String(i) },
    frontendIPConfigurations: [{ name: 'fe', subnet: { id: SHARED } }],
    backendAddressPools: [{ name: 'nodes' }],
    probes: [{ name: 'p', protocol: 'Tcp', port: 8000 }],
    loadBalancingRules: [
      {
        name: 'r',
        protocol: 'Tcp',
        frontendPort: 8000,
        backendPort: 8000,
        frontendIPConfiguration: { id: `${id}/frontendIPConfigurations/fe` },
        backendAddressPool: { id: `${id}/backendAddressPools/nodes` },
        probe: { id: `${id}/probes/p` },
      },
    ],
  };
}

function vmss(): VirtualMachineScaleSet {
  return {
    location: 'westeurope',
    sku: { name: 'Standard_B1s', capacity: 3 },
    upgradePolicy: { mode: 'Manual' },
    virtualMachineProfile: {
      osProfile: { computerNamePrefix: 'bench', adminUsername: 'plf', linuxConfiguration: { disablePasswordAuthentication: true, ssh: { publicKeys: [{ path: '/home/plf/.ssh/authorized_keys', keyData: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCeClRAk2ipUs/l5voIsDC5q9RI+YSRd1Bvd/O+axgY4WiBzG+4FwJWZm/mLLe5DoOdHQwmU2FrKXZSW4w2sYE70KeWnrFViCOX5MTVvJgPE8ClugNl8RWth/tU849DvM9sT7vFgfVSHcAS2yDRyDlueii+8nF2ym8XWAPltFVCyLHRsyBp5YPqK8JFYIa1eybKsY3hEAxRCA+/7bq8et+Gj3coOsuRmrehav7rE6N12Pb80I6ofa6SM5XNYq4Xk0iYNx7R3kdz0Jj9XgZYWjAHjJmT0gTRoOnt6upOuxK7xI/ykWrllgpXrCPu3Ymz+c+ujaqcxDopnAl2lmf69/J1 bench' }] } } },
      networkProfile: { networkInterfaceConfigurations: [{ name: 'nic', primary: true, ipConfigurations: [{ name: 'ipc', subnet: { id: SHARED } }] }] },
    },
  };
}

async function phase(name: FigureLabel<'emulator'>, requestsBefore: () => number, op: (worker: number, i: number) => Promise<unknown>): Promise<void> {
  const until = Date.now() + SECONDS * 1000;
  const startReq = requestsBefore();
  const t0 = process.hrtime.bigint();
  let ops = 0;
  await waiting(`${name.trim()} for ${SECONDS} s`, Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, w) => {
      for (let i = 0; Date.now() < until; i++) {
        await op(w, i);
        ops++;
      }
    }),
  ));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const reqs = requestsBefore() - startReq;
  if (ops === 0) throw new Error(`${name}: no operation completed in ${SECONDS} s`);
  const rate = (n: number) => (n / secs).toFixed(n / secs < 10 ? 1 : 0);
  bench.figure(name, `${rate(ops)} ops/s, ${rate(reqs)} ARM requests/s  (${ops} ops, ${reqs} requests, ${secs.toFixed(1)} s, concurrency ${CONCURRENCY})`);
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-bench-'));
  const emu = await startEmulator({ port: 0, lroDelayMs: 0, caFile: path.join(dir, 'ca.pem') });
  try {
    const nets = Array.from({ length: CONCURRENCY }, (_, w) => new NetworkManagementClient(new StaticToken(`bench-${w}`), SUB, { endpoint: emu.url, credentialScopes: ['https://management.azure.com/.default'], tlsOptions: { ca: emu.caPem } }));
    // Bounded log: count with the sequence number instead of the (capped) entry list.
    let seq = 0;
    const total = () => {
      const l = emu.runtime.requests.list();
      if (l.length) seq = l[l.length - 1].seq;
      return seq;
    };
    console.log(`emulator bench: ${SECONDS} s per phase, Node ${process.version}, ${os.cpus().length} CPUs`);
    await phase('GET virtualNetworks/vnet-hub', total, (w) => nets[w].virtualNetworks.get(RG, 'vnet-hub'));
    await phase('PUT loadBalancers (LRO, AndWait)', total, (w, i) => nets[w].loadBalancers.beginCreateOrUpdateAndWait(RG, `lb-bench-${w}`, lb(`lb-bench-${w}`, i)));
    const computes = Array.from({ length: CONCURRENCY }, (_, w) => new ComputeManagementClient(new StaticToken(`bench-vmss-${w}`), SUB, { endpoint: emu.url, tlsOptions: { ca: emu.caPem } }));
    await phase('PUT+DELETE VMSS, 3 instances (LRO)', total, async (w) => {
      await computes[w].virtualMachineScaleSets.createOrUpdate(RG, `vmss-bench-${w}`, vmss());
      await computes[w].virtualMachineScaleSets.delete(RG, `vmss-bench-${w}`);
    });
    const mem = process.memoryUsage();
    bench.figure('memory (bench + emulator in one process)', `rss ${(mem.rss / 1048576).toFixed(0)} MiB, heap used ${(mem.heapUsed / 1048576).toFixed(0)} MiB`);
  } finally {
    await emu.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
