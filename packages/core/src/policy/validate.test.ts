// Diagnostics for bad policies: every problem at once, exact positions, suggestions, bundles of
// several files, workflow files, all-or-nothing loading and the stability of `policy_version`.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compilePolicy, formatDiagnostic, loadPolicy, PolicyError, type Diagnostic, type PolicyFile } from '../index.js';

/** YAML text from lines, so that tests can name exact line numbers. */
function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

function diagnosticsOf(source: string | PolicyFile | PolicyFile[]): Diagnostic[] {
  const result = loadPolicy(typeof source === 'string' ? { path: 'policy.yaml', text: source } : source);
  return result.diagnostics;
}

function errorsOf(source: string | PolicyFile | PolicyFile[]): Diagnostic[] {
  return diagnosticsOf(source).filter((diagnostic) => diagnostic.severity === 'error');
}

/** The single error a snippet produces; fails the test when there are more or fewer. */
function onlyError(source: string | PolicyFile | PolicyFile[]): Diagnostic {
  const errors = errorsOf(source);
  expect(errors.map(formatDiagnostic)).toHaveLength(1);
  return errors[0]!;
}

function where(diagnostic: Diagnostic): string {
  return `${diagnostic.file}:${diagnostic.line}:${diagnostic.column}`;
}

const guide = (name: string): PolicyFile => {
  const url = new URL(`../../../../examples/guide/${name}`, import.meta.url);
  return { path: `examples/guide/${name}`, text: readFileSync(url, 'utf8') };
};

describe('every problem at once', () => {
  const text = yaml(
    'rulez: []', // 1: unknown top-level key
    'rules:', // 2
    '  - name: big-payments', // 3
    '    match:', // 4
    '      amount_usd: { gtt: 10000 }', // 5: unknown operator
    '    decision: REQUIRE_APROVAL', // 6: unknown decision
    '  - name: deletes', // 7
    '    match: { action_type: delete }', // 8
    '    decision: DENY', // 9
    '    reasn: deletes are forbidden', // 10: unknown rule key
    'defaults:', // 11
    '  timeout: soon', // 12: bad duration
  );

  it('reports five different mistakes as five diagnostics', () => {
    const diagnostics = diagnosticsOf(text);
    expect(diagnostics.map((diagnostic) => diagnostic.code).sort()).toEqual([
      'policy.bad_duration',
      'policy.unknown_decision',
      'policy.unknown_key',
      'policy.unknown_key',
      'policy.unknown_operator',
    ]);
    for (const diagnostic of diagnostics) {
      expect(diagnostic.severity).toBe('error');
      expect(diagnostic.file).toBe('policy.yaml');
      expect(diagnostic.line).toBeGreaterThan(0);
      expect(diagnostic.column).toBeGreaterThan(0);
      expect(diagnostic.message).not.toMatch(/\.$/);
    }
  });

  it('points each diagnostic at the offending key or value', () => {
    const byCode = (code: string, match: string): Diagnostic =>
      diagnosticsOf(text).find((diagnostic) => diagnostic.code === code && diagnostic.message.includes(match))!;
    expect(where(byCode('policy.unknown_key', '`rulez`'))).toBe('policy.yaml:1:1');
    expect(where(byCode('policy.unknown_operator', '`gtt`'))).toBe('policy.yaml:5:21');
    expect(where(byCode('policy.unknown_decision', 'REQUIRE_APROVAL'))).toBe('policy.yaml:6:15');
    expect(where(byCode('policy.unknown_key', '`reasn`'))).toBe('policy.yaml:10:5');
    expect(where(byCode('policy.bad_duration', 'timeout'))).toBe('policy.yaml:12:12');
  });

  it('formats every diagnostic as file:line:col: code: message', () => {
    for (const line of diagnosticsOf(text).map(formatDiagnostic)) {
      expect(line).toMatch(/^policy\.yaml:\d+:\d+: policy\.[a-z_]+: \S.*$/);
    }
    const decision = diagnosticsOf(text).find((diagnostic) => diagnostic.code === 'policy.unknown_decision')!;
    expect(formatDiagnostic(decision)).toBe(
      'policy.yaml:6:15: policy.unknown_decision: unknown decision `REQUIRE_APROVAL`; did you mean `REQUIRE_APPROVAL`? (one of ALLOW, REVIEW, REQUIRE_APPROVAL, DENY)',
    );
  });

  it('keeps checking the other files when one has a YAML syntax error', () => {
    const diagnostics = diagnosticsOf([
      { path: 'broken.yaml', text: yaml('rules: [', '  - name: x') },
      { path: 'fine.yaml', text: yaml('defaults:', '  decison: DENY') },
    ]);
    const files = new Set(diagnostics.map((diagnostic) => `${diagnostic.file} ${diagnostic.code}`));
    expect([...files]).toEqual(['broken.yaml policy.yaml_syntax', 'fine.yaml policy.unknown_key']);
    expect(where(diagnostics.find((diagnostic) => diagnostic.file === 'fine.yaml')!)).toBe('fine.yaml:2:3');
  });

  it('reports YAML duplicate keys at the second key', () => {
    const error = onlyError(yaml('rules: []', 'defaults: { decision: DENY }', 'rules: []'));
    expect(error.code).toBe('policy.yaml_syntax');
    expect(error.line).toBe(3);
  });

  it('places CEL errors at their character inside the condition', () => {
    const syntax = onlyError(yaml('rules:', '  - name: r', '    condition: "amount_usd > 10 &&"', '    decision: DENY'));
    expect(syntax.code).toBe('cel.syntax');
    expect(where(syntax)).toBe('policy.yaml:3:35');

    const unknown = onlyError(yaml('rules:', '  - name: r', '    condition: sizee(tags) > 2 && amount_usd > 10', '    decision: DENY'));
    expect(unknown.code).toBe('cel.unknown_function');
    expect(unknown.message).toContain('did you mean `size`?');
    expect(where(unknown)).toBe('policy.yaml:3:16');
  });
});

