// Checks what an agent asks (`POST /v1/questions`) and what a person answers to it; each problem
// is refused with the field it is about, before anything is stored.

import { TollgateError } from '../errors.js';
import type { QuestionAnswer, QuestionRecord, QuestionUrgency } from '../stores/records.js';

const MAX_QUESTION = 4_000;
const MAX_CHOICES = 20;
const MAX_CHOICE = 200;
const MAX_TEXT = 10_000;
/** The context is shown to whoever answers; more than this belongs in a link. */
const MAX_CONTEXT_BYTES = 64 * 1024;
export const URGENCIES: readonly QuestionUrgency[] = ['low', 'normal', 'high'];
const ASK_FIELDS = ['question', 'choices', 'multiple', 'free_text', 'context', 'urgency'];
const ANSWER_FIELDS = ['choice', 'choices', 'text'];

export type AskedQuestion = Pick<QuestionRecord, 'question' | 'choices' | 'multiple' | 'free_text' | 'context' | 'urgency'>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(field: string, message: string): TollgateError {
  return new TollgateError('question.invalid', message, { field });
}

function unknownFields(body: Record<string, unknown>, allowed: string[], fail: (field: string, message: string) => TollgateError): void {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) throw fail(key, `unknown field \`${key}\` (allowed: ${allowed.join(', ')})`);
  }
}

export function checkQuestion(body: unknown): AskedQuestion {
  if (!isPlainObject(body)) throw invalid('body', 'the request body must be a JSON object with a `question`');
  unknownFields(body, ASK_FIELDS, invalid);
  const { question, choices, multiple, free_text: freeText, context, urgency } = body;
  if (typeof question !== 'string' || question.trim() === '')
    throw invalid('question', question === undefined ? '`question` is required' : '`question` must be a non-empty string');
  if (question.length > MAX_QUESTION) throw invalid('question', `\`question\` is longer than ${MAX_QUESTION} characters`);
  let checkedChoices: string[] | null = null;
  if (choices !== undefined) {
    if (!Array.isArray(choices) || choices.length === 0 || choices.length > MAX_CHOICES)
      throw invalid('choices', `\`choices\` must be a list of 1 to ${MAX_CHOICES} strings`);
    choices.forEach((choice, index) => {
      if (typeof choice !== 'string' || choice.trim() === '' || choice.length > MAX_CHOICE)
        throw invalid(`choices[${index}]`, `each choice must be a non-empty string of at most ${MAX_CHOICE} characters`);
      if (choices.indexOf(choice) !== index) throw invalid(`choices[${index}]`, `the choice \`${choice}\` is listed twice`);
    });
    checkedChoices = choices as string[];
  }
  if (multiple !== undefined && typeof multiple !== 'boolean') throw invalid('multiple', '`multiple` must be true or false');
  if (multiple === true && checkedChoices === null) throw invalid('multiple', '`multiple` needs `choices` to pick from');
  if (freeText !== undefined && typeof freeText !== 'boolean') throw invalid('free_text', '`free_text` must be true or false');
  if (freeText === false && checkedChoices === null)
    throw invalid('free_text', 'a question without `choices` is answered in free text; `free_text: false` needs `choices`');
  if (context !== undefined && !isPlainObject(context)) throw invalid('context', '`context` must be an object');
  if (context !== undefined && Buffer.byteLength(JSON.stringify(context)) > MAX_CONTEXT_BYTES)
    throw invalid('context', `\`context\` is larger than ${MAX_CONTEXT_BYTES / 1024} KiB`);
  if (urgency !== undefined && !URGENCIES.includes(urgency as QuestionUrgency))
    throw invalid('urgency', `\`urgency\` must be one of ${URGENCIES.join(', ')}`);
  return {
    question,
    choices: checkedChoices,
    multiple: multiple === true,
    // Free text is the only way to answer a question without choices.
    free_text: checkedChoices === null ? true : freeText === true,
    context: (context as Record<string, unknown> | undefined) ?? {},
    urgency: (urgency as QuestionUrgency | undefined) ?? 'normal',
  };
}

function invalidAnswer(field: string, message: string): TollgateError {
  return new TollgateError('question.invalid_answer', message, { field });
}

/** A person's answer, checked against what the question allows. */
export function checkAnswer(body: unknown, question: QuestionRecord): QuestionAnswer {
  if (!isPlainObject(body)) throw invalidAnswer('body', 'the answer must be a JSON object with `choice`, `choices` or `text`');
  unknownFields(body, ANSWER_FIELDS, invalidAnswer);
  const { choice, choices, text } = body;
  if (choice !== undefined && choices !== undefined) throw invalidAnswer('choice', 'give `choice` or `choices`, not both');
  let picked: string[] = [];
  if (choice !== undefined) {
    if (typeof choice !== 'string') throw invalidAnswer('choice', '`choice` must be a string');
    picked = [choice];
  } else if (choices !== undefined) {
    if (!Array.isArray(choices) || !choices.every((c) => typeof c === 'string'))
      throw invalidAnswer('choices', '`choices` must be a list of strings');
    picked = [...new Set(choices as string[])];
  }
  if (picked.length > 0) {
    const field = choice === undefined ? 'choices' : 'choice';
    if (question.choices === null) throw invalidAnswer(field, 'this question has no choices; answer it with `text`');
    for (const value of picked) {
      if (!question.choices.includes(value))
        throw invalidAnswer(field, `\`${value}\` is not one of the choices (${question.choices.map((c) => `\`${c}\``).join(', ')})`);
    }
    if (picked.length > 1 && !question.multiple) throw invalidAnswer(field, 'this question takes one choice');
  }
  if (text !== undefined && text !== null) {
    if (typeof text !== 'string') throw invalidAnswer('text', '`text` must be a string');
    if (text.length > MAX_TEXT) throw invalidAnswer('text', `\`text\` is longer than ${MAX_TEXT} characters`);
    if (!question.free_text && text.trim() !== '') throw invalidAnswer('text', 'this question is answered with its choices only');
  }
  const written = typeof text === 'string' && text.trim() !== '' ? text : null;
  if (picked.length === 0 && written === null)
    throw invalidAnswer(
      question.choices === null ? 'text' : 'choice',
      question.choices === null ? '`text` is required' : 'pick a `choice`',
    );
  return { choices: picked, text: written };
}
