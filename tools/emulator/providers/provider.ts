import type { ControlRoute, DataPathHandler, EmulatorRuntime, NodeControl, RawRoute, ResourceTypeHandler } from '../arm/types';
import type { Topology } from '../topology/topology';

/**
 * A provider plugs resource types (and anything else) into the emulator. See the extension-point
 * documentation at the top of emulator/providers/index.ts.
 */
export interface EmulatorProvider {
  /** Short unique name, e.g. "compute". */
  name: string;
  /** ARM resource types this provider answers. */
  resourceTypes?: ResourceTypeHandler[];
  /** Non-resource routes (e.g. metrics:getBatch), tried before resource routing. */
  routes?: RawRoute[];
  /** Extra control-API routes under /_emulator/. */
  control?: ControlRoute[];
  /** Seeding order (lower first; default 100): resources 0, network 10, privatedns 20. */
  seedPriority?: number;
  /** Seeds this provider's part of the topology, on start and on every reset, in seedPriority order. */
  seed?(emu: EmulatorRuntime, topology: Topology): void;
  /** Break/repair a forwarder node (compute provider). */
  nodeControl?: NodeControl;
  /** Data-path query (emulator/datapath). */
  dataPath?: DataPathHandler;
  /** Release timers etc. when the emulator stops. */
  stop?(): void;
}
