import * as fs from 'node:fs';
import * as path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import * as yazl from 'yazl';
import * as yauzl from 'yauzl';

/**
 * azd's zip of a Functions service, replayed in TypeScript from azure-dev's source (cli/azd,
 * read at commit ae35809f):
 * - pkg/project/project_utils.go `createDeployableZip(svc, root)`: reads the host's ignore file
 *   (`.funcignore`, service_target.go `IgnoreFile()`) from the package ROOT, strips a UTF-8 BOM,
 *   then for every entry skips a `.azure` directory, the ignore file itself, `local.settings.json`
 *   (any depth: the check is on the name), and what the ignore file matches; without an ignore file
 *   a JS/TS service leaves `node_modules` out unless `remoteBuild: false`.
 * - pkg/rzip/rzip.go `CreateFromDirectory()`: entries in os.ReadDir order (by name), no directory
 *   entries, Deflate, symlinks resolved (a linked file is stored under the link's name, a linked
 *   directory walked from its target), an excluded directory not descended into.
 * - pkg/project/service_target_functionapp.go `resolveFunctionAppRemoteBuild()`: the remote-build
 *   decision, read from the ignore file of the PROJECT folder (not the package root).
 *
 * Matching uses the npm package `ignore` where azd uses github.com/denormal/go-gitignore (read at
 * ae8ad1d0). Known differences, none exercised by this project's .funcignore: go-gitignore matches
 * an anchored pattern without a middle slash (`/tsconfig*.json`) with fnmatch flags 0, so its `*`
 * may cross `/` (git's and `ignore`'s do not); inside a symlinked directory azd passes the target's
 * path, which go-gitignore's `Absolute()` does not match at all (nothing ignored there), replayed
 * here by the same prefix test. `ignore` folds case by default; go-gitignore does not, so neither
 * does this replay.
 */

export interface ZipOptions {
  /** Ignore file name looked up in `root` (`.funcignore` for host `function`). */
  ignoreFile: string;
  /** azure.yaml's `remoteBuild`, when set. */
  remoteBuild?: boolean;
}

/** Entry names (posix, relative to root) in the order azd writes them, with the file each is read from. */
export function deployableEntries(root: string, opts: ZipOptions): { name: string; source: string }[] {
  const ignorer = readIgnore(path.join(root, opts.ignoreFile));
  const entries: { name: string; source: string }[] = [];

  const include = (src: string, info: fs.Stats): boolean => {
    const name = path.basename(src);
    const isDir = info.isSymbolicLink() ? fs.statSync(src).isDirectory() : info.isDirectory();
    if (name === '.azure' && isDir) return false;
    if (name === opts.ignoreFile && !isDir) return false;
    if (name === 'local.settings.json' && !isDir) return false; // host function
    if (ignorer) {
      // go-gitignore Absolute(): a path outside the base (a symlinked directory's target) never matches.
      if (!src.startsWith(root)) return true;
      const rel = src.slice(root.length + 1).split(path.sep).join('/');
      return !ignorer.ignores(isDir ? `${rel}/` : rel);
    }
    if (name === 'node_modules' && isDir) return opts.remoteBuild === false;
    return true;
  };

  const walk = (dir: string, destRoot: string, symlinkDepth: number): void => {
    if (symlinkDepth > 40) return;
    for (const entry of fs.readdirSync(dir).sort()) {
      const src = path.join(dir, entry);
      const info = fs.lstatSync(src);
      if (!include(src, info)) continue;
      const dest = destRoot ? `${destRoot}/${entry}` : entry;
      if (info.isSymbolicLink()) {
        const target = fs.realpathSync(src);
        if (fs.lstatSync(target).isDirectory()) walk(target, dest, symlinkDepth + 1);
        else entries.push({ name: dest, source: target });
      } else if (info.isDirectory()) walk(src, dest, symlinkDepth);
      else entries.push({ name: dest, source: src });
    }
  };
  walk(root, '', 0);
  return entries;
}

/**
 * Writes azd's zip of `root` to `zipFile` (Deflate, file entries only; each entry's mtime and mode
 * from yazl's own stat of the file, as rzip.go's `zip.FileInfoHeader`). Resolves with the entry
 * count. yazl streams one file at a time; handing it every file as a buffer (deflated side by side)
 * measured four times slower on ~19k files (a zlib context per pending entry).
 */
