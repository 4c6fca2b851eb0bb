// `approvals list` and `approvals show` through the real command: a table and a readable page with
// what a person needs, Tollgate's facts before the agent's words, and an agent's text that cannot
// send escape codes to the terminal nor reorder what it shows.

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
  - name: big-refunds
    match: { action_type: refund, amount_usd: { gt: 1000 } }
    decision: REQUIRE_APPROVAL
    risk: high
    approvers: [approvers]
  - name: shell-commands
    match: { action_type: shell }
    decision: REQUIRE_APPROVAL
    approvers: [approvers]
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
/** The refund whose summary and context say $5.00 while it pays 950000 to an attacker's account. */
const REFUND = {
  action_type: 'refund',
  capability: 'payment',
  amount_usd: 950000,
  payee: 'IBAN-ATTACKER-0001',
  summary: 'Refund $5.00 to customer #1182 (duplicate charge)',
  context: { amount: '$5.00' },
};

describe('approvals list and show', { timeout: 120_000 }, () => {
  let database: TestDatabase;
  let server: TestServer;
  let alice: Authed;
  let approvalId: string;
  let refundId: string;
  let shellId: string;
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
    refundId = (await bot('POST', '/v1/actions', REFUND)).body.approval.id;
    shellId = (
      await bot('POST', '/v1/actions', {
        action_type: 'shell',
        environment: 'production',
        command: 'rm -rf /',
        summary: 'yes\u202Egnigats ot\u202C prоduction: a read-only health check',
      })
    ).body.approval.id;
  });
  afterAll(() => server.close());

  it('lists requests as a table: id, status, risk, agent, age, deadline and summary', async () => {
    const run = await tollgate(['approvals', 'list']);
    expect(run.stderr).toBe('');
    const [header, ...rows] = run.stdout.trimEnd().split('\n');
    expect(rows).toHaveLength(3);
    const row = rows.find((line) => line.startsWith(approvalId));
    expect(header!.split(/\s+/)).toEqual(['ID', 'STATUS', 'RISK', 'AGENT', 'AGE', 'DEADLINE', 'SUMMARY']);
    expect(row).toMatch(new RegExp(`^${approvalId}\\s+pending\\s+high\\s+deploy-bot\\s+\\d+s\\s+in (1h|2h|1\\d\\dm)\\s+deploy v2\\.3\\.1`));
    expect(row).not.toMatch(CONTROL);
    expect(row).toContain('[U+001B][31m red');
    // Cut to the width (120 columns when not printing to a terminal), marked as cut.
    expect([...row!].length).toBeLessThanOrEqual(120);
    expect(row).toMatch(/…$/);
  });

  it('prints the list as JSON with --json, the agent text escaped and still the same text', async () => {
    const run = await tollgate(['approvals', 'list', '--json']);
    expect(run.stdout).not.toMatch(CONTROL);
    const list = JSON.parse(run.stdout) as Array<{ id: string; risk: string; action: { summary: string } }>;
    expect(list.find((approval) => approval.id === approvalId)).toMatchObject({ risk: 'high', action: { summary: HOSTILE } });
  });

  it('shows one request as a readable page, not JSON, and as JSON with --json', async () => {
    const run = await tollgate(['approvals', 'show', approvalId]);
    expect(run.stderr).toBe('');
    expect(run.stdout).not.toMatch(CONTROL);
    expect(() => JSON.parse(run.stdout) as unknown).toThrow();
    const page = run.stdout;
    expect(page).toMatch(new RegExp(`^${approvalId}  pending\\n`));
    expect(page).toContain(
      '\nThe agent says:\n  summary    deploy v2.3.1[U+001B][31m red[U+001B]]0;pwned[U+0007] [U+009B]2J[U+202E]txt.exe ⏎ second line\n',
    );
    expect(page).toMatch(/^action +deploy in production \(act_\w+\)$/m);
    expect(page).toMatch(/^agent +deploy-bot$/m);
    expect(page).toMatch(/^risk +high$/m);
    expect(page).toMatch(/^deadline +\S+ \(in /m);
    expect(page).toContain('  - production-deploys: ');
    expect(page).toContain('  - the release notes name every migration');
    expect(page).toContain('  reasoning (confidence 0.9):\n    tests pass\n    [U+001B][2Kall green');
    expect(page).toContain('diff (sent by the agent):\n  - v2.3.0\n  + v2.3.1');
    const json = await tollgate(['approvals', 'show', approvalId, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ id: approvalId, risk: 'high', action: { summary: HOSTILE } });
  });

  it('shows the refund’s real amount and payee, and the warning, before the agent’s $5.00', async () => {
    const run = await tollgate(['approvals', 'show', refundId]);
    expect(run.stderr).toBe('');
    const lines = run.stdout.split('\n');
    const at = (pattern: RegExp): number => lines.findIndex((line) => pattern.test(line));
    expect(run.stdout).toMatch(/^action +refund \(act_\w+\)$/m);
    expect(lines).toContain('capability payment');
    expect(lines).toContain('  amount_usd  950000 (950,000)  (tested: gt 1000 (big-refunds))');
    expect(lines).toContain('  payee       IBAN-ATTACKER-0001  (weighty)');
    expect(lines).toContain("warning: the agent's summary says $5.00, but `amount_usd` is 950000");
    expect(lines).toContain("warning: the agent's context (amount) says $5.00, but `amount_usd` is 950000");
    const says = at(/^The agent says:$/);
    expect(says).toBeGreaterThan(0);
    for (const fact of [/^facts:$/, /950000/, /IBAN-ATTACKER-0001/, /^warning: /]) {
      expect(at(fact), String(fact)).toBeGreaterThan(0);
      expect(at(fact), String(fact)).toBeLessThan(says);
    }
    expect(lines[says + 1]).toBe('  summary    Refund $5.00 to customer #1182 (duplicate charge)');
    expect(lines).toContain('context (sent by the agent):');
    expect(at(/^context \(sent by the agent\):$/)).toBeGreaterThan(says);
  });

  it('shows the command before a summary whose right-to-left override shows as a mark', async () => {
    const run = await tollgate(['approvals', 'show', shellId]);
    expect(run.stdout).not.toMatch(CONTROL);
    const lines = run.stdout.split('\n');
    const command = lines.indexOf('  command  rm -rf /  (weighty)');
    const warning = lines.findIndex((line) => line.startsWith('warning: ') && line.includes('but `command` is rm -rf /'));
    const summary = lines.indexOf('  summary    yes[U+202E]gnigats ot[U+202C] prоduction: a read-only health check');
    expect([command > 0, warning > command, summary > warning]).toEqual([true, true, true]);
    expect(lines).toContain('risk       not rated');
  });
});
