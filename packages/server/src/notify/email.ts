// E-mail over SMTP with nodemailer: a plain, readable message (text and HTML) that leads with what
// Tollgate knows, then its one-click links, which open a confirmation page (a GET never decides;
// only its form does), then the agent's own words, quoted.

import nodemailer from 'nodemailer';
import { dataOf, DeliveryError, linksOf, requireSecret, stringSetting, type Deliver } from './channel.js';
import { agentWordsHtml, factsHtml, quotedHtml, requestText } from './html-parts.js';
import { factLine, headline, type NotificationData, type NotificationLinks } from './message.js';
import { isQuestion, questionHeadline, type QuestionData } from './question-message.js';
import { defangUrls, escapeHtml, SHOWN, shown } from './shown-text.js';

/** One line (no CR or LF from the request can reach the header) of a length clients show. */
const MAX_SUBJECT = 200;

/** Text from the request in the text part: one line, visible characters, no clickable address. */
const line = (text: string, max: number) => defangUrls(shown(text, max));

/**
 * The text part. Its lines that start at the margin are Tollgate's; the request's values sit after
 * an indented label and the agent's words after "> ", so none can pass for the Approve link, which
 * comes before the agent's words.
 */
function textPart(data: NotificationData, links: NotificationLinks | undefined): string {
  const quoted = (label: string, text: string) => [label, `> ${text}`];
  const lines = [
    headline(data),
    line(data.title, SHOWN.title),
    '',
    'What Tollgate knows:',
    ...data.facts.map(({ label, value }) => `  ${line(label, SHOWN.label)}: ${line(value, SHOWN.value)}`),
    ...(data.warnings.length > 0 ? ['', ...data.warnings.map((warning) => `⚠ Check: ${line(warning, SHOWN.warning)}`)] : []),
    '',
    ...(links === undefined
      ? []
      : [
          'Decide here (each link opens a page to confirm; it works once and expires):',
          `Approve: ${links.approve}`,
          `Deny: ${links.deny}`,
        ]),
    `Open in Tollgate: ${data.url}`,
    ...(data.criteria.length > 0 ? ['', `Criteria: ${line(data.criteria.join('; '), SHOWN.criteria)}`] : []),
  ];
  const words: string[] = [];
  if (data.agent_summary !== null) words.push(...quoted('The agent says:', line(data.agent_summary, SHOWN.summary)));
  if (data.agent_reasoning !== null) words.push(...quoted("The agent's reasoning:", line(data.agent_reasoning, SHOWN.reasoning)));
  if (data.key_context.length > 0)
    words.push(
      "The agent's context:",
      ...data.key_context.map(({ key, value }) => `> ${line(key, SHOWN.label)}: ${line(value, SHOWN.value)}`),
    );
  if (words.length > 0) lines.push('', "The agent's own words (Tollgate did not write or check them):", ...words);
  return lines.join('\n');
}

function htmlPart(data: NotificationData, links: NotificationLinks | undefined): string {
  return [
    `<h2>${escapeHtml(headline(data))}</h2>`,
    factsHtml(data),
    links === undefined
      ? ''
      : `<p><a href="${escapeHtml(links.approve)}">Approve</a> &nbsp; <a href="${escapeHtml(links.deny)}">Deny</a></p>` +
        '<p>Each link opens a page to confirm; it works once and expires.</p>',
    `<p><a href="${escapeHtml(data.url)}">Open in Tollgate</a></p>`,
    data.criteria.length > 0 ? `<p>Criteria: ${requestText(data.criteria.join('; '), SHOWN.criteria)}</p>` : '',
    agentWordsHtml(data),
  ]
    .filter((part) => part !== '')
    .join('\n');
}

/** One link per choice (each answers with it, once, after a confirmation page); words and several picks on the question's page. */
type AnswerLinks = { choice: string; url: string }[] | undefined;

