// `tollgate init claude-code` as a user runs it, in a project folder of its own with a home of its
// own: the settings block it writes, merged into what is there; refusals that change nothing.

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from '../../../test/helpers/server-process.js';
import { answerWithin } from '../../hooks/hook-budget.js';

function folders(): { project: string; home: string } {
  const root = mkdtempSync(join(tmpdir(), 'tollgate-init-'));
  mkdirSync(join(root, 'project'));
  mkdirSync(join(root, 'home'));
  return { project: join(root, 'project'), home: join(root, 'home') };
}

function init(args: string[], where: { project: string; home: string }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [BIN, 'init', 'claude-code', ...args],
      { cwd: where.project, env: { PATH: process.env.PATH ?? '', HOME: where.home } },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr }),
    ),
  );
}

const settingsOf = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>;

describe('tollgate init claude-code', () => {
  it('writes PreToolUse, PostToolUse and PostToolUseFailure hooks into the project, the timeout above the wait', async () => {
    const where = folders();
    const result = await init(['--server', 'http://127.0.0.1:7300', '--wait', '30'], where);
    expect(result.code).toBe(0);
    const file = join(where.project, '.claude', 'settings.json');
    expect(result.stdout).toContain(`wrote the Tollgate hooks to ${file}`);
    const { hooks } = settingsOf(file);
    const pre = hooks.PreToolUse[0];
    expect(pre.matcher).toBe('*');
    expect(pre.hooks[0].command).toBe(
      `node ${BIN} hook claude-code --server http://127.0.0.1:7300 --wait 30 --timeout ${pre.hooks[0].timeout}`,
    );
    expect(answerWithin(pre.hooks[0].timeout)).toBeGreaterThanOrEqual(30);
    for (const event of ['PostToolUse', 'PostToolUseFailure'])
      expect(hooks[event]).toEqual([
        {
          matcher: '*',
          hooks: [{ type: 'command', command: `node ${BIN} hook claude-code --server http://127.0.0.1:7300 --timeout 30`, timeout: 30 }],
        },
      ]);
  });

  it('keeps every other setting and hook, and replaces only its own entries when run again', async () => {
    const where = folders();
    const file = join(where.project, '.claude', 'settings.json');
    mkdirSync(join(where.project, '.claude'));
    const lint = { type: 'command', command: 'npm run lint', timeout: 10 };
    writeFileSync(
      file,
      JSON.stringify({
        permissions: { allow: ['Bash(npm test)'] },
        hooks: {
          PreToolUse: [
            { matcher: 'Bash', hooks: [lint, { type: 'command', command: 'npx tollgate hook claude-code --wait 60', timeout: 5 }] },
          ],
          Stop: [{ hooks: [{ type: 'command', command: 'say done' }] }],
        },
      }),
    );
    expect((await init(['--wait', '10', '--timeout', '20'], where)).code).toBe(0);
    expect((await init(['--wait', '10', '--timeout', '20'], where)).code).toBe(0);
    const settings = settingsOf(file);
    expect(settings.permissions).toEqual({ allow: ['Bash(npm test)'] });
    expect(settings.hooks.Stop).toEqual([{ hooks: [{ type: 'command', command: 'say done' }] }]);
    expect(settings.hooks.PreToolUse).toEqual([
      { matcher: 'Bash', hooks: [lint] },
      { matcher: '*', hooks: [{ type: 'command', command: `node ${BIN} hook claude-code --wait 10 --timeout 20`, timeout: 20 }] },
    ]);
    expect(settings.hooks.PostToolUse).toHaveLength(1);
  });

  it('writes into ~/.claude with --user', async () => {
    const where = folders();
    expect((await init(['--user', '--policy', 'policy.yaml'], where)).code).toBe(0);
    const { hooks } = settingsOf(join(where.home, '.claude', 'settings.json'));
    expect(hooks.PreToolUse[0].hooks[0].command).toContain(`hook claude-code --policy ${join(where.project, 'policy.yaml')} --wait 30`);
    expect(existsSync(join(where.project, '.claude'))).toBe(false);
  });

  it('refuses a timeout that is not above the wait, and bad settings, naming the file and line, changing nothing', async () => {
    const where = folders();
    const short = await init(['--wait', '20', '--timeout', '5'], where);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain(
      'error: --timeout 5 leaves the hook 3 s to answer, less than --wait 20: Claude Code would cancel it while it waits and run the tool unapproved; give --timeout 23 or more, or a shorter --wait',
    );
    expect(existsSync(join(where.project, '.claude'))).toBe(false);

    const file = join(where.project, '.claude', 'settings.json');
    mkdirSync(join(where.project, '.claude'));
    const broken = '{\n  "permissions": { "allow": [] },\n  "hooks": {,\n}\n';
    writeFileSync(file, broken);
    const bad = await init([], where);
    expect(bad.code).toBe(1);
    // Line and column of the stray comma; the wording after it is the JavaScript engine's.
    expect(bad.stderr).toContain(`error: ${file}:3:13: expected property name`);
    expect(bad.stderr).toContain('(fix or move the file; nothing was changed)');
    expect(readFileSync(file, 'utf8')).toBe(broken);

    writeFileSync(file, JSON.stringify({ hooks: { PreToolUse: { matcher: '*' } } }));
    expect((await init([], where)).stderr).toContain(`error: ${file}: \`hooks.PreToolUse\` must be a list of matcher groups`);
    writeFileSync(file, JSON.stringify({ disableAllHooks: true }));
    expect((await init([], where)).stderr).toContain(`error: ${file} sets \`disableAllHooks\`: true, so Claude Code would run no hook`);
    expect(settingsOf(file)).toEqual({ disableAllHooks: true });

    expect((await init(['--project', '--user'], where)).stderr).toContain('error: give --project or --user, not both');
  });
});
