// The small HTML pages behind one-click links: a confirmation form, which shows what Tollgate knows
// about the request before the agent's words, and what happened.

import { agentWordsHtml, factsHtml, quotedHtml, requestText } from './html-parts.js';
import type { AnswerLinkPreview, LinkPreview } from './link-actions.js';
import { escapeHtml, SHOWN } from './shown-text.js';

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)} · Tollgate</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}label{display:block;margin:.75rem 0 .25rem}
input,textarea{width:100%;box-sizing:border-box;padding:.4rem}button{margin-top:1rem;padding:.5rem 1.25rem}</style></head>
<body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>`;
}

/** An answer link's page: the question as the agent's words, the choice, and the form that answers with it. */
function answerPage(preview: AnswerLinkPreview): string {
  const { question } = preview;
  return page(
    'Answer this question?',
    `<table><tr><th align="left">Agent</th><td>${requestText(question.agent, SHOWN.value)}</td></tr>
<tr><th align="left">Urgency</th><td>${escapeHtml(question.urgency)}</td></tr></table>
<p>Status: ${escapeHtml(question.status)}</p>
${quotedHtml('The agent asks:', requestText(question.question, SHOWN.summary))}
${quotedHtml('Your answer would be:', requestText(preview.choice, SHOWN.value))}
<form method="post">${signInFields(preview.needsSignIn)}<button type="submit">Answer</button></form>`,
  );
}

function signInFields(needed: boolean): string {
  return needed
    ? `<label for="name">Your Tollgate name</label><input id="name" name="name" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>`
    : '';
}

export function confirmPage(preview: LinkPreview | AnswerLinkPreview): string {
  if (preview.kind === 'question') return answerPage(preview);
  const deny = preview.link.verdict === 'deny';
  const signIn = signInFields(preview.needsSignIn);
  const note = deny
    ? '<label for="note">Reason (required; the agent sees it)</label><textarea id="note" name="note" rows="4" required></textarea>'
    : '<label for="note">Note (optional)</label><textarea id="note" name="note" rows="3"></textarea>';
  return page(
    deny ? 'Deny this request?' : 'Approve this request?',
    `${factsHtml(preview)}
<p>Status: ${escapeHtml(preview.requestStatus)}</p>
${agentWordsHtml(preview)}
<form method="post">${signIn}${note}<button type="submit">${deny ? 'Deny' : 'Approve'}</button></form>`,
  );
}

export function resultPage(title: string, message: string): string {
  return page(title, `<p>${escapeHtml(message)}</p>`);
}
