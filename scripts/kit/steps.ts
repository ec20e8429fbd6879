/**
 * How the tools beside the product (npm run demo, npm run smoke:azure) tell their story: each
 * step prints `▶ title`, then what it did and what the product answered (lines starting with two
 * spaces), then `✓ title — what it found (N.N s)` or `✗ title — why (N.N s)`; a failed step is
 * recorded and the story goes on (the caller decides what still makes sense). `until` polls with a
 * progress line on a terminal (one `… waiting for X` line otherwise) and throws naming what it
 * waited for. `cancel` (Ctrl-C) makes every wait throw at its next poll and no further step
 * start, until `resume`.
 */
export const out = (s: string) => void process.stdout.write(s);

/** Seconds since `t` (ms epoch), one decimal: `12.3 s`. */
export const since = (t: number) => `${((Date.now() - t) / 1000).toFixed(1)} s`;

export class StepRunner {
  readonly failures: string[] = [];
  private cancelled?: string;

  /** `pollMs`: how often `until` asks, unless told otherwise. */
  constructor(readonly pollMs = 300) {}

  /** Runs one step; true when it behaved. `run` answers what it found (shown after ✓). Cancelled: not started, false. */
  async step(title: string, run: () => Promise<string>): Promise<boolean> {
    if (this.cancelled) {
      out(`\n– ${title}: not started (${this.cancelled})\n`);
      this.failures.push(title);
      return false;
    }
    const t = Date.now();
    out(`\n▶ ${title}\n`);
    try {
      const said = await run();
      out(`✓ ${title} — ${said} (${since(t)})\n`);
      return true;
    } catch (err) {
      out(`✗ ${title} — ${(err as Error).message} (${since(t)})\n`);
      this.failures.push(title);
      return false;
    }
  }

  /** Polls until `probe` answers something other than undefined; a probe that throws counts as "not yet". */
  async until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000, everyMs = this.pollMs): Promise<T> {
    const t = Date.now();
    const tty = !!process.stdout.isTTY;
    const clear = () => (tty ? out('\r\x1b[K') : undefined);
    if (!tty) out(`  … waiting for ${what}\n`);
    for (;;) {
      if (this.cancelled) {
        clear();
        throw new Error(`${what}: interrupted (${this.cancelled})`);
      }
      const v = await probe().catch(() => undefined);
      if (v !== undefined) {
        clear();
        return v;
      }
      if (Date.now() - t > timeoutMs) {
        clear();
        throw new Error(`${what}: not within ${Math.round(timeoutMs / 1000)} s`);
      }
      if (tty) out(`\r  … waiting for ${what} (${since(t)})\x1b[K`);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }

  /** Every wait throws from its next poll on (the story stops; its cleanup calls resume first). */
  cancel(why: string): void {
    this.cancelled = why;
  }

  resume(): void {
    this.cancelled = undefined;
  }
}
