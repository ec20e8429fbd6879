import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { POLL, IDS, startTestEmulator } from './helpers/emulator';
import { lbBody } from './helpers/network-fixtures';
import { eventually } from '../helpers/wait';

/**
 * A restarted emulator (`--state FILE`, as under `npm start`) never shows a resource stuck in an
 * operation that no longer exists: operations finished by their timer are saved, a graceful stop
 * finishes the running ones first, and a state file written mid-operation (the emulator was
 * killed) loads those resources as Failed — what Azure shows for a lost operation, and what a
 * client repairs by PUTting again.
 */
const LB_PATH = `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Network/loadBalancers`;
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-emu-restart-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const savedState = (file: string, name: string) => {
  const snap = JSON.parse(fs.readFileSync(file, 'utf8')) as { resources: { id: string; body: { properties?: { provisioningState?: string } } }[] };
  return snap.resources.find((r) => r.id.endsWith(`/loadBalancers/${name}`))?.body.properties?.provisioningState;
};

describe('the state file across restarts', () => {
  it('an operation its timer finished is saved though no request followed it', async () => {
    const stateFile = path.join(dir, 'state.json');
    const t = await startTestEmulator({ stateFile, lroDelayMs: 600 });
    try {
      await t.network().loadBalancers.beginCreateOrUpdate(IDS.hubRg, 'lb-timer', lbBody('lb-timer'));
      // The save after the PUT records Creating; then only the operation's timer runs.
      await eventually(() => fs.existsSync(stateFile) && savedState(stateFile, 'lb-timer') === 'Creating', 'Creating saved', 2_000, 50);
      await eventually(() => savedState(stateFile, 'lb-timer') === 'Succeeded', 'Succeeded saved by the timer alone', 3_000, 50);
      expect(savedState(stateFile, 'lb-timer')).toBe('Succeeded');
    } finally {
      await t.stop();
    }
  });

  it('a graceful stop finishes running operations before the last save', async () => {
    const stateFile = path.join(dir, 'state.json');
    const first = await startTestEmulator({ stateFile, lroDelayMs: 600_000 });
    try {
      await first.network().loadBalancers.beginCreateOrUpdate(IDS.hubRg, 'lb-stop', lbBody('lb-stop'));
    } finally {
      await first.stop();
    }
    const second = await startTestEmulator({ stateFile });
    try {
      expect((await second.network().loadBalancers.get(IDS.hubRg, 'lb-stop')).provisioningState).toBe('Succeeded');
      expect(second.emu.interrupted).toEqual([]);
    } finally {
      await second.stop();
    }
  });

  it('a state file written mid-operation (the emulator was killed) loads the resource Failed, named; a PUT repairs it', async () => {
    const stateFile = path.join(dir, 'state.json');
    const killedFile = path.join(dir, 'killed.json');
    const first = await startTestEmulator({ stateFile, lroDelayMs: 600_000 });
    try {
      await first.network().loadBalancers.beginCreateOrUpdate(IDS.hubRg, 'lb-kill', lbBody('lb-kill'));
      await eventually(() => fs.existsSync(stateFile) && savedState(stateFile, 'lb-kill') === 'Creating', 'Creating saved', 2_000, 50);
      // What a SIGKILL leaves behind: the file as it was while the operation ran.
      fs.copyFileSync(stateFile, killedFile);
    } finally {
      await first.stop();
    }
    const second = await startTestEmulator({ stateFile: killedFile });
    try {
      const net = second.network();
      expect((await net.loadBalancers.get(IDS.hubRg, 'lb-kill')).provisioningState).toBe('Failed');
      expect(second.emu.interrupted).toEqual([`${LB_PATH}/lb-kill`]);
      const repaired = await net.loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, 'lb-kill', lbBody('lb-kill'), POLL);
      expect(repaired.provisioningState).toBe('Succeeded');
    } finally {
      await second.stop();
    }
  });
});
