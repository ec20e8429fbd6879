import * as fs from 'node:fs';
import * as path from 'node:path';
import { idKey } from '../arm/resource-path';
import { IpAllocator } from './ip-allocator';

/**
 * The emulator's state: ARM resources by id, IP allocations, on-prem targets, and per-provider
 * "bags" for state that is not an ARM resource (e.g. compute's node health, broken flags).
 * In memory; `save()`/`load()` write and read one JSON file so a restarted emulator keeps its world.
 */
export interface StoredResource {
  /** Canonical id (casing of the creating request). */
  id: string;
  /** Canonical type, e.g. "Microsoft.Network/loadBalancers". */
  type: string;
  name: string;
  subscriptionId: string;
  resourceGroup?: string;
  etag: string;
  /** The ARM body as returned, without id/name/type/etag (the renderer adds those). */
  body: Record<string, unknown>;
  /** Emulator-only facts never returned to clients (alias guid, allocations, owners...). */
  internal: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

/** An on-prem (or any) target the simulated data path can connect to. */
export interface TargetState {
  ip: string;
  up: boolean;
  /** TCP ports that accept connections when the target is up. */
  openPorts: number[];
}

export interface SubscriptionInfo {
  subscriptionId: string;
  displayName: string;
  tenantId: string;
}

export interface StateSnapshot {
  version: 1;
  subscriptions: SubscriptionInfo[];
  resources: StoredResource[];
  ipAllocations: Record<string, Record<string, string>>;
  targets: TargetState[];
  bags: Record<string, unknown>;
}

export class EmulatorState {
  readonly resources = new Map<string, StoredResource>();
  readonly subscriptions = new Map<string, SubscriptionInfo>();
  readonly ips = new IpAllocator();
  readonly targets = new Map<string, TargetState>();
  private readonly bags = new Map<string, unknown>();

  get(id: string): StoredResource | undefined {
    return this.resources.get(idKey(id));
  }

  set(resource: StoredResource): void {
    this.resources.set(idKey(resource.id), resource);
  }

  delete(id: string): boolean {
    return this.resources.delete(idKey(id));
  }

  /** Resources of `type` (case-insensitive) whose id starts with `underId` (an RG, subscription or parent id). */
  list(type: string, underId?: string): StoredResource[] {
    const t = type.toLowerCase();
    const prefix = underId !== undefined ? `${idKey(underId)}/` : undefined;
    const out: StoredResource[] = [];
    for (const [k, r] of this.resources) {
      if (r.type.toLowerCase() !== t) continue;
      if (prefix !== undefined && !k.startsWith(prefix)) continue;
      out.push(r);
    }
    return out.sort((a, b) => (a.id.toLowerCase() < b.id.toLowerCase() ? -1 : 1));
  }

  /** Direct children of `parentId` with the given child type (e.g. subnets of a VNet). */
  children(parentId: string, childType: string): StoredResource[] {
    const depth = idKey(parentId).split('/').length + 2;
    return this.list(childType, parentId).filter((r) => idKey(r.id).split('/').length === depth);
  }

  /**
   * A provider's private state that is not an ARM resource. `init` creates it on first use; it is
   * saved with the state file, so keep it JSON-serialisable.
   */
  bag<T>(name: string, init: () => T): T {
    if (!this.bags.has(name)) this.bags.set(name, init());
    return this.bags.get(name) as T;
  }

  snapshot(): StateSnapshot {
    return {
      version: 1,
      subscriptions: [...this.subscriptions.values()],
      resources: [...this.resources.values()],
      ipAllocations: this.ips.toJSON(),
      targets: [...this.targets.values()],
      bags: Object.fromEntries(this.bags),
    };
  }

  restore(s: StateSnapshot): void {
    this.clear();
    for (const sub of s.subscriptions) this.subscriptions.set(sub.subscriptionId.toLowerCase(), sub);
    for (const r of s.resources) this.set(r);
    this.ips.load(s.ipAllocations);
    for (const t of s.targets) this.targets.set(t.ip, t);
    for (const [k, v] of Object.entries(s.bags)) this.bags.set(k, v);
  }

  clear(): void {
    this.resources.clear();
    this.subscriptions.clear();
    this.ips.clear();
    this.targets.clear();
    this.bags.clear();
  }

  save(file: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.snapshot(), null, 1));
    fs.renameSync(tmp, file);
  }

  /** Returns false when the file does not exist. */
  load(file: string): boolean {
    if (!fs.existsSync(file)) return false;
    this.restore(JSON.parse(fs.readFileSync(file, 'utf8')) as StateSnapshot);
    return true;
  }
}
