/**
 * Progress while waiting: the label at the start, then (on a terminal) a ticking elapsed-time line
 * every second, and the label with the time it took at the end — so a slow start is visibly alive,
 * not silent. Off a terminal (CI logs) only the start and end lines are printed.
 */
export async function withProgress<T>(label: string, work: Promise<T>, write: (s: string) => void = (s) => process.stdout.write(s), tty = !!process.stdout.isTTY): Promise<T> {
  const started = Date.now();
  const secs = () => ((Date.now() - started) / 1000).toFixed(1);
  write(`stack: ${label}…\n`);
  const timer = tty ? setInterval(() => write(`\rstack: ${label}… ${secs()} s\x1b[K`), 1000) : undefined;
  try {
    const v = await work;
    if (tty) write('\r\x1b[K');
    write(`stack: ${label}: done in ${secs()} s\n`);
    return v;
  } catch (err) {
    if (tty) write('\r\x1b[K');
    write(`stack: ${label}: failed after ${secs()} s\n`);
    throw err;
  } finally {
    if (timer) clearInterval(timer);
  }
}
