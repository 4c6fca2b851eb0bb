// How `approvals list` and `approvals show` print requests for a person: a table, and a readable
// page in the dashboard's order: what Tollgate knows first (the action, its tested and weighty
// fields with their values, warnings where the agent's words disagree), then "The agent says:".
// Everything the agent wrote goes through `shownText`: hidden characters as marks, no escapes.

import type { RequestFacts } from '../../services/request-facts.js';
import { clip, printable, shownLines, shownText } from '../terminal-text.js';

export interface ApprovalSummary {
  id: string;
  status: string;
  action_id: string;
  approvers: string[];
  require: number;
  deadline: string | null;
  created_at: string;
  risk?: string | null;
  requested_by?: string;
  action?: Record<string, unknown> | null;
  url?: string;
}

interface Reason {
  name?: string;
  kind?: string;
  decision?: string;
  reason?: string;
}

export interface ApprovalDetail extends ApprovalSummary {
  criteria?: string[];
  resolution?: string | null;
  votes?: { user_id: string; verdict: string; note: string | null; step_id: string; at: string }[];
  steps?: {
    id: string;
    type: string;
    status: string;
    approvers?: string[];
    require?: number;
    deadline?: string | null;
    votes?: { name: string; verdict: string; note: string | null }[];
  }[];
  context_package?: {
    facts?: RequestFacts;
    summary?: unknown;
    key_context?: Record<string, unknown>;
    diff?: unknown;
    simulation?: unknown;
    reasoning?: { text?: unknown; confidence?: unknown } | null;
    details?: Record<string, unknown>;
    risk?: { level: string | null; why: Reason[]; missing: { path: string; needed_by: string }[] };
  };
  decision?: { agent?: string; risk?: string | null };
  /** The Jira issues and ServiceNow records the request opened. */
  tickets?: { channel: string; type: string; key: string; url: string | null }[];
}

/** "40s", "12m", "5h", "3d": how long ago, or how long until. */
export function span(ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000);
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

function deadlineText(deadline: string | null, now: number): string {
  if (deadline === null) return 'none';
  const left = Date.parse(deadline) - now;
  return left <= 0 ? `passed ${span(left)} ago` : `in ${span(left)}`;
}

const agentOf = (approval: ApprovalSummary): string => shownText(approval.action?.agent ?? approval.requested_by ?? '');
const summaryOf = (approval: ApprovalSummary): string => {
  const action = approval.action ?? {};
  return shownText(action.summary ?? action.action_type ?? action.action ?? '');
};

/** A fact's value is shown whole up to this long; past it, cut and marked (`--json` has it all). */
const MAX_VALUE = 300;

function factValue(value: unknown): string {
  const text = shownText(typeof value === 'string' ? value : JSON.stringify(value));
  // The digits as sent, and grouped: 950000 and 95000 look alike at a glance.
  const grouped =
    typeof value === 'number' && Number.isFinite(value) && Math.abs(value) >= 10_000 ? ` (${value.toLocaleString('en-US')})` : '';
  const cut = [...text].length > MAX_VALUE ? `${clip(text, MAX_VALUE)} (cut; --json shows all)` : text;
  return `${cut === '' ? '""' : cut}${grouped}`;
}

function whyShown(field: RequestFacts['fields'][number]): string {
  if (field.why === 'tested') return `tested: ${field.tests.map(shownText).join('; ')}`;
  return field.why === 'display' ? 'listed by the policy' : 'weighty';
}

/** What Tollgate itself knows, before anything the agent wrote: the fields with values, then the warnings. */
function factLines(facts: RequestFacts): string[] {
  const out: string[] = [];
  if (facts.fields.length > 0) {
    out.push('facts:');
    const width = Math.max(...facts.fields.map((field) => [...shownText(field.path)].length));
    for (const field of facts.fields) out.push(`  ${shownText(field.path).padEnd(width)}  ${factValue(field.value)}  (${whyShown(field)})`);
  }
  for (const contradiction of facts.contradictions) out.push(`warning: ${shownText(contradiction.message)}`);
  return out;
}