export async function createDeployableZip(root: string, zipFile: string, opts: ZipOptions): Promise<number> {
  const entries = deployableEntries(root, opts);
  const zip = new yazl.ZipFile();
  for (const e of entries) zip.addFile(e.source, e.name, { compress: true });
  const done = new Promise<void>((resolve, reject) => {
    const out = fs.createWriteStream(zipFile);
    out.on('close', () => resolve());
    out.on('error', reject);
    zip.outputStream.on('error', reject).pipe(out);
  });
  zip.end();
  await done;
  return entries.length;
}

/**
 * service_target_functionapp.go `resolveFunctionAppRemoteBuild()` for a JS/TS service: no ignore
 * file in the project folder -> `remoteBuild` as set, else true; otherwise remote build exactly
 * when the file excludes `node_modules` (as a directory), and a `remoteBuild` that contradicts it
 * is an error (thrown, with azd's message).
 */
export function resolveRemoteBuild(projectDir: string, opts: ZipOptions): boolean {
  const ignorer = readIgnore(path.join(projectDir, opts.ignoreFile));
  if (!ignorer) return opts.remoteBuild ?? true;
  const excluded = ignorer.ignores('node_modules/');
  if (opts.remoteBuild === undefined) return excluded;
  if (opts.remoteBuild && !excluded) throw new Error(`'remoteBuild: true' requires '${opts.ignoreFile}' to exclude node_modules`);
  if (!opts.remoteBuild && excluded) throw new Error(`'remoteBuild: false' cannot be used when '${opts.ignoreFile}' excludes node_modules`);
  return opts.remoteBuild;
}

function readIgnore(file: string): Ignore | undefined {
  if (!fs.existsSync(file)) return undefined;
  const text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  return ignore({ ignorecase: false }).add(text); // go-gitignore is case-sensitive (fnmatch without FNM_CASEFOLD)
}

/** The entries of a zip file (names and uncompressed sizes), read with yauzl. */
export function readZipEntries(zipFile: string): Promise<{ name: string; size: number }[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(zipFile, { lazyEntries: true, autoClose: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('no zip'));
      const out: { name: string; size: number }[] = [];
      zip.on('entry', (e: yauzl.Entry) => {
        out.push({ name: e.fileName, size: e.uncompressedSize });
        zip.readEntry();
      });
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

/**
 * Unpacks every file entry of a zip under `dir` (names checked to stay inside it), up to 32 entries
 * inflating at a time; each file is written whole once inflated (one synchronous write, not a
 * write stream per file).
 */
export function extractZip(zipFile: string, dir: string): Promise<void> {
  const LIMIT = 32;
  return new Promise((resolve, reject) => {
    yauzl.open(zipFile, { lazyEntries: true, autoClose: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('no zip'));
      let pending = 0;
      let ended = false;
      let paused = false;
      let failed = false;
      const fail = (e: unknown): void => {
        failed = true;
        reject(e instanceof Error ? e : new Error(String(e)));
      };
      const next = (): void => {
        if (failed) return;
        if (pending < LIMIT) zip.readEntry();
        else paused = true;
      };
      const settled = (): void => {
        pending--;
        if (ended && pending === 0) resolve();
        else if (paused) {
          paused = false;
          next();
        }
      };
      zip.on('entry', (e: yauzl.Entry) => {
        const dest = path.resolve(dir, e.fileName);
        if (!dest.startsWith(dir + path.sep)) return fail(new Error(`zip entry outside the folder: ${e.fileName}`));
        pending++;
        zip.openReadStream(e, (err2, stream) => {
          if (err2 || !stream) return fail(err2 ?? new Error('no stream'));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', fail);
          stream.on('end', () => {
            try {
              fs.mkdirSync(path.dirname(dest), { recursive: true });
              fs.writeFileSync(dest, Buffer.concat(chunks));
            } catch (werr) {
              return fail(werr);
            }
            settled();
          });
        });
        next();
      });
      zip.on('end', () => {
        ended = true;
        if (pending === 0) resolve();
      });
      zip.on('error', fail);
      zip.readEntry();
    });
  });
}
