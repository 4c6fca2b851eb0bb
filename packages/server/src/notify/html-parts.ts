// The request as HTML, for the e-mail's HTML part and the one-click confirmation page: Tollgate's
// facts and warnings first, then the agent's words in quotes under labels saying whose they are.
// Everything is escaped, and addresses in text Tollgate did not write are not links.

import type { DecisionView } from './message.js';
import { defangUrls, escapeHtml, SHOWN, shown } from './shown-text.js';

/** Text from the request as HTML: visible characters, one line, no address a client would link. */
export function requestText(text: string, max: number): string {
  return escapeHtml(defangUrls(shown(text, max)));
}

export function factsHtml(view: Pick<DecisionView, 'title' | 'facts' | 'warnings'>): string {
  const rows = view.facts
    .map(
      ({ label, value }) => `<tr><th align="left">${requestText(label, SHOWN.label)}</th><td>${requestText(value, SHOWN.value)}</td></tr>`,
    )
    .join('');
  const warnings = view.warnings
    .map((warning) => `<p style="color:#a00"><strong>⚠ Check:</strong> ${requestText(warning, SHOWN.warning)}</p>`)
    .join('\n');
  return [`<p><strong>${requestText(view.title, SHOWN.title)}</strong></p>`, `<table>${rows}</table>`, warnings]
    .filter((part) => part !== '')
    .join('\n');
}

/** Words that are not Tollgate's, in a quote under a label saying whose they are (`label` and `inner` already HTML). */
export function quotedHtml(label: string, inner: string): string {
  return `<p><strong>${label}</strong></p>\n<blockquote style="margin:0 0 1em;padding-left:.75em;border-left:3px solid #999;color:#444">${inner}</blockquote>`;
}

export function agentWordsHtml(view: Pick<DecisionView, 'agent_summary' | 'agent_reasoning' | 'key_context'>): string {
  const parts: string[] = [];
  if (view.agent_summary !== null) parts.push(quotedHtml('The agent says:', requestText(view.agent_summary, SHOWN.summary)));
  if (view.agent_reasoning !== null)
    parts.push(quotedHtml('The agent&#39;s reasoning:', requestText(view.agent_reasoning, SHOWN.reasoning)));
  if (view.key_context.length > 0)
    parts.push(
      quotedHtml(
        'The agent&#39;s context:',
        view.key_context.map(({ key, value }) => `${requestText(key, SHOWN.label)}: ${requestText(value, SHOWN.value)}`).join('<br>'),
      ),
    );
  return parts.join('\n');
}