describe('did-you-mean suggestions', () => {
  it.each([
    ['rule', 'rules'],
    ['aproval_policies', 'approval_policies'],
    ['default', 'defaults'],
    ['escalations', 'escalation'],
    ['worklfows', 'workflows'],
  ])('suggests `%s` → `%s` for a misspelt top-level key', (typo, meant) => {
    const error = onlyError(yaml(`${typo}: {}`));
    expect(error.code).toBe('policy.unknown_key');
    expect(error.message).toContain(`unknown top-level key \`${typo}\``);
    expect(error.message).toContain(`did you mean \`${meant}\`?`);
    expect(where(error)).toBe('policy.yaml:1:1');
  });

  it.each([
    ['mach', 'match'],
    ['decsion', 'decision'],
    ['conditon', 'condition'],
    ['approver', 'approvers'],
  ])('suggests `%s` → `%s` for a misspelt rule key', (typo, meant) => {
    const errors = errorsOf(yaml('rules:', '  - name: r', '    match: { a: 1 }', '    decision: DENY', `    ${typo}: x`));
    const unknown = errors.find((error) => error.code === 'policy.unknown_key')!;
    expect(unknown.message).toBe(`unknown key \`${typo}\` in a rule; did you mean \`${meant}\`?`);
    expect(unknown.help).toMatch(/^allowed: name, description, match, unless, condition, decision, risk, reason/);
  });

  it.each([
    ['gtt', 'gt'],
    ['not-in', 'not_in'],
    ['exist', 'exists'],
    ['prefx', 'prefix'],
    ['containz', 'contains'],
  ])('suggests `%s` → `%s` for a misspelt operator', (typo, meant) => {
    const error = onlyError(yaml('rules:', '  - name: r', '    match:', `      field: { ${typo}: 1 }`, '    decision: DENY'));
    expect(error.code).toBe('policy.unknown_operator');
    expect(error.message).toBe(`unknown operator \`${typo}\`; did you mean \`${meant}\`?`);
    expect(where(error)).toBe('policy.yaml:4:16');
  });

  it('offers no suggestion when nothing is close', () => {
    const error = onlyError(yaml('rules:', '  - name: r', '    match: { field: { frobnicate: 1 } }', '    decision: DENY'));
    expect(error.message).toBe('unknown operator `frobnicate`');
    expect(error.help).toContain('eq ne gt gte lt lte in not_in matches glob prefix contains exists');
  });

  it('suggests REQUIRE_APPROVAL for REQUIRE_APROVAL', () => {
    const error = onlyError(yaml('rules:', '  - name: r', '    match: { a: 1 }', '    decision: REQUIRE_APROVAL'));
    expect(error.code).toBe('policy.unknown_decision');
    expect(error.message).toContain('did you mean `REQUIRE_APPROVAL`?');
  });

  it.each([
    ['deny', 'DENY'],
    ['Allow', 'ALLOW'],
    ['require_approval', 'REQUIRE_APPROVAL'],
  ])('tells that decisions are written in capitals for `%s`', (written, meant) => {
    const error = onlyError(yaml('rules:', '  - name: r', '    match: { a: 1 }', `    decision: ${written}`));
    expect(error.code).toBe('policy.unknown_decision');
    expect(error.message).toBe(`unknown decision \`${written}\`; decisions are written in capitals: \`${meant}\``);
    expect(where(error)).toBe('policy.yaml:4:15');
  });

  it('checks decisions in environments, exceptions, defaults and the autonomy table too', () => {
    const errors = errorsOf(
      yaml(
        'approval_policies:',
        '  production:',
        '    default: require_approval', // 3
        '    exceptions:',
        '      - action: read',
        '        decision: alow', // 6
        'defaults:',
        '  decision: DENNY', // 8
        'autonomy:',
        '  levels:',
        '    0: { low: ALLOW, medium: ALLOW, high: REVEIW, critical: DENY }', // 11
      ),
    );
    expect(errors.map((error) => [error.code, error.line])).toEqual([
      ['policy.unknown_decision', 3],
      ['policy.unknown_decision', 6],
      ['policy.unknown_decision', 8],
      ['policy.unknown_decision', 11],
    ]);
    expect(errors[1]!.message).toContain('did you mean `ALLOW`?');
    expect(errors[2]!.message).toContain('did you mean `DENY`?');
    expect(errors[3]!.message).toContain('did you mean `REVIEW`?');
  });

  it('suggests risk tiers, step types, timeout actions and environment keys', () => {
    expect(onlyError(yaml('rules:', '  - name: r', '    match: { a: 1 }', '    decision: DENY', '    risk: hihg')).message).toBe(
      'unknown risk tier `hihg`; did you mean `high`?',
    );
    expect(onlyError(yaml('approval_policies:', '  production:', '    defualt: DENY')).message).toBe(
      'unknown key `defualt` in environment `production`; did you mean `default`?',
    );
    const workflow = errorsOf(
      yaml(
        'workflow: w',
        'steps:',
        '  - id: a',
        '    type: aproval',
        '    config: { approvers: [g] }',
        '  - id: b',
        '    type: approval',
        '    config: { approvers: [g], timeout: 1h, on_timeout: escalte }',
      ),
    );
    expect(workflow.map((error) => error.message)).toEqual([
      'unknown step type `aproval`; did you mean `approval`?',
      'unknown `on_timeout` action `escalte`; did you mean `escalate`?',
    ]);
  });
});

