// `approvals list` and `approvals show` through the real command: a table and a readable page with
// what a person needs, and an agent's text that cannot send escape codes to the terminal.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli-process.js';
import { createTestDatabase, type TestDatabase } from './helpers/databases.js';
import { startTestServer, type Authed, type TestServer } from './helpers/in-process.js';

const POLICY = `
defaults: { decision: ALLOW }
rules:
  - name: production-deploys
    match: { action_type: deploy, environment: production }
    decision: REQUIRE_APPROVAL
    risk: high
    workflow: signoff
    criteria: ["the release notes name every migration"]
`;
const WORKFLOW = `
workflow: signoff
steps:
  - id: signoff
    type: approval
    config: { approvers: [approvers], require: 1, timeout: 2h, on_timeout: deny }
`;
/** Colour, a window title (OSC), a one-byte CSI, a right-to-left override and a line break. */
const HOSTILE = 'deploy v2.3.1\u001b[31m red\u001b]0;pwned\u0007 \u009b2J\u202etxt.exe\nsecond line';
/** What a terminal acts on: ESC, BEL, C1 controls, bidirectional overrides. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('approvals list and show', { timeout: 120_000 }, () => {
  let database: TestDatabase;
  let server: TestServer;
  let alice: Authed;
  let approvalId: string;
  const tollgate = (args: string[]) =>
    runCli([...args, '--server', server.url], {
      env: { TOLLGATE_TOKEN: alice.token, TOLLGATE_URL: undefined, TOLLGATE_SERVER: undefined },
    });

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    server = await startTestServer(database.url, { 'policy.yaml': POLICY, 'signoff.yaml': WORKFLOW });
    alice = await server.person('alice', 'approver', { groups: ['approvers'] });
    const bot = await server.agent('deploy-bot');
    const sent = await bot('POST', '/v1/actions', {
      action_type: 'deploy',
      environment: 'production',
      summary: HOSTILE,
      reasoning: 'tests pass\n\u001b[2Kall green',
      confidence: 0.9,
      context: { diff: '- v2.3.0\n+ v2.3.1' },
    });
    expect(sent.status).toBe(201);
    approvalId = sent.body.approval.id;
    expect(sent.body.approval.risk).toBe('high');
  });
  afterAll(() => server.close());

  it('lists requests as a table: id, status, risk, agent, age, deadline and summary', async () => {
    const run = await tollgate(['approvals', 'list']);
    expect(run.stderr).toBe('');
    const [header, row, ...rest] = run.stdout.trimEnd().split('\n');
    expect(rest).toEqual([]);
    expect(header!.split(/\s+/)).toEqual(['ID', 'STATUS', 'RISK', 'AGENT', 'AGE', 'DEADLINE', 'SUMMARY']);
    expect(row).toMatch(new RegExp(`^${approvalId}\\s+pending\\s+high\\s+deploy-bot\\s+\\d+s\\s+in (1h|2h|1\\d\\dm)\\s+deploy v2\\.3\\.1`));
    expect(row).not.toMatch(CONTROL);
    expect(row).toContain('\\u001b[31m red');
    // Cut to the width (120 columns when not printing to a terminal), marked as cut.
    expect([...row!].length).toBeLessThanOrEqual(120);
    expect(row).toMatch(/…$/);
  });

  it('prints the list as JSON with --json, the agent text escaped and still the same text', async () => {
    const run = await tollgate(['approvals', 'list', '--json']);
    expect(run.stdout).not.toMatch(CONTROL);
    const list = JSON.parse(run.stdout) as Array<{ id: string; risk: string; action: { summary: string } }>;
    expect(list.map((approval) => [approval.id, approval.risk, approval.action.summary])).toEqual([[approvalId, 'high', HOSTILE]]);
  });

  it('shows one request as a readable page, not JSON, and as JSON with --json', async () => {
    const run = await tollgate(['approvals', 'show', approvalId]);
    expect(run.stderr).toBe('');
    expect(run.stdout).not.toMatch(CONTROL);
    expect(() => JSON.parse(run.stdout) as unknown).toThrow();
    const page = run.stdout;
    expect(page).toMatch(new RegExp(`^${approvalId}  pending\\n`));
    expect(page).toMatch(/^summary +deploy v2\.3\.1\\u001b\[31m red\\u001b\]0;pwned\\u0007 \\u009b2J\\u202etxt\.exe\\u000asecond line$/m);
    expect(page).toMatch(/^agent +deploy-bot$/m);
    expect(page).toMatch(/^risk +high$/m);
    expect(page).toMatch(/^deadline +\S+ \(in /m);
    expect(page).toContain('  - production-deploys: ');
    expect(page).toContain('  - the release notes name every migration');
    expect(page).toContain('reasoning (confidence 0.9):\n  tests pass\n  \\u001b[2Kall green');
    expect(page).toContain('diff:\n  - v2.3.0\n  + v2.3.1');
    const json = await tollgate(['approvals', 'show', approvalId, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ id: approvalId, risk: 'high', action: { summary: HOSTILE } });
  });
});
