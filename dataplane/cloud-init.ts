import { stringify } from 'yaml';
import { AGENT_PATH, AGENT_SCRIPT } from './agent-script';
import { MANIFEST_PATH, renderManifest } from './manifest';
import { renderRuleset } from './ruleset';
import { renderSysctl } from './sysctl';
import { AGENT_UNIT, MODULES_LOAD, MODULES_LOAD_PATH, NFTABLES_UNIT, RULESET_PATH } from './systemd';
import { assertValidView, type DataPlaneView } from './view';

/**
 * The forwarder node's cloud-init (`#cloud-config`): write every file, apply the sysctls, load
 * the ruleset and start the agent. The manifest is written base64-encoded (`encoding: b64`), which
 * is the contract the emulator reads; the scale set's customData is base64 of this whole text.
 */
export const SYSCTL_PATH = '/etc/sysctl.d/90-plf-forwarder.conf';

export function renderCloudInit(view: DataPlaneView): string {
  assertValidView(view);
  const file = (path: string, content: string, permissions = '0644') => ({ path, owner: 'root:root', permissions, content });
  const config = {
    write_files: [
      { path: MANIFEST_PATH, owner: 'root:root', permissions: '0644', encoding: 'b64', content: Buffer.from(renderManifest(view)).toString('base64') },
      file(RULESET_PATH, renderRuleset(view)),
      file(SYSCTL_PATH, renderSysctl()),
      file(MODULES_LOAD_PATH, MODULES_LOAD),
      file(AGENT_PATH, AGENT_SCRIPT, '0755'),
      file('/etc/systemd/system/plf-nftables.service', NFTABLES_UNIT),
      file('/etc/systemd/system/plf-agent.service', AGENT_UNIT),
    ],
    // First boot (later boots start the units themselves): conntrack, then the sysctls (which
    // need it), then the ruleset, then the agent.
    runcmd: [
      ['modprobe', 'nf_conntrack'],
      ['sysctl', '--system'],
      ['systemctl', 'daemon-reload'],
      ['systemctl', 'enable', '--now', 'plf-nftables.service'],
      ['systemctl', 'enable', '--now', 'plf-agent.service'],
    ],
  };
  return `#cloud-config\n${stringify(config, { lineWidth: 0 })}`;
}

/** What goes in the scale set model's `osProfile.customData`. */
export function customDataOf(view: DataPlaneView): string {
  return Buffer.from(renderCloudInit(view)).toString('base64');
}