describe('unknown keys are errors, never ignored', () => {
  it.each([
    ['top level', yaml('rules: []', 'extra: 1'), 'extra', 2],
    ['a rule', yaml('rules:', '  - name: r', '    match: { a: 1 }', '    decision: DENY', '    priority: 1'), 'priority', 5],
    ['an environment', yaml('approval_policies:', '  staging:', '    default: ALLOW', '    owner: me'), 'owner', 4],
    [
      'an exception',
      yaml('approval_policies:', '  staging:', '    exceptions:', '      - action: x', '        decision: DENY', '        when: now'),
      'when',
      6,
    ],
    ['defaults', yaml('defaults:', '  decision: DENY', '  approval: yes'), 'approval', 3],
    ['autonomy', yaml('autonomy:', '  default_level: 0', '  promote_afer: 5'), 'promote_afer', 3],
    [
      'an autonomy level',
      yaml('autonomy:', '  levels:', '    0: { low: ALLOW, medium: ALLOW, high: ALLOW, critical: DENY, extreme: DENY }'),
      'extreme',
      3,
    ],
    ['escalation', yaml('escalation:', '  min_confidense: 0.8'), 'min_confidense', 2],
    ['a group', yaml('groups:', '  ops:', '    members: [ann, bob]', '    lead: ann'), 'lead', 4],
    ['review', yaml('review:', '  window: 7d', '  reviewer: [ann]'), 'reviewer', 3],
    ['notifications', yaml('notifications:', '  channels: {}', '  rules: []'), 'rules', 3],
    ['a notification channel', yaml('notifications:', '  channels:', '    chat:', '      type: slack', '      room: ops'), 'room', 5],
    [
      'a notification route',
      yaml('notifications:', '  channels: { chat: { type: slack } }', '  routes:', '    - channel: chat', '      when: always'),
      'when',
      5,
    ],
    [
      'modifiable bounds',
      yaml(
        'rules:',
        '  - name: r',
        '    match: { a: 1 }',
        '    decision: DENY',
        '    modifiable:',
        '      replicas: { min: 1, maximum: 5 }',
      ),
      'maximum',
      6,
    ],
    [
      'a workflow file',
      yaml('workflow: w', 'owner: me', 'steps:', '  - id: a', '    type: worker', '    config: { capability: x }'),
      'owner',
      2,
    ],
    [
      'a workflow step',
      yaml('workflow: w', 'steps:', '  - id: a', '    type: worker', '    retries: 3', '    config: { capability: x }'),
      'retries',
      5,
    ],
    [
      'a worker config',
      yaml('workflow: w', 'steps:', '  - id: a', '    type: worker', '    config: { capability: x, retries: 3 }'),
      'retries',
      5,
    ],
    [
      'an approval config',
      yaml('workflow: w', 'steps:', '  - id: a', '    type: approval', '    config:', '      approvers: [g]', '      quorum: 2'),
      'quorum',
      7,
    ],
    [
      'a workflows block entry',
      yaml('workflows:', '  w:', '    owner: me', '    steps: [{ id: a, type: worker, config: { capability: x } }]'),
      'owner',
      3,
    ],
  ])('in %s', (_where, text, key, line) => {
    const result = loadPolicy({ path: 'policy.yaml', text });
    expect(result.ok).toBe(false);
    const error = result.diagnostics.find((diagnostic) => diagnostic.code === 'policy.unknown_key')!;
    expect(error.severity).toBe('error');
    expect(error.message).toContain(`\`${key}\``);
    expect(error.line).toBe(line);
  });
});

