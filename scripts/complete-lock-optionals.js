#!/usr/bin/env node
// Adds the platform-specific optional packages (@swc/core-darwin-arm64, ...) that `npm install`
// leaves out of package-lock.json when the registry this project installs from does not carry
// them. Without the entries `npm ci` refuses the lock file as "not in sync" even though those
// packages would never be installed on this platform. Each added entry records the version the
// parent pins, `optional: true`, and the os/cpu read off the package name, so `npm ci` skips it
// on every other platform exactly as it would with a complete lock.
//
// Run after any `npm install` that changes the lock:  node scripts/complete-lock-optionals.js
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const OS_NAMES = ['darwin', 'linux', 'win32', 'android', 'freebsd', 'openbsd', 'netbsd', 'sunos', 'aix', 'openharmony'];
const CPU_NAMES = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64', 'loong64', 'wasm32', 'mips64el'];

function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const os = parts.find((p) => OS_NAMES.includes(p));
  const cpu = parts.find((p) => CPU_NAMES.includes(p));
  return { os, cpu };
}

function main() {
  const lockPath = path.join(__dirname, '..', 'package-lock.json');
  const lock = JSON.parse(fs.readFileSync(lockPath, 'utf8'));
  const added = [];
  for (const [key, entry] of Object.entries(lock.packages)) {
    for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
      const prefix = key === '' ? '' : `${key}/`;
      const candidates = [`${prefix}node_modules/${dep}`, `node_modules/${dep}`];
      if (candidates.some((c) => lock.packages[c])) continue;
      const { os, cpu } = platformOf(dep);
      const stub = { version, optional: true };
      if (os) stub.os = [os === 'openharmony' ? 'openharmony' : os];
      if (cpu) stub.cpu = [cpu];
      lock.packages[`node_modules/${dep}`] = stub;
      added.push(`${dep}@${version}`);
    }
  }
  const sorted = Object.fromEntries(
    Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
  );
  lock.packages = sorted;
  fs.writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
  process.stdout.write(added.length ? `added ${added.length} optional entries:\n  ${added.join('\n  ')}\n` : 'lock file complete\n');
}

main();
