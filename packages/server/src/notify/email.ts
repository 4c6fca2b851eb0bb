// E-mail over SMTP with nodemailer: a plain, readable message with the request's essentials and
// one-click links that open a confirmation page (a GET never decides; only its form does).

import nodemailer from 'nodemailer';
import { dataOf, DeliveryError, linksOf, requireSecret, stringSetting, type Deliver } from './channel.js';
import { headline } from './message.js';

const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function emailContent(message: Parameters<Deliver>[0]): { subject: string; text: string; html: string } {
  const data = dataOf(message);
  const links = linksOf(message);
  const lines = [
    data.summary,
    '',
    `Risk: ${data.risk ?? 'unrated'}`,
    `Agent: ${data.agent}`,
    ...data.key_context.map(({ key, value }) => `${key}: ${value}`),
    ...(data.criteria.length > 0 ? ['', `Check: ${data.criteria.join('; ')}`] : []),
    '',
    ...(links === undefined ? [] : [`Approve: ${links.approve}`, `Deny: ${links.deny}`, '']),
    `Open in Tollgate: ${data.url}`,
  ];
  const facts = [['Risk', data.risk ?? 'unrated'], ['Agent', data.agent], ...data.key_context.map(({ key, value }) => [key, value])];
  const html = [
    `<h2>${escapeHtml(headline(data))}</h2>`,
    `<p><strong>${escapeHtml(data.summary)}</strong></p>`,
    `<table>${facts.map(([key, value]) => `<tr><th align="left">${escapeHtml(key!)}</th><td>${escapeHtml(value!)}</td></tr>`).join('')}</table>`,
    data.criteria.length > 0 ? `<p>Check: ${escapeHtml(data.criteria.join('; '))}</p>` : '',
    links === undefined
      ? ''
      : `<p><a href="${escapeHtml(links.approve)}">Approve</a> &nbsp; <a href="${escapeHtml(links.deny)}">Deny</a></p>` +
        '<p>Each link opens a page to confirm; it works once and expires.</p>',
    `<p><a href="${escapeHtml(data.url)}">Open in Tollgate</a></p>`,
  ].join('\n');
  return { subject: `[Tollgate] ${headline(data)}: ${data.summary}`.slice(0, 200), text: lines.join('\n'), html };
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
