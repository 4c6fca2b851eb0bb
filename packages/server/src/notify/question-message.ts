// What every channel renders for an agent's question: who asks and how urgently (Tollgate's
// words), then the question, its choices and context (the agent's words, marked as such), and
// once it is over, the answer and who gave it. Built in the transaction that asked or closed it.

import type { QuestionRecord } from '../stores/records.js';
import { clip } from './shown-text.js';

/** What happened to a question; `asked` and `escalated` ask people to answer, the others close what was posted. */
export type QuestionStep = 'asked' | 'escalated' | 'answered' | 'expired';
/** The question events messages are sent for (also the outbox's `event` and a webhook's `type`). */
export type QuestionEvent = `question.${QuestionStep}`;

export function stepOf(event: QuestionEvent): QuestionStep {
  return event.slice(event.indexOf('.') + 1) as QuestionStep;
}

const MAX_CONTEXT_KEYS = 8;
const MAX_VALUE_CHARS = 200;

export interface QuestionData {
  kind: 'question';
  event: QuestionEvent;
  tenant_id: string;
  question_id: string;
  agent: string;
  urgency: string;
  /** The agent's words, as asked (each channel cuts them to its own limits). */
  question: string;
  choices: string[] | null;
  multiple: boolean;
  /** Whether a written answer is taken (always, for a question without choices). */
  takes_text: boolean;
  key_context: { key: string; value: string }[];
  status: string;
  deadline: number | null;
  /** Once answered: what was picked or written and the name of who answered. */
  answer: { choices: string[]; text: string | null; by: string } | null;
  /** The question's page in the dashboard. */
  url: string;
  at: number;
}

const shortValue = (value: unknown): string =>
  clip(typeof value === 'string' && value !== '' ? value : JSON.stringify(value), MAX_VALUE_CHARS);

export function questionData(
  question: QuestionRecord,
  step: QuestionStep,
  answeredBy: string | null,
  baseUrl: string,
  now: number,
): QuestionData {
  return {
    kind: 'question',
    event: `question.${step}`,
    tenant_id: question.tenant_id,
    question_id: question.id,
    agent: question.agent,
    urgency: question.urgency,
    question: question.question,
    choices: question.choices,
    multiple: question.multiple,
    takes_text: question.free_text || question.choices === null,
    key_context: Object.entries(question.context)
      .slice(0, MAX_CONTEXT_KEYS)
      .map(([key, value]) => ({ key, value: shortValue(value) })),
    status: question.status,
    deadline: question.deadline,
    answer: question.answer === null ? null : { choices: question.answer.choices, text: question.answer.text, by: answeredBy ?? 'someone' },
    url: `${baseUrl}/questions/${question.id}`,
    at: now,
  };
}

/** Whether a message carries a question rather than an approval request. */
export function isQuestion(data: unknown): data is QuestionData {
  return typeof data === 'object' && data !== null && (data as { kind?: unknown }).kind === 'question';
}

/** Whether the event asks people to answer (and so carries buttons or links). */
export function asksForAnswer(event: QuestionEvent): boolean {
  const step = stepOf(event);
  return step === 'asked' || step === 'escalated';
}

/** The headline of a question's message: Tollgate's words only. */
export function questionHeadline(data: QuestionData): string {
  const urgent = data.urgency === 'high' ? 'Urgent question' : 'Question';
  switch (stepOf(data.event)) {
    case 'asked':
      return `${urgent} from ${data.agent}`;
    case 'escalated':
      return `${urgent} from ${data.agent}, sent on: nobody answered in time`;
    case 'answered':
      return `Answered by ${data.answer?.by ?? 'someone'}`;
    case 'expired':
      return 'Expired: nobody answered in time';
  }
}

/** The answer in one line, Tollgate's labels around the person's words: "eu-west-1, us-east-1 · “quieter at night”". */
export function answerLine(data: QuestionData): string {
  if (data.answer === null) return '';
  const parts = [...(data.answer.choices.length > 0 ? [data.answer.choices.join(', ')] : [])];
  if (data.answer.text !== null) parts.push(`“${data.answer.text}”`);
  return parts.join(' · ');
}
