// What people are shown first: the facts the deciding rules tested, the policy's display list and
// weighty fields with their actual values, and warnings where the agent's words disagree.
import { compilePolicy } from '@tollgate/core';
import { describe, expect, it } from 'vitest';
import type { ActionRecord } from '../stores/records.js';
import { requestFacts } from './request-facts.js';

const policy = compilePolicy({
  path: 'policy.yaml',
  text: `
rules:
  - name: payments-need-finance
    match: { capability: payment }
    condition: "amount_usd > 100 && region != 'internal'"
    decision: REQUIRE_APPROVAL
    approvers: [finance]
    display: [invoice.number]
  - name: small-reads
    match: { action_type: read }
    decision: ALLOW
  - name: shell-in-production
    match: { action_type: shell, environment: production }
    decision: REQUIRE_APPROVAL
`,
});

function recordOf(payload: Record<string, unknown>): ActionRecord {
  const evaluation = policy.evaluate(payload);
  return {
    id: 'act_1',
    tenant_id: 'default',
    agent: 'pay-bot',
    action_type: typeof payload.action_type === 'string' ? payload.action_type : null,
    environment: typeof payload.environment === 'string' ? payload.environment : null,
    capability: typeof payload.capability === 'string' ? payload.capability : null,
    payload,
    digest: 'sha256:x',
    idempotency_key: null,
    decision: evaluation.decision,
    status: 'pending',
    evaluation,
    risk: evaluation.risk,
    autonomy_level: null,
    policy_version: evaluation.policy_version,
    revision_of: null,
    created_at: 0,
    decided_at: null,
    outcome: null,
  };
}

const REFUND = {
  action_type: 'refund',
  capability: 'payment',
  amount_usd: 950000,
  payee: 'IBAN-ATTACKER-0001',
  region: 'eu',
  invoice: { number: 'INV-7', lines: 3 },
  note: 'unrelated',
  summary: 'Refund $5.00 to customer #1182 (duplicate charge)',
  context: { amount: '$5.00' },
};

describe('request facts', () => {
  it('leads with the tested fields and their actual values, then the display list, then weighty fields', () => {
    const facts = requestFacts(recordOf(REFUND));
    expect(facts).toMatchObject({ action_type: 'refund', capability: 'payment', agent: 'pay-bot', decision: 'REQUIRE_APPROVAL' });
    expect(facts.fields.map(({ path, value, why }) => [path, value, why])).toEqual([
      ['amount_usd', 950000, 'tested'],
      ['region', 'eu', 'tested'],
      ['invoice.number', 'INV-7', 'display'],
      ['payee', 'IBAN-ATTACKER-0001', 'weighty'],
    ]);
    expect(facts.fields[0]!.tests).toEqual(['condition (payments-need-finance)']);
  });

  it('flags the summary and the context that name a figure no amount has', () => {
    const facts = requestFacts(recordOf(REFUND));
    expect(facts.contradictions.map((item) => [item.source, item.path])).toEqual([
      ['summary', 'amount_usd'],
      ['context.amount', 'amount_usd'],
    ]);
    expect(facts.contradictions[0]!.message).toBe("the agent's summary says $5.00, but `amount_usd` is 950000");
  });

  it('says nothing when the agent names the real amount', () => {
    const facts = requestFacts(recordOf({ ...REFUND, summary: 'Refund $950,000 to a supplier', context: { amount: '950000 USD' } }));
    expect(facts.contradictions).toEqual([]);
  });

  it('flags a harmless-sounding summary over a destructive command, and a named environment the action is not in', () => {
    const facts = requestFacts(
      recordOf({ action_type: 'shell', environment: 'production', command: 'rm -rf /', summary: 'Read-only health check on staging' }),
    );
    expect(facts.fields.map((field) => [field.path, field.why])).toEqual([['command', 'weighty']]);
    expect(facts.contradictions.map((item) => item.message)).toEqual([
      "the agent's summary names staging, but `environment` is production",
      "the agent's summary calls this Read-only, but `command` is rm -rf /",
    ]);
  });

  it('takes another environment named in the reasoning as ordinary prose', () => {
    const facts = requestFacts(
      recordOf({
        action_type: 'shell',
        environment: 'production',
        command: 'kubectl rollout restart deploy/api',
        summary: 'Restart the API in production',
        reasoning: 'The same restart in staging fixed the leak',
      }),
    );
    expect(facts.contradictions).toEqual([]);
  });

  it('reads the action as it now stands after a modification', () => {
    const record = recordOf(REFUND);
    const facts = requestFacts(record, { ...REFUND, amount_usd: 5 });
    expect(facts.fields[0]).toMatchObject({ path: 'amount_usd', value: 5 });
    expect(facts.contradictions.filter((item) => item.source === 'summary')).toEqual([]);
  });
});
