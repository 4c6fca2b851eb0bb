// Asking the MCP client's own user to approve a gated call (MCP elicitation, form mode), where the
// policy allows it: the question names the tool, its arguments and the action's digest, and the
// answer comes back as approve, deny (an answer of deny, or a decline) or none (cancelled).

import type { ElicitRequest, ElicitResult } from '@modelcontextprotocol/sdk/types.js';

/** What the person is asked about: the gated action and the digest their answer is bound to. */
export interface Question {
  action: Record<string, unknown>;
  digest: string;
  risk: string | null;
  reasons: string;
}

export type Answer = { verdict: 'approve' | 'deny'; note?: string; user: string } | { verdict: 'none' };

/** Asks the client's user; present only when the client declared that it can answer forms. */
export type Ask = (question: Question, signal?: AbortSignal) => Promise<Answer>;

/**
 * Whether the client's `elicitation` capability covers form mode: `{}` (the form mode of the
 * first elicitation version) or one naming `form`; a client that declares only `url` cannot answer forms.
 */
export function answersForms(capabilities: unknown): boolean {
  if (typeof capabilities !== 'object' || capabilities === null) return false;
  const elicitation = (capabilities as { elicitation?: unknown }).elicitation;
  if (typeof elicitation !== 'object' || elicitation === null) return false;
  const modes = Object.keys(elicitation);
  return !modes.includes('url') || modes.includes('form');
}

const MAX_ARGUMENTS = 1500;

/** The form: a required approve/deny choice and an optional note. */
export function elicitParams(question: Question): ElicitRequest['params'] {
  const { action } = question;
  const args = JSON.stringify(action.arguments ?? {}, null, 2);
  const shown = args.length <= MAX_ARGUMENTS ? args : `${args.slice(0, MAX_ARGUMENTS - 1)}…`;
  const message = [
    `Tollgate: the agent wants to call \`${String(action.action_type)}\` on \`${String(action.server)}\`${question.risk === null ? '' : ` (risk: ${question.risk})`}.`,
    `Why it needs approval: ${question.reasons}`,
    `Arguments:\n${shown}`,
    `Your answer is recorded as your vote on action ${question.digest}.`,
  ].join('\n\n');
  return {
    mode: 'form',
    message,
    requestedSchema: {
      type: 'object',
      properties: {
        decision: { type: 'string', title: 'Decision', enum: ['approve', 'deny'], description: 'approve runs the call; deny refuses it' },
        note: { type: 'string', title: 'Note', description: 'optional: why', maxLength: 4000 },
      },
      required: ['decision'],
    },
  };
}

/** The client's answer as a verdict: accept with `approve` or `deny`, a decline denies, a cancel answers nothing. */
export function answerOf(result: ElicitResult, user: string): Answer {
  if (result.action === 'decline') return { verdict: 'deny', user };
  if (result.action !== 'accept') return { verdict: 'none' };
  const decision = result.content?.decision;
  const note = typeof result.content?.note === 'string' && result.content.note.trim() !== '' ? result.content.note.trim() : undefined;
  if (decision !== 'approve' && decision !== 'deny') return { verdict: 'none' };
  return { verdict: decision, user, ...(note === undefined ? {} : { note }) };
}