describe('known keys are never silently dropped', () => {
  // Bug: `readException` reads `action ?? action_type`, so when both are given `action_type` is
  // dropped without a word and the exception quietly stops applying to those action types.
  it('reports an exception that gives both `action` and its alias `action_type`', () => {
    const result = loadPolicy(
      yaml(
        'approval_policies:',
        '  production:',
        '    exceptions:',
        '      - action: deploy',
        '        action_type: delete',
        '        decision: ALLOW',
      ),
    );
    expect(result.ok).toBe(false);
    expect(result.diagnostics.some((diagnostic) => diagnostic.line === 5)).toBe(true);
  });

  // Bug: a rule's `description`, a workflow's `description` and a step's `name`/`description`
  // are accepted with any type (a map, a list, a number) and then ignored.
  it('rejects a `description` or step `name` that is not a string', () => {
    const rule = loadPolicy(yaml('rules:', '  - name: r', '    description: { a: 1 }', '    match: { a: 1 }', '    decision: DENY'));
    const workflow = loadPolicy(
      yaml('workflow: w', 'description: [1]', 'steps:', '  - id: a', '    name: [x]', '    type: worker', '    config: { capability: x }'),
    );
    expect(rule.ok).toBe(false);
    expect(workflow.ok).toBe(false);
  });
});

describe('values and types', () => {
  it.each([
    ['a rule without a name', yaml('rules:', '  - match: { a: 1 }', '    decision: DENY'), 'policy.missing_field', '2:5'],
    ['a rule without a decision or risk', yaml('rules:', '  - name: r', '    match: { a: 1 }'), 'policy.missing_field', '2:5'],
    ['a rule without match or condition', yaml('rules:', '  - name: r', '    decision: DENY'), 'policy.missing_field', '2:5'],
    ['rules that are not a list', yaml('rules:', '  name: r'), 'policy.wrong_type', '2:3'],
    [
      'a quorum of zero',
      yaml('rules:', '  - name: r', '    match: { a: 1 }', '    decision: DENY', '    require: 0'),
      'policy.out_of_range',
      '5:14',
    ],
    [
      'a bad regular expression',
      yaml('rules:', '  - name: r', '    match: { cmd: { matches: "rm (" } }', '    decision: DENY'),
      'policy.bad_regex',
      '3:30',
    ],
    [
      'an operand of the wrong type',
      yaml('rules:', '  - name: r', '    match: { n: { gt: [1] } }', '    decision: DENY'),
      'policy.bad_operand',
      '3:23',
    ],
    [
      'a field name that is not a path',
      yaml('rules:', '  - name: r', '    match: { a..b: 1 }', '    decision: DENY'),
      'policy.bad_field',
      '3:14',
    ],
    ['an empty operator map', yaml('rules:', '  - name: r', '    match: { a: {} }', '    decision: DENY'), 'policy.wrong_type', '3:17'],
    [
      'a risk-only rule without autonomy',
      yaml('rules:', '  - name: r', '    match: { a: 1 }', '    risk: high'),
      'policy.missing_autonomy',
      '4:11',
    ],
    ['a default level outside the table', yaml('autonomy:', '  default_level: 7'), 'policy.unknown_level', '2:18'],
    ['a sample rate above 1', yaml('autonomy:', '  audit_sample_rate: 1.5'), 'policy.out_of_range', '2:22'],
    ['a confidence threshold as text', yaml('escalation:', '  min_confidence: high'), 'policy.wrong_type', '2:19'],
    ['a review window that is no duration', yaml('review:', '  window: a week'), 'policy.bad_duration', '2:11'],
    [
      'a route to an unknown channel',
      yaml('notifications:', '  channels: { chat: { type: slack } }', '  routes:', '    - channel: caht'),
      'policy.unknown_value',
      '4:16',
    ],
    ['an unknown demotion event', yaml('autonomy:', '  demote_on: [reversal, flaged]'), 'policy.unknown_value', '2:25'],
    ['a test file given as a policy', yaml('policy: p.yaml', 'tests: []'), 'policy.test_file', '1:1'],
    ['a file that is a list', yaml('- name: r'), 'policy.wrong_type', '1:1'],
  ])('%s', (_what, text, code, position) => {
    const error = onlyError(text);
    expect(error.code).toBe(code);
    expect(`${error.line}:${error.column}`).toBe(position);
  });

  it('refuses a secret written inline in a channel, at its key', () => {
    const errors = errorsOf(yaml('notifications:', '  channels:', '    chat: { type: slack, token: xoxb-1 }'));
    const secret = errors.find((error) => error.code === 'policy.inline_secret')!;
    expect(secret.message).toContain('`token_env`');
    expect(`${secret.line}:${secret.column}`).toBe('3:26');
  });

  it('takes jira and servicenow channels, their secrets only as variable names', () => {
    const good = yaml(
      'notifications:',
      '  channels:',
      '    jira: { type: jira, project: OPS, user_env: JIRA_USER, token_env: JIRA_TOKEN, webhook_secret_env: JIRA_HOOK,',
      '            transitions: { approved: Approve, denied: Decline, reopen: Reopen }, vote_statuses: { approve: Approved } }',
      '    snow: { type: servicenow, table: change_request, user_env: SN_USER, password_env: SN_PASSWORD,',
      '            fields: { type: normal, assignment_group: CAB }, close_codes: { approved: successful }, close_states: { denied: 4 } }',
    );
    expect(errorsOf(good)).toEqual([]);
    const inline = errorsOf(
      yaml('notifications:', '  channels:', '    jira: { type: jira, project: OPS, token_env: T, webhook_secret: s3cret }'),
    );
    expect(inline.map((error) => error.code)).toEqual(['policy.inline_secret']);
    const moved = errorsOf(
      yaml('notifications:', '  channels:', '    snow: { type: servicenow, token_env: T, base_url: "https://evil.example" }'),
    );
    expect(moved.map((error) => error.code)).toEqual(['policy.server_setting']);
  });

  it.each([
    ['a jira channel without a project', 'jira: { type: jira, token_env: T }', 'policy.missing_field'],
    ['a project key that is not one', 'jira: { type: jira, project: "ops team", token_env: T }', 'policy.wrong_type'],
    [
      'a transition for an outcome that does not exist',
      'jira: { type: jira, project: OPS, token_env: T, transitions: { aproved: A } }',
      'policy.unknown_key',
    ],
    ['a label with a space', 'jira: { type: jira, project: OPS, token_env: T, labels: ["two words"] }', 'policy.wrong_type'],
    ['a servicenow channel without credentials', 'snow: { type: servicenow }', 'policy.missing_field'],
    ['a field name a query could break on', 'snow: { type: servicenow, token_env: T, fields: { "a^b": x } }', 'policy.wrong_type'],
    [
      'a close state that is not a number',
      'snow: { type: servicenow, token_env: T, close_states: { denied: closed } }',
      'policy.wrong_type',
    ],
  ])('refuses %s', (_what, channel, code) => {
    expect(errorsOf(yaml('notifications:', '  channels:', `    ${channel}`)).map((error) => error.code)).toEqual([code]);
  });

  it('suggests the channel a route meant', () => {
    const error = onlyError(yaml('notifications:', '  channels: { chat: { type: slack } }', '  routes:', '    - channel: caht'));
    expect(error.message).toContain('did you mean `chat`?');
  });
});

