import type { Instance } from './types';

/**
 * Where the engine keeps instances. The engine holds every instance in memory and writes
 * through at each state change; a store only has to give them back after a restart.
 * `save` is called under the instance's lock with the whole instance; `resetHistory` says the
 * history was replaced (start over or continue-as-new), otherwise history only grows.
 */
export interface SaveOptions {
  resetHistory?: boolean;
  newHistoryFrom?: number;
}

export interface EngineStore {
  readonly kind: 'memory' | 'tables';
  start(): Promise<void>;
  stop(): Promise<void>;
  loadAll(): Promise<Instance[]>;
  save(instance: Instance, options: SaveOptions): Promise<void>;
  delete(instanceId: string): Promise<void>;
}

/** For tests and `--store memory`: nothing survives the process. */
export class MemoryStore implements EngineStore {
  readonly kind = 'memory' as const;
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async loadAll(): Promise<Instance[]> {
    return [];
  }
  async save(): Promise<void> {}
  async delete(): Promise<void> {}
}
