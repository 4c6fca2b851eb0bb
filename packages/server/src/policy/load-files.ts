// Reads a policy bundle from disk: one YAML file, or every YAML file under a folder in a stable
// order. Test files (`*.test.yaml`) beside the policy are left for `policy test`.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { PolicyFile } from '@tollgate/core';

const YAML_FILE = /\.ya?ml$/i;
const TEST_FILE = /[._-]test\.ya?ml$/i;

export class PolicyPathError extends Error {
  readonly code = 'policy.unreadable';
}

export function isTestFile(path: string): boolean {
  return TEST_FILE.test(path);
}

/** Every file below `folder` whose name passes `keep`, sorted so that bundles load the same everywhere. */
export function listFiles(folder: string, keep: (path: string) => boolean): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && keep(path)) found.push(path);
    }
  };
  walk(folder);
  return found;
}

export function readPolicyFiles(path: string): PolicyFile[] {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    throw new PolicyPathError(`cannot read policy \`${path}\`: no such file or folder`);
  }
  if (stats.isFile()) return [{ path, text: readFileSync(path, 'utf8') }];
  const files = listFiles(path, (file) => YAML_FILE.test(file) && !isTestFile(file));
  if (files.length === 0) throw new PolicyPathError(`policy folder \`${path}\` holds no .yaml files`);
  return files.map((file) => ({ path: relative(process.cwd(), file) || file, text: readFileSync(file, 'utf8') }));
}