/** The table `approvals list` prints: the summary takes what the terminal width leaves. */
export function approvalTable(approvals: ApprovalSummary[], now: number, width = 120): string[] {
  const rows = approvals.map((approval) => [
    approval.id,
    approval.status,
    approval.risk ?? '-',
    agentOf(approval),
    span(now - Date.parse(approval.created_at)),
    approval.status === 'pending' ? deadlineText(approval.deadline, now) : '-',
    summaryOf(approval),
  ]);
  const header = ['ID', 'STATUS', 'RISK', 'AGENT', 'AGE', 'DEADLINE', 'SUMMARY'];
  const widths = header.slice(0, -1).map((title, column) => Math.max(title.length, ...rows.map((row) => [...row[column]!].length)));
  const fixed = widths.reduce((sum, each) => sum + each + 2, 0);
  const line = (cells: string[]): string =>
    [...cells.slice(0, -1).map((cell, column) => cell.padEnd(widths[column]!)), clip(cells.at(-1)!, Math.max(20, width - fixed))]
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** The page `approvals show` prints. */
export function approvalPage(approval: ApprovalDetail, now: number): string[] {
  const out: string[] = [];
  const field = (name: string, value: string): void => {
    out.push(`${name.padEnd(10)} ${value}`);
  };
  const block = (name: string, text: unknown): void => {
    out.push(`${name}:`);
    for (const line of shownLines(text)) out.push(`  ${line}`);
  };
  const pack = approval.context_package ?? {};
  const action = approval.action ?? {};
  const facts = pack.facts;
  out.push(`${approval.id}  ${approval.status}`);
  const type = facts?.action_type ?? action.action_type ?? action.action ?? '';
  const environment = facts?.environment ?? action.environment;
  field(
    'action',
    `${shownText(type)}${environment === undefined || environment === null ? '' : ` in ${shownText(environment)}`} (${approval.action_id})`,
  );
  field('agent', shownText(facts?.agent ?? approval.decision?.agent ?? action.agent ?? approval.requested_by ?? ''));
  if (facts?.capability != null) field('capability', shownText(facts.capability));
  field('risk', approval.decision?.risk ?? approval.risk ?? 'not rated');
  if (facts !== undefined) out.push(...factLines(facts));
  field('requested', `${approval.created_at} (${span(now - Date.parse(approval.created_at))} ago)`);
  field('deadline', approval.deadline === null ? 'none' : `${approval.deadline} (${deadlineText(approval.deadline, now)})`);
  field('needs', `${approval.require} of ${approval.approvers.map(shownText).join(', ') || 'any approver'}`);
  if (approval.resolution !== null && approval.resolution !== undefined) field('resolution', shownText(approval.resolution));

  // The agent's own words, after the facts and marked as its: its summary (not Tollgate's sentence
  // for an action without one), its reasoning and the confidence it gives itself.
  const summary = pack.details === undefined ? (pack.summary ?? action.summary) : pack.details.summary;
  const reasoning = pack.reasoning?.text;
  const confidence = typeof pack.reasoning?.confidence === 'number' ? ` (confidence ${pack.reasoning.confidence})` : '';
  if ((typeof summary === 'string' && summary !== '') || (reasoning !== undefined && reasoning !== null)) {
    out.push('The agent says:');
    if (typeof summary === 'string' && summary !== '') out.push(`  summary    ${shownText(summary)}`);
    if (reasoning !== undefined && reasoning !== null) {
      out.push(`  reasoning${confidence}:`);
      for (const line of shownLines(reasoning)) out.push(`    ${line}`);
    }
  } else out.push('The agent sent no summary or reasoning.');

  const why = pack.risk?.why ?? [];
  if (why.length > 0) {
    out.push('why:');
    for (const reason of why)
      out.push(`  - ${shownText(reason.name ?? reason.kind ?? '')}: ${shownText(reason.reason ?? reason.decision ?? '')}`);
  }
  for (const missing of pack.risk?.missing ?? []) out.push(`  missing: ${shownText(missing.path)} (for ${shownText(missing.needed_by)})`);
  const criteria = approval.criteria ?? [];
  if (criteria.length > 0) {
    out.push('check:');
    for (const criterion of criteria) out.push(`  - ${printable(criterion)}`);
  }
  const context = Object.entries(pack.key_context ?? {});
  if (context.length > 0) {
    out.push('context (sent by the agent):');
    for (const [key, value] of context)
      out.push(`  ${shownText(key)}: ${shownText(typeof value === 'string' ? value : JSON.stringify(value))}`);
  }
  if (pack.diff !== undefined && pack.diff !== null)
    block('diff (sent by the agent)', typeof pack.diff === 'string' ? pack.diff : JSON.stringify(pack.diff, null, 2));
  if (pack.simulation !== undefined && pack.simulation !== null)
    block('dry run (sent by the agent)', typeof pack.simulation === 'string' ? pack.simulation : JSON.stringify(pack.simulation, null, 2));
  const steps = approval.steps ?? [];
  if (steps.length > 0) {
    out.push('stages:');
    for (const step of steps) {
      const who = step.type === 'approval' ? `, ${step.require ?? 1} of ${(step.approvers ?? []).map(shownText).join(', ')}` : '';
      out.push(`  ${shownText(step.id)} (${step.type}): ${step.status}${who}`);
      for (const vote of step.votes ?? [])
        out.push(`    ${shownText(vote.name)} ${vote.verdict}${vote.note === null ? '' : `: ${shownText(vote.note)}`}`);
    }
  }
  for (const ticket of approval.tickets ?? [])
    field('ticket', `${printable(ticket.key)} (${printable(ticket.channel)})${ticket.url === null ? '' : ` ${printable(ticket.url)}`}`);
  if (approval.url !== undefined) field('link', approval.url);
  return out;
}
