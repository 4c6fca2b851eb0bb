// What a ticket (a Jira issue, a ServiceNow change) and its comments say, in the order every
// channel uses, as blocks each ticket format renders in its own syntax: Tollgate's words as
// Tollgate's, everything a request brought as inert text, made visible, cut within limits and
// with its addresses defanged, so that no link, mention or markup comes out of an agent's text.

import { asksForDecision, headline, type NotificationData } from './message.js';
import { defangUrls, SHOWN, shown } from './shown-text.js';

export type TicketBlock =
  /** Tollgate's own words: a headline. */
  | { kind: 'heading'; text: string }
  /** One line of text (Tollgate's, possibly holding names from the request). */
  | { kind: 'line'; text: string }
  /** The facts Tollgate knows, label and value. */
  | { kind: 'facts'; items: { label: string; value: string }[] }
  /** Where the agent's words contradict a field. */
  | { kind: 'warnings'; items: string[] }
  /** Words that are not Tollgate's, under a label saying whose they are. */
  | { kind: 'quote'; label: string; lines: string[] }
  | { kind: 'list'; label: string; items: string[] }
  /** Tollgate's own link. */
  | { kind: 'link'; text: string; href: string };

/** Text a request brought, as a ticket shows it: visible characters, one line, addresses that do not link. */
export function inert(text: string, max: number): string {
  return shown(defangUrls(text), max);
}

/** The request as a ticket's body shows it; `scale` below 1 cuts every text shorter, to fit a vendor's limit. */
export function requestBlocks(data: NotificationData, options: { scale?: number; howToDecide?: string[] } = {}): TicketBlock[] {
  const scale = options.scale ?? 1;
  const max = (limit: number) => Math.max(60, Math.floor(limit * scale));
  const blocks: TicketBlock[] = [
    { kind: 'heading', text: inert(headline(data), 300) },
    { kind: 'line', text: inert(data.title, SHOWN.title) },
    {
      kind: 'facts',
      items: data.facts.map(({ label, value }) => ({ label: inert(label, max(SHOWN.label)), value: inert(value, max(SHOWN.value)) })),
    },
  ];
  if (data.warnings.length > 0) {
    const items = data.warnings.slice(0, SHOWN.warnings).map((warning) => inert(warning, max(SHOWN.warning)));
    if (data.warnings.length > SHOWN.warnings)
      items.push(`${data.warnings.length - SHOWN.warnings} more warnings; open the request in Tollgate to see them`);
    blocks.push({ kind: 'warnings', items });
  }
  if (data.agent_summary !== null)
    blocks.push({ kind: 'quote', label: 'The agent says:', lines: [inert(data.agent_summary, max(SHOWN.summary))] });
  if (data.agent_reasoning !== null)
    blocks.push({ kind: 'quote', label: "The agent's reasoning:", lines: [inert(data.agent_reasoning, max(SHOWN.reasoning))] });
  if (data.key_context.length > 0)
    blocks.push({
      kind: 'quote',
      label: "The agent's context:",
      lines: data.key_context.map(({ key, value }) => `${inert(key, max(SHOWN.label))}: ${inert(value, max(SHOWN.value))}`),
    });
  if (data.criteria.length > 0)
    blocks.push({ kind: 'list', label: 'What to check:', items: data.criteria.map((criterion) => inert(criterion, max(300))) });
  const deadline = deadlineLine(data);
  if (deadline !== undefined) blocks.push({ kind: 'line', text: deadline });
  blocks.push({ kind: 'link', text: 'Open the request in Tollgate', href: data.url });
  if (asksForDecision(data.event) && options.howToDecide !== undefined)
    for (const line of options.howToDecide) blocks.push({ kind: 'line', text: line });
  blocks.push({ kind: 'line', text: `Tollgate request ${data.approval_id}, action digest ${data.digest.slice(0, 16)}` });
  return blocks;
}

export function deadlineLine(data: NotificationData): string | undefined {
  return typeof data.deadline === 'number' ? `Deadline: ${new Date(data.deadline).toISOString().replace(/\.\d{3}Z$/, 'Z')}` : undefined;
}

/**
 * A later message about the request, as a comment: what happened in Tollgate's words, the facts
 * again when the action changed since the ticket showed it (`changed`), the deadline and the link.
 */
export function commentBlocks(
  data: NotificationData,
  options: { changed: boolean; scale?: number; howToDecide?: string[] } = { changed: false },
): TicketBlock[] {
  if (options.changed) return requestBlocks(data, options);
  const blocks: TicketBlock[] = [{ kind: 'heading', text: `Tollgate: ${inert(headline(data), 600)}` }];
  // Who it waits for now, or who handed it on: the headline of a request or reminder does not say.
  if ((data.event === 'requested' || data.event === 'reminder') && data.detail !== '')
    blocks.push({ kind: 'line', text: inert(data.detail, 600) });
  const deadline = asksForDecision(data.event) ? deadlineLine(data) : undefined;
  if (deadline !== undefined) blocks.push({ kind: 'line', text: deadline });
  blocks.push({ kind: 'link', text: 'Open the request in Tollgate', href: data.url });
  if (asksForDecision(data.event) && options.howToDecide !== undefined)
    for (const line of options.howToDecide) blocks.push({ kind: 'line', text: line });
  return blocks;
}

/** The blocks as plain lines, in reading order: for text-only fields and for tests that read a ticket. */
export function plainLines(blocks: TicketBlock[]): string[] {
  return blocks.flatMap((block): string[] => {
    switch (block.kind) {
      case 'heading':
      case 'line':
        return [block.text];
      case 'facts':
        return block.items.map(({ label, value }) => `  ${label}: ${value}`);
      case 'warnings':
        return block.items.map((warning) => `⚠ Check: ${warning}`);
      case 'quote':
        return [block.label, ...block.lines.map((line) => `> ${line}`)];
      case 'list':
        return [block.label, ...block.items.map((item) => `- ${item}`)];
      case 'link':
        return [`${block.text}: ${block.href}`];
    }
  });
}
