// Block Kit for Tollgate's Slack messages: the request with approve, deny (reason in a modal)
// and open-in-dashboard buttons, the message it becomes once decided, and the deny modal.
// Text Tollgate did not write goes into `rich_text` text elements and `plain_text` objects, which
// Slack shows literally: no mentions, links or formatting can come out of it. The one mrkdwn
// string that holds such text, the top-level `text`, is escaped by mrkdwnLiteral.

import { visibleText } from '@tollgate/core';
import { factLine, headline, type DecisionView, type NotificationData } from './message.js';
import { answerLine, questionHeadline, type QuestionData } from './question-message.js';
import { clip, SHOWN, shown } from './shown-text.js';

export const APPROVE_ACTION = 'tollgate_approve';
export const DENY_ACTION = 'tollgate_deny';
export const OPEN_ACTION = 'tollgate_open';
export const DENY_MODAL = 'tollgate_deny_reason';
export const REASON_BLOCK = 'reason';
export const REASON_INPUT = 'reason_input';

/** Slack's limits (Block Kit reference), and Tollgate's own for text Slack sets none for. */
export const SLACK_LIMITS = {
  headerText: 150,
  sectionText: 3000,
  contextText: 2000,
  /** rich_text has no published limit; a block is kept to a section's. */
  richTextBlock: 3000,
  modalTitle: 24,
  /** The notification text: Slack takes far more (and 3000 is safe everywhere), people read a line. */
  text: 1000,
} as const;

/** A modal is a quick question; the message above it has the whole summary. */
const MAX_MODAL_SUMMARY = 500;

/** What a button carries: tenant, request and the digest the approver saw. */
export interface ButtonValue {
  t: string;
  a: string;
  d: string;
}

type Block = Record<string, unknown>;
interface Run {
  type: 'text';
  text: string;
  style?: { bold?: boolean; italic?: boolean };
}

/** Look-alikes for mrkdwn's formatting characters: Slack has no escape for them. */
const LOOKALIKES: Record<string, string> = { '*': '∗', '~': '∼', '`': 'ˋ', _: 'ˍ' };
/** Slack may count only ASCII letters and digits as a word's: `_` stays only between two of them. */
const WORD = /[A-Za-z0-9]/;

/**
 * Text for a mrkdwn string (the notification `text`): on one line, Slack's three control
 * characters escaped, so no `<!channel>` or `<url|label>` forms; the formatting characters
 * `*`, `~` and `` ` `` (and `_` where it could start or end emphasis, not inside `drop_table`)
 * shown as look-alikes; `@here`, `@channel` and `@everyone` with a full-width at sign.
 */
