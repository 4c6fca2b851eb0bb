// Before `npm test`: installs the test-only package folders (packages that declare Node 22 and so
// stay out of the repository's lockfile, whose floor is Node 20) when their packages are missing
// or not at the pinned versions, so that the quick start's `npm test` needs no extra step.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Each with its own package.json and lockfile. */
export const FOLDERS = ['packages/sdk/test/node22-packages', 'packages/server/test/claude-code-package'];

/** A pinned version must be installed exactly; a range only needs something installed. */
const isPinned = (version) => /^\d+\.\d+\.\d+$/.test(version);

function installedVersion(folder, name) {
  const manifest = join(folder, 'node_modules', name, 'package.json');
  return existsSync(manifest) ? JSON.parse(readFileSync(manifest, 'utf8')).version : undefined;
}

for (const relative of FOLDERS) {
  const folder = join(root, relative);
  const { dependencies } = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
  const stale = Object.entries(dependencies).filter(([name, version]) => {
    const installed = installedVersion(folder, name);
    return installed === undefined || (isPinned(version) && installed !== version);
  });
  if (stale.length === 0) continue;
  console.log(`installing ${stale.map(([name, version]) => `${name}@${version}`).join(', ')} into ${relative}`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--prefix', folder, '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
