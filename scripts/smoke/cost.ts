/**
 * What the smoke's resources cost per hour, from the committed price table
 * (scripts/smoke/prices.json). Pure: the table and what was created in, lines out.
 *
 * Shapes: prices are in the table's `currency`; `unit` is `hour` (per resource per hour),
 * `rule-hour` (per load balancer rule beyond the first 5, per hour), `vCPU-second` /
 * `GB-second` (container instances, per second of a running container group). A price `null`
 * is a figure the table says it does not have (`missing` says why): its line is printed as not
 * known, and the total is the sum of the known lines only, which the output says.
 *
 * Load balancer: the hourly price covers 1 to 5 rules; each further rule adds a rule-hour
 * (table entries loadBalancer and loadBalancerRule). Probes: a run's container group is billed per
 * second while it runs; per hour = runs per hour × seconds per run × (vCPU × price per vCPU-second
 * + GB × price per GB-second).
 */
export interface PriceEntry {
  kind: string;
  sku?: string;
  unit: string;
  price: number | null;
  region: string;
  read: string;
  source?: string;
  sourceSays?: string;
  missing?: string;
  covers?: string;
  officialPage?: string;
}

export interface PriceTable {
  read: string;
  currency: string;
  entries: PriceEntry[];
}

export interface Created {
  nodes: { vmSize: string; count: number };
  loadBalancerRules: number;
  privateLinkServices: number;
  privateEndpoints: number;
  /** Probe runs, priced per hour at `runsPerHour`; `seconds`: one run's measured length. */
  probe?: { containers: number; cpuPerContainer: number; memoryGBPerContainer: number; seconds: number; runsPerHour: number };
}

export interface CostLine {
  what: string;
  /** Per hour in the table's currency; undefined when a figure it needs is not known. */
  perHour?: number;
  /** Why not known (the table's own reason is in its entry's `missing`). */
  unknown?: string;
  /** Where the figures of this line were read (URLs). */
  sources: string[];
  regions: string[];
}

export interface CostResult {
  currency: string;
  read: string;
  lines: CostLine[];
  /** Sum of the lines with a known price. */
  knownTotal: number;
  unknownCount: number;
}

