/** The forwarder node's data plane: pure renderers and the files shipped to every node. */
export { AGENT_PATH, AGENT_SCRIPT } from './agent-script';
export { customDataOf, renderCloudInit, SYSCTL_PATH } from './cloud-init';
export { MANIFEST_PATH, MANIFEST_SCHEMA, manifestOf, renderManifest, type ForwardManifest } from './manifest';
export { DNAT_CHAIN, dnatRule, renderRuleset, TABLE, TABLE6 } from './ruleset';
export { renderSysctl } from './sysctl';
export { AGENT_UNIT, MODULES_LOAD, MODULES_LOAD_PATH, NFTABLES_UNIT, RULESET_PATH } from './systemd';
export {
  assertValidView,
  AZURE_PROBE_SOURCE,
  DataPlaneInputError,
  DEFAULT_AGENT,
  isCidr,
  parseIpv4,
  reservedTargetReason,
  viewProblems,
  type AgentSettings,
  type DataPlaneView,
  type PortMapping,
} from './view';
