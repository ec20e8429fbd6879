#!/usr/bin/env node
import * as path from 'node:path';
import { stackConfig } from './stack-config';
import { refusalMessage, stackHolder } from './stack-lock';

/**
 * `npm start`'s first step, run before the build when a build exists: exits 1 with the refusal
 * line when a stack already runs from PLF_LOCAL_DIR, 0 otherwise. The build would otherwise take
 * half a minute and rewrite dist/ under the running stack before stack.ts refuses. It only reads;
 * stack.ts's lock (stack-lock.ts) stays what decides, race-free.
 */
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

const parsed = stackConfig(process.env, REPO_ROOT);
// Bad settings are stack.ts's to name, after the build.
const holder = parsed.ok ? stackHolder(parsed.config.localDir) : undefined;
if (parsed.ok && holder) {
  process.stderr.write(`${refusalMessage(parsed.config.localDir, holder)}\n`);
  process.exit(1);
}
