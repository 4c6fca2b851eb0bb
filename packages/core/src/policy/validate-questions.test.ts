// The `questions:` block: read into the bundle when well formed; each mistake named at its field.
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, loadPolicy } from '../index.js';

function load(text: string) {
  return loadPolicy({ path: 'policy.yaml', text });
}

describe('questions block', () => {
  it('reads approvers, timeout and what happens on timeout', () => {
    const result = load(
      'defaults: { decision: ALLOW }\nquestions:\n  approvers: [oncall]\n  timeout: 1h\n  on_timeout: escalate\n  escalate_to: [leads]\n',
    );
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    if (!result.ok) throw new Error('the policy did not load');
    expect(result.policy.bundle.questions).toEqual({
      approvers: ['oncall'],
      timeout: 3_600_000,
      on_timeout: 'escalate',
      escalate_to: ['leads'],
    });
  });

  it.each([
    ['an unknown key', 'questions: { approver: [oncall] }', 'policy.unknown_key', 2],
    ['an unknown timeout action', 'questions: { on_timeout: deny }', 'policy.unknown_value', 2],
    ['escalation without anyone to escalate to', 'questions: { on_timeout: escalate }', 'policy.missing_field', 2],
    ['a bad duration', 'questions: { timeout: soon }', 'policy.bad_duration', 2],
  ])('refuses %s', (_name, block, code, line) => {
    const result = load(`defaults: { decision: ALLOW }\n${block}\n`);
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map(formatDiagnostic)).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code, line });
    expect(result.ok).toBe(false);
  });
});
