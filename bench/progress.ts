/**
 * Progress while a benchmark waits, on stderr (the figures stay alone on stdout): on a terminal one
 * line rewritten in place ("label 37/100, 4.2 s"); in a log a line at the start, every 25%, and the end.
 */
export interface Progress {
  tick(done: number): void;
  end(): void;
}

export function progress(label: string, total: number, write: (s: string) => void = (s) => process.stderr.write(s), tty = !!process.stderr.isTTY): Progress {
  const started = Date.now();
  let lastQuarter = -1;
  const line = (done: number) => `${label} ${done}/${total}, ${((Date.now() - started) / 1000).toFixed(1)} s`;
  write(tty ? `${line(0)}` : `${line(0)}\n`);
  return {
    tick(done) {
      if (tty) return write(`\r${line(done)}\x1b[K`);
      const quarter = Math.floor((done / Math.max(total, 1)) * 4);
      if (quarter > lastQuarter && quarter < 4) {
        lastQuarter = quarter;
        if (quarter > 0) write(`${line(done)}\n`);
      }
    },
    end() {
      write(tty ? `\r${line(total)}, done\x1b[K\n` : `${line(total)}, done\n`);
    },
  };
}

/** Runs `work` with a ticking elapsed-time progress line; for waits without a count. */
export async function waiting<T>(label: string, work: Promise<T>): Promise<T> {
  const p = progress(label, 1);
  const timer = setInterval(() => p.tick(0), 1000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
    p.end();
  }
}
