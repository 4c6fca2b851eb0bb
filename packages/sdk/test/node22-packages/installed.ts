// These tests must run against the packages installed in this folder, not the older majors of the
// repository's install that Node would find otherwise: each test file checks that they are there.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FOLDER = fileURLToPath(new URL('.', import.meta.url));

/** Throws, saying how to install them, unless `name` at `version` is installed in this folder. */
export function requireInstalled(name: string, version: string): void {
  const manifest = join(FOLDER, 'node_modules', name, 'package.json');
  const found = existsSync(manifest) ? (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version : undefined;
  if (found !== version)
    throw new Error(
      `\`${name}\` ${version} is not installed in ${FOLDER} (found ${found ?? 'nothing'}): run \`npm ci --prefix packages/sdk/test/node22-packages\``,
    );
}

/** The version this folder's package.json pins for `name`. */
export function pinned(name: string): string {
  const manifest = JSON.parse(readFileSync(join(FOLDER, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  return manifest.dependencies[name]!;
}
