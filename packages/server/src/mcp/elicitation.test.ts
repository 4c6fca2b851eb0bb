// Which clients the proxy asks (those that can answer forms) and how their answers read as verdicts.
import { describe, expect, it } from 'vitest';
import { answerOf, answersForms, elicitParams } from './elicitation.js';

describe('elicitation', () => {
  it.each([
    [{ elicitation: {} }, true],
    [{ elicitation: { form: {} } }, true],
    [{ elicitation: { form: {}, url: {} } }, true],
    [{ elicitation: { url: {} } }, false],
    [{ sampling: {} }, false],
    [undefined, false],
  ])('a client with capabilities %j answers forms: %s', (capabilities, expected) => {
    expect(answersForms(capabilities)).toBe(expected);
  });

  it('reads accept, decline and cancel as approve or deny, deny, and no answer', () => {
    expect(answerOf({ action: 'accept', content: { decision: 'approve', note: '  ok  ' } }, 'dev')).toEqual({
      verdict: 'approve',
      user: 'dev',
      note: 'ok',
    });
    expect(answerOf({ action: 'accept', content: { decision: 'deny' } }, 'dev')).toEqual({ verdict: 'deny', user: 'dev' });
    expect(answerOf({ action: 'decline' }, 'dev')).toEqual({ verdict: 'deny', user: 'dev' });
    expect(answerOf({ action: 'cancel' }, 'dev')).toEqual({ verdict: 'none' });
    // A form answered with something else than the two choices decides nothing.
    expect(answerOf({ action: 'accept', content: { decision: 'maybe' } }, 'dev')).toEqual({ verdict: 'none' });
  });

  it('names the tool, the digest and the arguments, cut short when long', () => {
    const params = elicitParams({
      action: { action_type: 'write_file', server: 'fs', arguments: { content: 'x'.repeat(5000) } },
      digest: 'sha256:abc',
      risk: 'low',
      reasons: 'writing files needs a person',
    });
    expect(params.message).toContain('`write_file` on `fs` (risk: low)');
    expect(params.message).toContain('sha256:abc');
    expect(params.message.length).toBeLessThan(2000);
    expect(params).toMatchObject({ mode: 'form', requestedSchema: { properties: { decision: { enum: ['approve', 'deny'] } } } });
  });
});
