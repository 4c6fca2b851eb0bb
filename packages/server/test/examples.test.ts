// The example policies in examples/ load, lint without errors and decide as their test files say.

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

async function tollgate(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const cwd = process.cwd();
  process.chdir(REPO);
  try {
    const code = await main(['node', 'tollgate', ...args], { out: (text) => out.push(text), err: (text) => err.push(text) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    process.chdir(cwd);
  }
}

describe('the examples', () => {
  it('pass their policy tests', async () => {
    const result = await tollgate('policy', 'test', 'examples/tests');
    expect(result.err).toBe('');
    expect(result.out).toMatch(/^(\d+) passed, 0 failed$/m);
    expect(Number(/^(\d+) passed/m.exec(result.out)![1])).toBeGreaterThanOrEqual(18);
    expect(result.code).toBe(0);
  });

  it.each(['examples/guide', 'examples/refunds/policy.yaml', 'examples/autoscaling/policy.yaml'])(
    '%s validates and lints without errors',
    async (path) => {
      expect((await tollgate('policy', 'validate', path)).code).toBe(0);
      const lint = await tollgate('policy', 'lint', path);
      expect(lint.code).toBe(0);
      expect(lint.out).toMatch(/: 0 errors, \d+ warnings$/);
    },
  );
});