describe('bundles of several files', () => {
  const rule = (name: string, decision: string): string[] => [
    `  - name: ${name}`,
    `    match: { action_type: ${name} }`,
    `    decision: ${decision}`,
  ];

  it('concatenates rules in file order', () => {
    const result = loadPolicy([
      { path: 'a.yaml', text: yaml('rules:', ...rule('one', 'ALLOW'), ...rule('two', 'DENY')) },
      { path: 'b.yaml', text: yaml('rules:', ...rule('three', 'REVIEW')) },
      { path: 'c.yaml', text: yaml('defaults: { decision: DENY }') },
    ]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { rules } = result.policy.bundle;
    expect(rules.map((spec) => [spec.name, spec.index, spec.file])).toEqual([
      ['one', 0, 'a.yaml'],
      ['two', 1, 'a.yaml'],
      ['three', 2, 'b.yaml'],
    ]);
    expect(result.policy.bundle.defaults.decision).toBe('DENY');
  });

  it('accepts several YAML documents in one file', () => {
    const result = loadPolicy(
      yaml('rules:', ...rule('one', 'DENY'), '---', 'workflow: w', 'steps:', '  - { id: a, type: worker, config: { capability: x } }'),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(Object.keys(result.policy.bundle.workflows)).toEqual(['w']);
    expect(result.policy.bundle.rules).toHaveLength(1);
  });

  it('reports a rule name used in two files once, with the first location', () => {
    const error = onlyError([
      { path: 'a.yaml', text: yaml('rules:', ...rule('deploys', 'DENY')) },
      { path: 'b.yaml', text: yaml('rules:', ...rule('scales', 'DENY'), ...rule('deploys', 'ALLOW')) },
    ]);
    expect(error.code).toBe('policy.duplicate_rule');
    expect(error.message).toBe('rule name `deploys` is used twice (first at a.yaml:2)');
    expect(where(error)).toBe('b.yaml:5:11');
  });

  it('reports a rule name used twice in one file', () => {
    const error = onlyError(yaml('rules:', ...rule('r', 'DENY'), ...rule('r', 'ALLOW')));
    expect(error.code).toBe('policy.duplicate_rule');
    expect(error.message).toContain('(first at policy.yaml:2)');
    expect(error.line).toBe(5);
  });

  it('reports an environment, a group and a single block defined in two files', () => {
    const errors = errorsOf([
      {
        path: 'a.yaml',
        text: yaml(
          'defaults:',
          '  decision: DENY',
          'approval_policies:',
          '  production: { default: DENY }',
          'groups:',
          '  ops: [ann, bob]',
        ),
      },
      {
        path: 'b.yaml',
        text: yaml('groups:', '  ops: [cy]', 'approval_policies:', '  production: { default: ALLOW }', 'defaults:', '  decision: ALLOW'),
      },
    ]);
    expect(errors.map((error) => [where(error), error.code, error.message])).toEqual([
      ['b.yaml:5:1', 'policy.duplicate_block', '`defaults` is defined twice (first in a.yaml)'],
      ['b.yaml:4:3', 'policy.duplicate_block', 'environment `production` is defined twice'],
      ['b.yaml:2:3', 'policy.duplicate_block', 'group `ops` is defined twice'],
    ]);
  });

  it.each(['autonomy', 'escalation', 'notifications', 'review'])('reports `%s` defined in two files', (block) => {
    const body: Record<string, string> = {
      autonomy: '{ default_level: 0 }',
      escalation: '{ novelty: true }',
      notifications: '{ channels: {} }',
      review: '{ window: 1d }',
    };
    const error = onlyError([
      { path: 'a.yaml', text: yaml(`${block}: ${body[block]}`) },
      { path: 'b.yaml', text: yaml(`${block}: ${body[block]}`) },
    ]);
    expect(error.code).toBe('policy.duplicate_block');
    expect(error.message).toBe(`\`${block}\` is defined twice (first in a.yaml)`);
  });

  it('reports a workflow defined both as a file and in a `workflows` block', () => {
    const error = onlyError([
      { path: 'deploy.yaml', text: yaml('workflow: deploy', 'steps:', '  - { id: a, type: worker, config: { capability: x } }') },
      { path: 'more.yaml', text: yaml('workflows:', '  deploy:', '    steps: [{ id: a, type: worker, config: { capability: x } }]') },
    ]);
    expect(error.code).toBe('policy.duplicate_workflow');
    expect(error.message).toBe('workflow `deploy` is defined twice (first in deploy.yaml)');
    expect(where(error)).toBe('more.yaml:3:5');
  });

  it('loads the guide examples together as one bundle', () => {
    const result = loadPolicy([guide('approval-policies.yaml'), guide('safety-policy.yaml'), guide('workflow-production-deploy.yaml')]);
    expect(result.diagnostics).toEqual([]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.policy.bundle.rules.map((spec) => spec.name)).toEqual(['production-approval', 'large-transactions', 'bulk-operations']);
    expect(Object.keys(result.policy.bundle.approval_policies)).toEqual(['production', 'staging']);
  });
});

describe('workflow files', () => {
  it("loads the guide's production-deploy as written", () => {
    const result = loadPolicy(guide('workflow-production-deploy.yaml'));
    expect(result.diagnostics).toEqual([]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const workflow = result.policy.bundle.workflows['production-deploy']!;
    expect(workflow.steps.map((step) => [step.id, step.type, step.depends_on])).toEqual([
      ['ai-analysis', 'worker', []],
      ['tech-review', 'approval', ['ai-analysis']],
      ['security-review', 'approval', ['ai-analysis']],
      ['deploy', 'worker', ['tech-review', 'security-review']],
    ]);
    const tech = workflow.steps[1]!;
    expect(tech.type === 'approval' && tech.config).toEqual({
      approvers: ['tech-lead', 'senior-engineer'],
      require: 1,
      timeout: 4 * 3_600_000,
      on_timeout: 'escalate',
      distinct_from: [],
    });
    const security = workflow.steps[2]!;
    expect(security.type === 'approval' && [security.config.timeout, security.config.on_timeout]).toEqual([8 * 3_600_000, 'deny']);
    expect(workflow.steps[0]!.config).toEqual({ capability: 'deployment-analyzer' });
  });

  const step = (id: string, dependsOn?: string): string[] => [
    `  - id: ${id}`,
    '    type: worker',
    ...(dependsOn === undefined ? [] : [`    depends_on: [${dependsOn}]`]),
    '    config: { capability: x }',
  ];

  it('reports a cycle a → b → a with the cycle spelt out', () => {
    const error = onlyError(yaml('workflow: loop', 'steps:', ...step('a', 'b'), ...step('b', 'a')));
    expect(error.code).toBe('policy.workflow_cycle');
    expect(error.message).toBe('workflow `loop` has a cycle: `a` → `b` → `a`');
    expect(where(error)).toBe('policy.yaml:5:17');
  });

  it('reports a longer cycle without the steps that only lead into it', () => {
    const error = onlyError(
      yaml('workflow: loop', 'steps:', ...step('start'), ...step('b', 'start, d'), ...step('c', 'b'), ...step('d', 'c')),
    );
    expect(error.code).toBe('policy.workflow_cycle');
    expect(error.message).toBe('workflow `loop` has a cycle: `b` → `d` → `c` → `b`');
  });

  it('reports a step that depends on itself', () => {
    const error = onlyError(yaml('workflow: w', 'steps:', ...step('a', 'a')));
    expect(error.code).toBe('policy.workflow_cycle');
    expect(error.message).toBe('step `a` depends on itself');
  });

  it('reports an unknown `depends_on` step with a suggestion, at the reference', () => {
    const error = onlyError(yaml('workflow: w', 'steps:', ...step('analysis'), ...step('deploy', 'analysys')));
    expect(error.code).toBe('policy.unknown_step');
    expect(error.message).toBe('step `deploy` refers to unknown step `analysys`; did you mean `analysis`?');
    expect(where(error)).toBe('policy.yaml:8:18');
  });

  it('reports an unknown `distinct_from` step', () => {
    const error = onlyError(
      yaml('workflow: w', 'steps:', '  - id: a', '    type: approval', '    config: { approvers: [g], distinct_from: [b] }'),
    );
    expect(error.code).toBe('policy.unknown_step');
  });

  it('reports `on_timeout` without `timeout`', () => {
    const error = onlyError(
      yaml(
        'workflow: w',
        'steps:',
        '  - id: review',
        '    type: approval',
        '    config:',
        '      approvers: [ops]',
        '      on_timeout: deny',
      ),
    );
    expect(error.code).toBe('policy.missing_field');
    expect(error.message).toBe('step `review` sets `on_timeout` but no `timeout`');
    expect(where(error)).toBe('policy.yaml:7:19');
  });

  it('reports duplicate step ids, missing approvers, missing capability and a missing config', () => {
    const errors = errorsOf(
      yaml(
        'workflow: w',
        'steps:',
        '  - { id: a, type: worker, config: { capability: x } }',
        '  - { id: a, type: worker, config: { capability: y } }', // 4
        '  - { id: b, type: approval, config: { require: 1 } }', // 5
        '  - { id: c, type: worker, config: {} }', // 6
        '  - { id: d, type: worker }', // 7
      ),
    );
    expect(errors.map((error) => [error.code, error.line])).toEqual([
      ['policy.duplicate_step', 4],
      ['policy.missing_field', 5],
      ['policy.missing_field', 6],
      ['policy.missing_field', 7],
    ]);
  });

  it('reports a rule naming an unknown workflow with a suggestion', () => {
    const error = onlyError([
      { path: 'w.yaml', text: yaml('workflow: production-deploy', 'steps:', ...step('a')) },
      {
        path: 'r.yaml',
        text: yaml('rules:', '  - name: r', '    match: { a: 1 }', '    decision: REQUIRE_APPROVAL', '    workflow: production-deplyo'),
      },
    ]);
    expect(error.code).toBe('policy.unknown_workflow');
    expect(error.message).toContain('did you mean `production-deploy`?');
    expect(where(error)).toBe('r.yaml:5:15');
  });

  it('reports exceptions and defaults naming an unknown workflow', () => {
    const errors = errorsOf(
      yaml(
        'approval_policies:',
        '  production:',
        '    exceptions:',
        '      - { action: deploy, decision: REQUIRE_APPROVAL, workflow: nope }',
        'defaults:',
        '  workflow: missing',
      ),
    );
    expect(errors.map((error) => [error.code, error.line])).toEqual([
      ['policy.unknown_workflow', 4],
      ['policy.unknown_workflow', 6],
    ]);
  });
});

describe('workflow references of environments', () => {
  // Bug: `checkReferences` checks the workflows named by rules, exceptions and defaults, but not
  // the one an environment names (`approval_policies.<env>.workflow`), which then loads unchecked.
  it('reports an environment naming an unknown workflow', () => {
    const result = loadPolicy(yaml('approval_policies:', '  production: { default: REQUIRE_APPROVAL, workflow: nope }'));
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((diagnostic) => diagnostic.code)).toEqual(['policy.unknown_workflow']);
  });
});

describe('a policy with any error never half-loads', () => {
  const good = yaml('rules:', '  - name: ok', '    match: { action_type: deploy }', '    decision: REQUIRE_APPROVAL');

  it('returns no policy when one rule among good ones is bad', () => {
    const result = loadPolicy(`${good}  - name: bad\n    match: { a: 1 }\n    decision: maybe\n`);
    expect(result.ok).toBe(false);
    expect('policy' in result).toBe(false);
  });

  it('returns no policy when one file of a bundle is bad', () => {
    const result = loadPolicy([
      { path: 'good.yaml', text: good },
      { path: 'bad.yaml', text: yaml('defaults: { decision: DENY, timeout: never }') },
    ]);
    expect(result.ok).toBe(false);
  });

  it('returns no policy when only a workflow is bad', () => {
    const result = loadPolicy([
      { path: 'good.yaml', text: good },
      { path: 'w.yaml', text: yaml('workflow: w', 'steps: []') },
    ]);
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((diagnostic) => diagnostic.code)).toEqual(['policy.wrong_type']);
  });

  it('makes compilePolicy throw a PolicyError carrying every error', () => {
    const text = yaml('rules:', '  - name: r', '    match: { a: { gtt: 1 } }', '    decision: deny');
    let thrown: unknown;
    try {
      compilePolicy({ path: 'p.yaml', text });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(PolicyError);
    const error = thrown as PolicyError;
    expect(error.code).toBe('policy.invalid');
    expect(error.diagnostics.map((diagnostic) => diagnostic.code)).toEqual(['policy.unknown_operator', 'policy.unknown_decision']);
    expect(error.message).toContain('policy has 2 problems');
    expect(error.message).toContain('p.yaml:3:19: policy.unknown_operator');
  });

  it('loads the same text once the error is fixed', () => {
    expect(loadPolicy(good).ok).toBe(true);
  });
});

describe('policy_version', () => {
  const versionOf = (source: string | PolicyFile | PolicyFile[]): string => compilePolicy(source).version;
  const base = yaml(
    'defaults:',
    '  decision: REQUIRE_APPROVAL',
    'rules:',
    '  - name: deploys',
    '    match: { action_type: deploy, environment: production }',
    '    decision: REQUIRE_APPROVAL',
    '    reason: production deploys need a look',
  );

  it('is a sha256 content hash', () => {
    expect(versionOf(base)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('is carried by every decision', () => {
    const policy = compilePolicy(base);
    expect(policy.evaluate({ action_type: 'deploy' }).policy_version).toBe(policy.version);
    expect(policy.evaluate('not an action').policy_version).toBe(policy.version);
  });

  it('does not change with comments, block order, rule key order or formatting', () => {
    const reordered = yaml(
      '# the same policy, written differently',
      'rules:',
      '  - reason: "production deploys need a look"  # quoted now',
      '    decision: REQUIRE_APPROVAL',
      '    match:',
      '      action_type: deploy',
      '      environment: production',
      '    name: deploys',
      '',
      'defaults: { decision: REQUIRE_APPROVAL }',
    );
    expect(versionOf(reordered)).toBe(versionOf(base));
  });

  it('does not change with file names or the split into files', () => {
    const split = [
      { path: 'policy/defaults.yaml', text: yaml('defaults:', '  decision: REQUIRE_APPROVAL') },
      { path: 'policy/rules.yaml', text: base.split('\n').slice(2).join('\n') },
    ];
    expect(versionOf(split)).toBe(versionOf({ path: 'elsewhere.yaml', text: base }));
  });

  it('does not change with the order of environments or groups', () => {
    const a = yaml(
      'approval_policies:',
      '  production: { default: DENY }',
      '  staging: { default: ALLOW }',
      'groups:',
      '  ops: [ann]',
      '  sec: [bob]',
    );
    const b = yaml(
      'groups:',
      '  sec: [bob]',
      '  ops: [ann]',
      'approval_policies:',
      '  staging: { default: ALLOW }',
      '  production: { default: DENY }',
    );
    expect(versionOf(b)).toBe(versionOf(a));
  });

  // Bug: the keys of a `match` map become conditions in YAML order, and that order is hashed, so
  // the same rule written `{ environment, action_type }` gets a different policy_version.
  it('does not change with the order of keys inside `match`', () => {
    const swapped = base.replace('{ action_type: deploy, environment: production }', '{ environment: production, action_type: deploy }');
    expect(swapped).not.toBe(base);
    expect(versionOf(swapped)).toBe(versionOf(base));
  });

  it.each([
    ['a decision', (text: string) => text.replace('    decision: REQUIRE_APPROVAL', '    decision: DENY')],
    ['a match value', (text: string) => text.replace('action_type: deploy', 'action_type: delete')],
    ['a reason', (text: string) => text.replace('need a look', 'need two looks')],
    ['a rule name', (text: string) => text.replace('name: deploys', 'name: deployments')],
    ['the default', (text: string) => text.replace('  decision: REQUIRE_APPROVAL\nrules', '  decision: DENY\nrules')],
    ['an added rule', (text: string) => `${text}  - name: more\n    match: { a: 1 }\n    decision: DENY\n`],
  ])('changes when %s changes', (_what, change) => {
    const changed = change(base);
    expect(changed).not.toBe(base);
    expect(versionOf(changed)).not.toBe(versionOf(base));
  });

  it('changes when the rule order changes', () => {
    const two = (first: string, second: string): string =>
      yaml(
        'rules:',
        `  - name: ${first}`,
        `    match: { x: ${first} }`,
        '    decision: DENY',
        `  - name: ${second}`,
        `    match: { x: ${second} }`,
        '    decision: DENY',
      );
    expect(versionOf(two('a', 'b'))).not.toBe(versionOf(two('b', 'a')));
  });
});