function questionText(data: QuestionData, links: AnswerLinks): string {
  const lines = [
    questionHeadline(data),
    '',
    'What Tollgate knows:',
    `  Agent: ${line(data.agent, SHOWN.value)}`,
    `  Urgency: ${data.urgency}`,
    '',
    "The agent's question (Tollgate did not write or check it):",
    `> ${line(data.question, SHOWN.summary)}`,
    ...(data.key_context.length > 0
      ? ["The agent's context:", ...data.key_context.map(({ key, value }) => `> ${line(key, SHOWN.label)}: ${line(value, SHOWN.value)}`)]
      : []),
    ...(data.choices === null ? [] : ['Choices:', ...data.choices.map((choice) => `> ${line(choice, SHOWN.value)}`)]),
    '',
  ];
  if (links !== undefined)
    lines.push(
      'Answer here (each link opens a page to confirm; it works once and expires):',
      ...links.map(({ choice, url }, index) => `Choice ${index + 1} (${line(choice, SHOWN.label)}): ${url}`),
    );
  lines.push(`${data.takes_text || data.multiple ? 'Answer in words or pick several' : 'Open the question'} in Tollgate: ${data.url}`);
  return lines.join('\n');
}

function questionHtml(data: QuestionData, links: AnswerLinks): string {
  return [
    `<h2>${escapeHtml(questionHeadline(data))}</h2>`,
    `<table><tr><th align="left">Agent</th><td>${requestText(data.agent, SHOWN.value)}</td></tr>` +
      `<tr><th align="left">Urgency</th><td>${escapeHtml(data.urgency)}</td></tr></table>`,
    quotedHtml('The agent asks:', requestText(data.question, SHOWN.summary)),
    data.key_context.length === 0
      ? ''
      : quotedHtml(
          'The agent&#39;s context:',
          data.key_context.map(({ key, value }) => `${requestText(key, SHOWN.label)}: ${requestText(value, SHOWN.value)}`).join('<br>'),
        ),
    links === undefined
      ? ''
      : `<p>Answer with one of the agent's choices:</p><ul>${links
          .map(({ choice, url }) => `<li><a href="${escapeHtml(url)}">${requestText(choice, SHOWN.value)}</a></li>`)
          .join('')}</ul><p>Each link opens a page to confirm; it works once and expires.</p>`,
    `<p><a href="${escapeHtml(data.url)}">${data.takes_text || data.multiple ? 'Answer in Tollgate' : 'Open in Tollgate'}</a></p>`,
  ]
    .filter((part) => part !== '')
    .join('\n');
}

export function emailContent(message: Parameters<Deliver>[0]): { subject: string; text: string; html: string } {
  if (isQuestion(message.payload.data)) {
    const question = message.payload.data;
    const links = message.payload.answer_links as AnswerLinks;
    return {
      subject: shown(`[Tollgate] ${questionHeadline(question)}: ${question.question}`, MAX_SUBJECT),
      text: questionText(question, links),
      html: questionHtml(question, links),
    };
  }
  const data = dataOf(message);
  const links = linksOf(message);
  return {
    subject: shown(`[Tollgate] ${headline(data)}: ${factLine(data)}`, MAX_SUBJECT),
    text: textPart(data, links),
    html: htmlPart(data, links),
  };
}

export const deliverEmail: Deliver = async (message, settings, context) => {
  const smtpUrl = requireSecret(settings, 'smtp_url_env', context);
  const from = stringSetting(settings, 'from');
  if (from === undefined) throw new DeliveryError('the email channel has no `from`', false);
  if (message.recipient === null) throw new DeliveryError('the message has no recipient', false);
  const transport = nodemailer.createTransport(smtpUrl);
  try {
    // The outbox id as Message-ID: a redelivered message is recognisably the same one.
    const info = await transport.sendMail({
      from,
      to: message.recipient,
      messageId: `<${message.id}@tollgate>`,
      ...emailContent(message),
    });
    return { message_id: info.messageId };
  } catch (error) {
    const code = (error as { responseCode?: number }).responseCode;
    // 5xx replies are permanent refusals (unknown mailbox, policy); the rest (connection, 4xx) may pass later.
    throw new DeliveryError(`smtp: ${(error as Error).message}`, code === undefined || code < 500, { cause: error });
  } finally {
    transport.close();
  }
};
