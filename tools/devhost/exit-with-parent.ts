/**
 * Children that must not outlive the process that started them (Azurite and the emulator under
 * `npm start` and the tests). Signal handlers cannot help when the parent is SIGKILLed or dies of
 * OOM, so the child watches its stdin instead: the parent spawns it with stdin as a pipe and never
 * writes to it; the kernel closes the pipe whatever ends the parent, the child reads end-of-file
 * and sends itself SIGTERM, so its own shutdown (state saved, servers closed) still runs. A child
 * that ignores SIGTERM is ended five seconds later.
 *
 * The watcher is preloaded with `--import` of a data: URL, so it works for a package we do not
 * own (Azurite) and needs no file on disk next to the compiled code. stdin is unref'd: a child that
 * finishes on its own is not held open by the watch.
 */
const WATCHER = [
  "process.stdin.once('end', () => {",
  "  process.kill(process.pid, 'SIGTERM');",
  '  setTimeout(() => process.exit(1), 5000).unref();',
  '});',
  'process.stdin.resume();',
  'process.stdin.unref();',
].join('\n');

/** Node arguments to put before the script; spawn the child with `stdio[0] === 'pipe'`. */
export function exitWithParentArgs(): string[] {
  return ['--import', `data:text/javascript,${encodeURIComponent(WATCHER)}`];
}