export function mrkdwnLiteral(text: string, max: number = SLACK_LIMITS.text): string {
  const escaped = visibleText(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[*~`]/g, (char) => LOOKALIKES[char]!)
    .replace(/_/g, (char, offset: number, whole: string) =>
      WORD.test(whole.charAt(offset - 1)) && WORD.test(whole.charAt(offset + 1)) ? char : LOOKALIKES[char]!,
    )
    .replace(/@(?=(?:here|channel|everyone)\b)/gi, '＠');
  // A cut must not leave half an entity behind.
  return clip(escaped, max).replace(/&[a-z]{0,3}(?=…)/, '');
}

/** Slack refuses an empty text object; an empty outcome or criterion shows as a dash. */
const plain = (text: string, max: number) => ({ type: 'plain_text', text: shown(text, max) || '—', emoji: false });
const run = (text: string, style?: Run['style']): Run => (style === undefined ? { type: 'text', text } : { type: 'text', text, style });
const richText = (...elements: Block[]): Block => ({ type: 'rich_text', elements });
const section = (runs: Run[]): Block => ({ type: 'rich_text_section', elements: runs });
const quote = (runs: Run[]): Block => ({ type: 'rich_text_quote', elements: runs });

const length = (runs: Run[]) => runs.reduce((total, part) => total + part.text.length, 0);

/** Lines of runs split into rich_text blocks that each stay within the block budget; `label` heads the first. */
function linesInBlocks(lines: Run[][], wrap: (runs: Run[]) => Block = section, label?: Run): Block[] {
  const blocks: Block[] = [];
  let current: Run[] = [];
  let size = label === undefined ? 0 : label.text.length;
  const flush = () => {
    if (current.length === 0) return;
    blocks.push(richText(...(blocks.length === 0 && label !== undefined ? [section([label])] : []), wrap(current)));
    current = [];
    size = 0;
  };
  for (const line of lines) {
    if (size + length(line) + 1 > SLACK_LIMITS.richTextBlock) flush();
    if (current.length > 0) current.push(run('\n'));
    current.push(...line);
    size += length(line) + 1;
  }
  flush();
  return blocks;
}

/** The title and facts: Tollgate's own knowledge, first. */
function factBlocks(view: Pick<DecisionView, 'title' | 'facts'>): Block[] {
  return linesInBlocks([
    [run(shown(view.title, SHOWN.title), { bold: true })],
    ...view.facts.map(({ label, value }) => [run(`${shown(label, SHOWN.label)}: `, { bold: true }), run(shown(value, SHOWN.value))]),
  ]);
}

function warningBlocks(warnings: string[]): Block[] {
  if (warnings.length === 0) return [];
  const lines = warnings.slice(0, SHOWN.warnings).map((warning) => [run('⚠ Check: ', { bold: true }), run(shown(warning, SHOWN.warning))]);
  if (warnings.length > SHOWN.warnings)
    lines.push([run(`⚠ ${warnings.length - SHOWN.warnings} more warnings; open the request to see them`)]);
  return linesInBlocks(lines);
}

/** The agent's words, each in a quote under a label saying whose they are. */
function agentBlocks(view: DecisionView, maxSummary: number = SHOWN.summary): Block[] {
  const label = (text: string) => run(text, { bold: true });
  const said = (text: string) => [[run(text)]];
  return [
    ...(view.agent_summary === null ? [] : linesInBlocks(said(shown(view.agent_summary, maxSummary)), quote, label('The agent says:'))),
    ...(view.agent_reasoning === null
      ? []
      : linesInBlocks(said(shown(view.agent_reasoning, SHOWN.reasoning)), quote, label("The agent's reasoning:"))),
    ...linesInBlocks(
      view.key_context.map(({ key, value }) => [run(`${shown(key, SHOWN.label)}: ${shown(value, SHOWN.value)}`)]),
      quote,
      label("The agent's context:"),
    ),
  ];
}

function requestBlocks(data: NotificationData): Block[] {
  const blocks: Block[] = [...factBlocks(data), ...warningBlocks(data.warnings), ...agentBlocks(data)];
  if (data.criteria.length > 0)
    blocks.push({ type: 'context', elements: [plain(`Criteria: ${data.criteria.join('; ')}`, SLACK_LIMITS.contextText)] });
  return blocks;
}

export function requestMessage(data: NotificationData): { text: string; blocks: Block[] } {
  const value = JSON.stringify({ t: data.tenant_id, a: data.approval_id, d: data.digest } satisfies ButtonValue);
  return {
    text: mrkdwnLiteral(`${headline(data)}: ${factLine(data)}`),
    blocks: [
      { type: 'header', text: plain(headline(data), SLACK_LIMITS.headerText) },
      ...requestBlocks(data),
      {
        type: 'actions',
        block_id: 'tollgate_decide',
        elements: [
          { type: 'button', action_id: APPROVE_ACTION, text: plain('Approve', 75), style: 'primary', value },
          { type: 'button', action_id: DENY_ACTION, text: plain('Deny…', 75), style: 'danger', value },
          { type: 'button', action_id: OPEN_ACTION, text: plain('Open in dashboard', 75), url: data.url },
        ],
      },
    ],
  };
}

/** The request's message once it has an outcome (or a progress note): the buttons are gone. */
export function resultMessage(data: NotificationData, outcome: string): { text: string; blocks: Block[] } {
  return {
    text: mrkdwnLiteral(`${outcome}: ${factLine(data)}`),
    blocks: [
      ...requestBlocks(data),
      { type: 'section', text: plain(outcome, SLACK_LIMITS.sectionText) },
      // The one mrkdwn block: Tollgate's own address, nothing from the request.
      { type: 'context', elements: [{ type: 'mrkdwn', text: `<${data.url}|Open in dashboard>` }] },
    ],
  };
}

export function denyModal(value: ButtonValue & { channel?: string; ts?: string }, view: DecisionView): Record<string, unknown> {
  return {
    type: 'modal',
    callback_id: DENY_MODAL,
    private_metadata: JSON.stringify(value),
    title: plain('Deny request', SLACK_LIMITS.modalTitle),
    submit: plain('Deny', SLACK_LIMITS.modalTitle),
    close: plain('Cancel', SLACK_LIMITS.modalTitle),
    blocks: [
      ...factBlocks(view),
      ...warningBlocks(view.warnings),
      ...agentBlocks({ ...view, agent_reasoning: null, key_context: [] }, MAX_MODAL_SUMMARY),
      {
        type: 'input',
        block_id: REASON_BLOCK,
        label: plain('Reason (shown to the agent)', 2000),
        element: { type: 'plain_text_input', action_id: REASON_INPUT, multiline: true, min_length: 1, max_length: 3000 },
      },
    ],
  };
}

export const ANSWER_ACTION = 'tollgate_answer';
export const ANSWER_TEXT_ACTION = 'tollgate_answer_text';
export const ANSWER_MODAL = 'tollgate_question_answer';
export const CHOICES_BLOCK = 'choices';
export const CHOICES_INPUT = 'choices_input';
export const TEXT_BLOCK = 'text';
export const TEXT_INPUT = 'text_input';

/** What a question's button carries: tenant, question and, on a choice's button, the choice's place in the list. */
export interface QuestionButtonValue {
  t: string;
  q: string;
  c?: number;
}

/** Slack's limits for a button's and an option's text. */
const BUTTON_TEXT = 75;
/** The most of a question's text a modal repeats; the message above it has all of it. */
const MAX_MODAL_QUESTION = 1000;

/** Tollgate's facts, then the question and its context as the agent's words. */
function questionBlocks(data: QuestionData, maxQuestion: number = SHOWN.summary): Block[] {
  const label = (text: string) => run(text, { bold: true });
  return [
    ...linesInBlocks([
      [label('Agent: '), run(shown(data.agent, SHOWN.value))],
      [label('Urgency: '), run(data.urgency)],
    ]),
    ...linesInBlocks([[run(shown(data.question, maxQuestion, { multiline: true }))]], quote, label('The agent asks:')),
    ...linesInBlocks(
      data.key_context.map(({ key, value }) => [run(`${shown(key, SHOWN.label)}: ${shown(value, SHOWN.value)}`)]),
      quote,
      label("The agent's context:"),
    ),
    ...(data.choices === null
      ? []
      : linesInBlocks(
          data.choices.map((choice) => [run(`• ${shown(choice, SHOWN.value)}`)]),
          quote,
          label(data.multiple ? 'Choices (several may be picked):' : 'Choices:'),
        )),
  ];
}

/** The question with a button per choice (one pick) or one opening a modal (several picks, or words). */
export function questionMessage(data: QuestionData): { text: string; blocks: Block[] } {
  const value = (choice?: number) =>
    JSON.stringify({
      t: data.tenant_id,
      q: data.question_id,
      ...(choice === undefined ? {} : { c: choice }),
    } satisfies QuestionButtonValue);
  const buttons: Block[] =
    data.choices !== null && !data.multiple
      ? data.choices.map((choice, index) => ({
          type: 'button',
          action_id: `${ANSWER_ACTION}_${index}`,
          text: plain(choice, BUTTON_TEXT),
          value: value(index),
        }))
      : [];
  if (data.multiple || data.takes_text)
    buttons.push({
      type: 'button',
      action_id: ANSWER_TEXT_ACTION,
      text: plain(data.multiple ? 'Answer…' : 'Answer in words…', BUTTON_TEXT),
      value: value(),
    });
  buttons.push({ type: 'button', action_id: OPEN_ACTION, text: plain('Open in dashboard', BUTTON_TEXT), url: data.url });
  return {
    text: mrkdwnLiteral(`${questionHeadline(data)}: ${data.question}`),
    blocks: [
      { type: 'header', text: plain(questionHeadline(data), SLACK_LIMITS.headerText) },
      ...questionBlocks(data),
      { type: 'actions', block_id: 'tollgate_answer', elements: buttons },
    ],
  };
}

/** The question's message once answered or expired: the buttons are gone, the answer is said. */
export function questionResult(data: QuestionData): { text: string; blocks: Block[] } {
  const outcome = data.answer === null ? questionHeadline(data) : `${questionHeadline(data)}: ${answerLine(data)}`;
  return {
    text: mrkdwnLiteral(`${outcome} (${data.question})`),
    blocks: [
      ...questionBlocks(data),
      { type: 'section', text: plain(outcome, SLACK_LIMITS.sectionText) },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `<${data.url}|Open in dashboard>` }] },
    ],
  };
}

/** The modal for several picks and words: a multi-select of the choices and a text box, as the question takes them. */
export function answerModal(value: QuestionButtonValue, data: QuestionData): Record<string, unknown> {
  const inputs: Block[] = [];
  if (data.choices !== null)
    inputs.push({
      type: 'input',
      block_id: CHOICES_BLOCK,
      optional: data.takes_text,
      label: plain(data.multiple ? 'Pick one or more' : 'Pick one', 2000),
      element: {
        type: data.multiple ? 'multi_static_select' : 'static_select',
        action_id: CHOICES_INPUT,
        options: data.choices.map((choice, index) => ({ text: plain(choice, BUTTON_TEXT), value: String(index) })),
      },
    });
  if (data.takes_text)
    inputs.push({
      type: 'input',
      block_id: TEXT_BLOCK,
      optional: data.choices !== null,
      label: plain('Your answer (the agent reads it)', 2000),
      element: { type: 'plain_text_input', action_id: TEXT_INPUT, multiline: true, max_length: 3000 },
    });
  return {
    type: 'modal',
    callback_id: ANSWER_MODAL,
    private_metadata: JSON.stringify({ t: value.t, q: value.q } satisfies QuestionButtonValue),
    title: plain('Answer the question', SLACK_LIMITS.modalTitle),
    submit: plain('Answer', SLACK_LIMITS.modalTitle),
    close: plain('Cancel', SLACK_LIMITS.modalTitle),
    blocks: [...questionBlocks({ ...data, key_context: [] }, MAX_MODAL_QUESTION), ...inputs],
  };
}
