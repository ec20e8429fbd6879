import * as df from 'durable-functions';
import { deleteARecord, readARecord } from '../../azure/private-dns-record/service';
import { isOurRecord } from '../../core/dns-plan';
import { forwardNames } from '../../core/names';
import { DurableNames } from '../names';
import { actionLog, clients, connectionStore, step, type StepResult } from './context';

/**
 * Teardown's first step: removes the private DNS A records the forward wrote (as its connection
 * rows remember them), each only if its metadata still says it is this forward's, with If-Match
 * on the version read. A record someone else changed meanwhile is left alone.
 */
export async function removeForwardRecords(input: { name: string; now: string }): Promise<StepResult<{ removed: number }>> {
  return step<{ removed: number }>(async () => {
    const c = clients();
    let removed = 0;
    const rows = await connectionStore().list(input.name);
    const seen = new Set<string>();
    for (const row of rows) {
      for (const v of row.dns ?? []) {
        if (v.state !== 'written' || !v.zoneId || seen.has(`${v.zoneId}|${v.fqdn}`.toLowerCase())) continue;
        seen.add(`${v.zoneId}|${v.fqdn}`.toLowerCase());
        const name = v.fqdn.split('.')[0];
        const rec = await readARecord(c, v.zoneId, name);
        if (!rec || !isOurRecord(rec.metadata, input.name)) continue;
        await deleteARecord(c, v.zoneId, name, rec.etag);
        await actionLog().append(input.name, [{ time: input.now, actor: 'reconcile', action: 'dns-remove', target: v.fqdn, reason: 'the forward is being deleted' }]);
        removed++;
      }
    }
    return { outcome: 'ok', removed };
  }, { activity: DurableNames.removeForwardRecords, forward: input.name, orchestrationId: forwardNames(input.name).orchestrationId });
}

df.app.activity(DurableNames.removeForwardRecords, { handler: removeForwardRecords });
