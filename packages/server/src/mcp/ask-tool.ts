// `--ask-tool`: the proxy's own `ask_a_person` tool, listed to the client beside the downstream's.
// A call posts a question to Tollgate (routed to people like an approval) and waits for the answer,
// as long as a gated call waits; a retry of the same question waits on for it instead of asking again.

import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import {
  QuestionExpired,
  QuestionPending,
  TollgateRequestError,
  TollgateSdkError,
  type Answered,
  type Question,
  type Tollgate,
} from '@tollgate/sdk';
import { refusal } from './tool-results.js';

export const ASK_TOOL_NAME = 'ask_a_person';

/** Questions still waiting that a retry resumes; the oldest are forgotten past this (they can be asked again). */
const MAX_REMEMBERED = 1_000;

export const ASK_TOOL: Tool = {
  name: ASK_TOOL_NAME,
  title: 'Ask a person',
  description:
    'Ask a person a question when you are unsure, instead of guessing. The question goes to the people who oversee you ' +
    'and the call waits for their answer. If it answers that it is still waiting, call it again with the same question to keep waiting.',
  inputSchema: {
    type: 'object',
    properties: {
      question: { type: 'string', description: 'what you need to know, in full sentences' },
      choices: {
        type: 'array',
        items: { type: 'string' },
        description: 'the answers to pick from (1 to 20); leave out for a written answer',
      },
      multiple: { type: 'boolean', description: 'with choices: several may be picked' },
      free_text: { type: 'boolean', description: 'with choices: a written answer is allowed too' },
      context: { type: 'object', description: 'facts shown with the question (what you are doing, what you found)' },
      urgency: { type: 'string', enum: ['low', 'normal', 'high'] },
    },
    required: ['question'],
  },
  outputSchema: {
    type: 'object',
    properties: {
      question_id: { type: 'string' },
      choices: { type: 'array', items: { type: 'string' } },
      text: { type: ['string', 'null'] },
      answered_by: { type: 'object', properties: { id: { type: 'string' }, name: { type: ['string', 'null'] } }, required: ['id'] },
      answered_at: { type: 'string' },
    },
    required: ['question_id', 'choices', 'text', 'answered_by', 'answered_at'],
  },
};

const FIELDS = Object.keys(ASK_TOOL.inputSchema.properties ?? {});

/** What makes a retry "the same question": its text and what may be answered (not its context, which may be worded anew). */
function questionKey(args: Record<string, unknown>): string {
  return JSON.stringify([args.question, args.choices, args.multiple, args.free_text]);
}

function answered(answer: Answered): CallToolResult {
  const who = answer.answered_by.name ?? answer.answered_by.id;
  const lines = [`${who} answered (question ${answer.question_id})${answer.choices.length > 0 ? `: ${answer.choices.join(', ')}` : ':'}`];
  if (answer.text !== null) lines.push(answer.text);
  return { content: [{ type: 'text', text: lines.join('\n') }], structuredContent: { ...answer } };
}

export class AskTool {
  /** Pending questions by what was asked, oldest first. */
  private readonly pending = new Map<string, string>();

  constructor(
    private readonly tollgate: Tollgate,
    /** Seconds a call waits for the answer. */
    private readonly wait: number,
  ) {}

  async call(args: Record<string, unknown>, signal?: AbortSignal): Promise<CallToolResult> {
    // The server names the field of any other mistake; these the SDK would read as its own options.
    const unknown = Object.keys(args).find((field) => !FIELDS.includes(field));
    if (unknown !== undefined) return refusal(`Tollgate: unknown field \`${unknown}\` (allowed: ${FIELDS.join(', ')}); nothing was asked`);
    if (typeof args.question !== 'string') return refusal('Tollgate: `question` is required: the text to ask; nothing was asked');
    const key = questionKey(args);
    try {
      const answer = await this.ask(key, args, signal);
      this.pending.delete(key);
      return answered(answer);
    } catch (error) {
      // Still waiting, cancelled, or the server away: the question stays remembered, and the retry resumes it.
      if (error instanceof QuestionPending)
        return refusal(
          `Tollgate: still waiting, question ${error.question.id}: nobody has answered yet; call ${ASK_TOOL_NAME} again with the same question to keep waiting`,
        );
      if (signal?.aborted === true) throw error;
      if (error instanceof QuestionExpired) {
        this.pending.delete(key);
        return refusal(`Tollgate: nobody answered question ${error.question.id} in time; decide without the answer, or ask again`);
      }
      if (error instanceof TollgateSdkError) return refusal(`Tollgate: ${error.message}`);
      throw error;
    }
  }

  /** Waits for the answer to the question remembered under `key`, asking it first (and remembering it) when there is none. */
  private async ask(key: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<Answered> {
    const options = { wait: this.wait, ...(signal === undefined ? {} : { signal }) };
    const resume = this.pending.get(key);
    if (resume !== undefined) {
      try {
        return await this.tollgate.ask({ resume, ...options });
      } catch (error) {
        // The server no longer knows it (another database): the question is asked anew.
        if (!(error instanceof TollgateRequestError && error.status === 404)) throw error;
        this.pending.delete(key);
      }
    }
    // Posted without waiting, so that its id is known (and a cancelled or dropped call resumed) before the wait.
    let id: string;
    try {
      return await this.tollgate.ask({ ...(args as unknown as Question), wait: 0, ...(signal === undefined ? {} : { signal }) });
    } catch (error) {
      if (!(error instanceof QuestionPending)) throw error;
      id = error.question.id;
    }
    this.remember(key, id);
    return this.tollgate.ask({ resume: id, ...options });
  }

  private remember(key: string, id: string): void {
    this.pending.delete(key);
    this.pending.set(key, id);
    if (this.pending.size > MAX_REMEMBERED) this.pending.delete(this.pending.keys().next().value!);
  }
}
