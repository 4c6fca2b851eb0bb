// Before `npm test`: installs this folder's own packages (the current `ai` and `@openai/agents`,
// which declare Node 22 and so stay out of the repository's lockfile) when they are missing or
// not at the pinned versions, so that the quick start's `npm test` needs no extra step.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const folder = fileURLToPath(new URL('.', import.meta.url));
const { dependencies } = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));

function installedVersion(name) {
  const manifest = join(folder, 'node_modules', name, 'package.json');
  return existsSync(manifest) ? JSON.parse(readFileSync(manifest, 'utf8')).version : undefined;
}

/** A pinned version must be installed exactly; a range only needs something installed. */
const isPinned = (version) => /^\d+\.\d+\.\d+$/.test(version);
const stale = Object.entries(dependencies).filter(([name, version]) => {
  const installed = installedVersion(name);
  return installed === undefined || (isPinned(version) && installed !== version);
});
if (stale.length > 0) {
  console.log(`installing ${stale.map(([name, version]) => `${name}@${version}`).join(', ')} into ${folder}`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--prefix', folder, '--no-audit', '--no-fund'], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
