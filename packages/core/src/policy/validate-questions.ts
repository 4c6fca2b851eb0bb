// Checks the top-level `questions:` block: who answers agents' questions, how long a question
// waits, and what happens when nobody answers in time.

import type { Reader } from './reader.js';
import type { QuestionTimeoutAction, QuestionsSpec } from './types.js';

export const QUESTION_TIMEOUT_ACTIONS: readonly QuestionTimeoutAction[] = ['escalate', 'expire'];

export function readQuestions(reader: Reader, value: unknown): QuestionsSpec | undefined {
  const path = ['questions'];
  const record = reader.object(value, path, ['approvers', 'timeout', 'on_timeout', 'escalate_to'], '`questions`');
  if (record === undefined) return undefined;
  const spec: QuestionsSpec = {};
  if (record.approvers !== undefined) {
    const approvers = reader.stringList(record.approvers, [...path, 'approvers'], '`approvers`');
    if (approvers !== undefined) spec.approvers = approvers;
  }
  if (record.timeout !== undefined) {
    const timeout = reader.duration(record.timeout, [...path, 'timeout'], '`timeout`');
    if (timeout !== undefined) spec.timeout = timeout;
  }
  if (record.on_timeout !== undefined) {
    const action = reader.oneOf(record.on_timeout, [...path, 'on_timeout'], QUESTION_TIMEOUT_ACTIONS, '`on_timeout` action');
    if (action !== undefined) spec.on_timeout = action;
  }
  if (record.escalate_to !== undefined) {
    const groups = reader.stringList(record.escalate_to, [...path, 'escalate_to'], '`escalate_to`');
    if (groups !== undefined) spec.escalate_to = groups;
  }
  if (spec.on_timeout === 'escalate' && record.escalate_to === undefined) {
    reader.error(
      [...path, 'on_timeout'],
      'policy.missing_field',
      '`on_timeout: escalate` needs `escalate_to`: the groups or people to ask next',
    );
  }
  return spec;
}