const KINDS = ['vm', 'osDisk', 'loadBalancer', 'loadBalancerRule', 'privateLinkService', 'privateEndpoint', 'containerInstances', 'privateDnsZone'];
const UNITS = ['hour', 'rule-hour', 'vCPU-second', 'GB-second', 'zone-month'];
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** What is wrong with a price table (empty: usable). Each entry needs a read date and a region; a figure needs its source URL, a null one says why. */
export function tableProblems(t: unknown): string[] {
  if (typeof t !== 'object' || t === null) return ['the price table must be a JSON object'];
  const table = t as Partial<PriceTable>;
  const problems: string[] = [];
  if (typeof table.read !== 'string' || !DATE.test(table.read)) problems.push('read must be the date the figures were read (YYYY-MM-DD)');
  if (typeof table.currency !== 'string' || !/^[A-Z]{3}$/.test(table.currency)) problems.push('currency must be a 3-letter code');
  if (!Array.isArray(table.entries) || !table.entries.length) return [...problems, 'entries must be a non-empty list'];
  table.entries.forEach((e, i) => {
    const at = `entries[${i}]${e?.kind ? ` (${e.kind}${e.sku ? ` ${e.sku}` : ''})` : ''}`;
    if (!KINDS.includes(e?.kind)) problems.push(`${at}: kind must be one of ${KINDS.join(', ')}`);
    if (!UNITS.includes(e?.unit)) problems.push(`${at}: unit must be one of ${UNITS.join(', ')}`);
    if (typeof e?.region !== 'string' || !e.region) problems.push(`${at}: region is required (where the figure applies)`);
    if (typeof e?.read !== 'string' || !DATE.test(e.read)) problems.push(`${at}: read must be the date its figure was read (YYYY-MM-DD)`);
    if (e?.price === null) {
      if (typeof e.missing !== 'string' || !e.missing) problems.push(`${at}: a null price must say why in missing`);
    } else if (typeof e?.price !== 'number' || !Number.isFinite(e.price) || e.price < 0) problems.push(`${at}: price must be a number >= 0, or null with missing`);
    else if (typeof e.source !== 'string' || !/^https:\/\//.test(e.source)) problems.push(`${at}: a price needs the https URL it was read from in source`);
  });
  return problems;
}

const find = (t: PriceTable, kind: string, sku?: string) => t.entries.find((e) => e.kind === kind && (sku === undefined || e.sku?.toLowerCase() === sku.toLowerCase()));

/** A line from `parts` (each an entry and a multiplier); not known when an entry is absent or null. */
function line(what: string, parts: { entry: PriceEntry | undefined; times: number; name: string }[]): CostLine {
  const sources = [...new Set(parts.flatMap((p) => (p.entry?.source ? [p.entry.source] : p.entry?.officialPage ? [p.entry.officialPage] : [])))];
  const regions = [...new Set(parts.flatMap((p) => (p.entry ? [p.entry.region] : [])))];
  const absent = parts.filter((p) => !p.entry);
  if (absent.length) return { what, unknown: `${absent.map((p) => p.name).join(', ')} not in the table`, sources, regions };
  const missing = parts.filter((p) => p.entry!.price === null);
  if (missing.length) return { what, unknown: `the table has no figure for ${missing.map((p) => p.name).join(', ')}`, sources, regions };
  return { what, perHour: parts.reduce((sum, p) => sum + p.entry!.price! * p.times, 0), sources, regions };
}

export function costPerHour(table: PriceTable, c: Created): CostResult {
  const lines: CostLine[] = [];
  const n = c.nodes.count;
  if (n > 0) {
    lines.push(line(`${n} × ${c.nodes.vmSize} node`, [{ entry: find(table, 'vm', c.nodes.vmSize), times: n, name: c.nodes.vmSize }]));
    lines.push(line(`${n} × node OS disk`, [{ entry: find(table, 'osDisk'), times: n, name: 'Standard_LRS OS disks' }]));
  }
  if (c.loadBalancerRules > 0) {
    const extra = Math.max(0, c.loadBalancerRules - 5);
    lines.push(
      line(`Standard load balancer, ${c.loadBalancerRules} rule${c.loadBalancerRules > 1 ? 's' : ''}`, [
        { entry: find(table, 'loadBalancer'), times: 1, name: 'Standard load balancers' },
        ...(extra ? [{ entry: find(table, 'loadBalancerRule'), times: extra, name: 'load balancer rules beyond 5' }] : []),
      ]),
    );
  }
  if (c.privateLinkServices > 0) lines.push(line(`${c.privateLinkServices} × private link service`, [{ entry: find(table, 'privateLinkService'), times: c.privateLinkServices, name: 'private link services' }]));
  if (c.privateEndpoints > 0) lines.push(line(`${c.privateEndpoints} × private endpoint`, [{ entry: find(table, 'privateEndpoint'), times: c.privateEndpoints, name: 'private endpoints' }]));
  if (c.probe) {
    const p = c.probe;
    const seconds = p.seconds * p.runsPerHour;
    lines.push(
      line(`probes: ${p.runsPerHour} run${p.runsPerHour === 1 ? '' : 's'}/h × ${p.seconds.toFixed(0)} s × ${p.containers} container${p.containers === 1 ? '' : 's'} (${p.cpuPerContainer} vCPU, ${p.memoryGBPerContainer} GB each)`, [
        { entry: find(table, 'containerInstances', 'Linux vCPU'), times: seconds * p.containers * p.cpuPerContainer, name: 'ACI vCPU-seconds' },
        { entry: find(table, 'containerInstances', 'Linux memory'), times: seconds * p.containers * p.memoryGBPerContainer, name: 'ACI GB-seconds' },
      ]),
    );
  }
  const known = lines.filter((l) => l.perHour !== undefined);
  return { currency: table.currency, read: table.read, lines, knownTotal: known.reduce((s, l) => s + l.perHour!, 0), unknownCount: lines.length - known.length };
}

/** Money with enough digits for cents per hour of small things (0.0104 -> "0.0104", 0.025 -> "0.0250"). */
export const money = (v: number) => v.toFixed(4);

/** The printed table: one line per resource kind, the total of the known ones, and the sources. */
export function formatCost(r: CostResult): string[] {
  const width = Math.max(...r.lines.map((l) => l.what.length));
  const sources: string[] = [];
  const ref = (urls: string[]) => urls.map((u) => (sources.includes(u) ? sources.indexOf(u) : sources.push(u) - 1) + 1).map((i) => `[${i}]`).join('');
  const rows = r.lines.map((l) =>
    [`  ${l.what.padEnd(width)}`, l.perHour !== undefined ? `${money(l.perHour)} ${r.currency}/h` : `not known: ${l.unknown}`, l.regions.length ? `(${l.regions.join(', ')})` : '', ref(l.sources)].filter(Boolean).join('  '),
  );
  return [
    `cost per hour of what the smoke created, at list prices read ${r.read} (scripts/smoke/prices.json; your region's prices may differ):`,
    ...rows,
    `  total of the known figures: ${money(r.knownTotal)} ${r.currency}/h${r.unknownCount ? ` — ${r.unknownCount} line${r.unknownCount > 1 ? 's' : ''} not known, so the real cost is higher` : ''}; per-GB charges (data processed, bandwidth) not counted`,
    ...sources.map((u, i) => `  [${i + 1}] ${u}`),
  ];
}
