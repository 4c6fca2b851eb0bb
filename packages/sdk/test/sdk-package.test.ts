// The SDK runs on Node 20+ and edge runtimes with nothing installed beside it: no runtime
// dependencies, no `node:` modules, and the frameworks only as optional peers of their adapters.

import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, any>;

function sources(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(folder, entry.name)) : entry.name.endsWith('.ts') ? [join(folder, entry.name)] : [],
  );
}

const imports = (file: string): string[] =>
  [...readFileSync(file, 'utf8').matchAll(/^\s*import\s+(type\s+)?[^'"]*?from\s+'([^']+)'/gm)].map((m) => `${m[1] ? 'type ' : ''}${m[2]}`);

/** npm's own range check, which decides whether a framework can be installed beside the SDK (ERESOLVE). */
const semver = createRequire(import.meta.url)('semver') as { satisfies(version: string, range: string): boolean };
const versionIn = (folder: string, name: string): string =>
  (JSON.parse(readFileSync(join(folder, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

it('lets every framework release the adapters are tested against be installed beside it', () => {
  const repository = join(ROOT, '../..');
  const newer = JSON.parse(readFileSync(join(ROOT, 'test/node22-packages/package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const tested = {
    ai: [versionIn(repository, 'ai'), newer.dependencies.ai!],
    '@openai/agents': [versionIn(repository, '@openai/agents'), newer.dependencies['@openai/agents']!],
    '@langchain/core': [versionIn(repository, '@langchain/core')],
  };
  expect(tested.ai.map((version) => version.split('.')[0])).toEqual(['6', '7']);
  for (const [name, versions] of Object.entries(tested))
    for (const version of versions) expect(semver.satisfies(version, pkg.peerDependencies[name]), `${name}@${version}`).toBe(true);
});

it('has no runtime dependencies', () => {
  expect(pkg.dependencies ?? {}).toEqual({});
  for (const peer of Object.keys(pkg.peerDependencies)) expect(pkg.peerDependenciesMeta[peer]).toEqual({ optional: true });
});

it('imports nothing but its own files outside the adapters, and no node: module anywhere', () => {
  for (const file of sources(join(ROOT, 'src'))) {
    for (const specifier of imports(file)) {
      expect(specifier, file).not.toMatch(/^(type )?node:/);
      if (!file.includes('/adapters/')) expect(specifier, file).toMatch(/^(type )?\.{1,2}\//);
    }
  }
});

it('lets an adapter use at run time only the framework it adapts', () => {
  const allowed: Record<string, RegExp> = { 'ai.ts': /^$/, 'openai-agents.ts': /^$/, 'langchain.ts': /^@langchain\/core\// };
  for (const [file, framework] of Object.entries(allowed)) {
    const runtime = imports(join(ROOT, 'src/adapters', file)).filter((s) => !s.startsWith('type ') && !s.startsWith('.'));
    for (const specifier of runtime) expect(specifier, file).toMatch(framework);
  }
});
