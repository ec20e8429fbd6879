/**
 * Every function name of the app in one place, so triggers, orchestrators and clients
 * never disagree on a string.
 */
export const FunctionNames = {
  health: 'health',
  forwardsPut: 'forwardsPut',
  forwardsGet: 'forwardsGet',
  forwardsList: 'forwardsList',
  forwardsDelete: 'forwardsDelete',
  openApi: 'openApi',
  probesTimer: 'probesTimer',
  forwardsProbes: 'forwardsProbes',
  forwardsProbesRun: 'forwardsProbesRun',
  forwardsProbeRunGet: 'forwardsProbeRunGet',
  reconcileSweep: 'reconcileSweep',
  connectionEvents: 'connectionEvents',
  connectionsSweep: 'connectionsSweep',
  forwardsActions: 'forwardsActions',
  ui: 'ui',
  healthSweep: 'healthSweep',
  forwardsResumeRecycling: 'forwardsResumeRecycling',
} as const;
