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
    expect(Number(/^(\d+) passed/m.exec(result.out)![1])).toBeGreaterThanOrEqual(32);
    expect(result.code).toBe(0);
  });

  it('examples/starter, which `npm start` and `tollgate demo` serve, lints without a single warning', async () => {
    const lint = await tollgate('policy', 'lint', '--strict', 'examples/starter');
    expect(lint.out).toBe('examples/starter: 0 errors, 0 warnings');
    expect(lint.code).toBe(0);
  });

  it('examples/starter routes production deploys to the guide’s workflow, and every approval to a group it defines', async () => {
    const route = async (action: Record<string, unknown>) =>
      JSON.parse((await tollgate('policy', 'eval', '--policy', 'examples/starter', '--input', JSON.stringify(action))).out).route;
    expect(await route({ action_type: 'deploy', environment: 'production' })).toMatchObject({ workflow: 'production-deploy' });
    expect(await route({ action_type: 'transfer', capability: 'payment', amount_usd: 48_000, environment: 'production' })).toMatchObject({
      approvers: ['finance'],
    });
    expect(await route({ action_type: 'update', affected_records: 5000, environment: 'production' })).toMatchObject({
      approvers: ['data-owners'],
    });
    expect(await route({ action_type: 'restart', environment: 'production' })).toMatchObject({ approvers: ['oncall'] });
  });

  it.each(['examples/guide', 'examples/starter', 'examples/refunds/policy.yaml', 'examples/autoscaling/policy.yaml'])(
    '%s validates and lints without errors',
    async (path) => {
      expect((await tollgate('policy', 'validate', path)).code).toBe(0);
      const lint = await tollgate('policy', 'lint', path);
      expect(lint.code).toBe(0);
      expect(lint.out).toMatch(/: 0 errors, \d+ warnings$/);
    },
  );
});
