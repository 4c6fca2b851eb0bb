// How `approvals list` and `approvals show` print requests for a person: a table, and a readable
// page in the dashboard's order. Everything the agent wrote goes through `printable`.

import { clip, printable, printableLines } from '../terminal-text.js';

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
    summary?: unknown;
    key_context?: Record<string, unknown>;
    diff?: unknown;
    simulation?: unknown;
    reasoning?: { text?: unknown; confidence?: unknown } | null;
    risk?: { level: string | null; why: Reason[]; missing: { path: string; needed_by: string }[] };
  };
  decision?: { agent?: string; risk?: string | null };
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

const agentOf = (approval: ApprovalSummary): string => printable(approval.action?.agent ?? approval.requested_by ?? '');
const summaryOf = (approval: ApprovalSummary): string => {
  const action = approval.action ?? {};
  return printable(action.summary ?? action.action_type ?? action.action ?? '');
};

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
    for (const line of printableLines(text)) out.push(`  ${line}`);
  };
  const pack = approval.context_package ?? {};
  const action = approval.action ?? {};
  out.push(`${approval.id}  ${approval.status}`);
  field('summary', printable(pack.summary ?? action.summary ?? ''));
  field('agent', printable(approval.decision?.agent ?? action.agent ?? approval.requested_by ?? ''));
  field(
    'action',
    `${printable(action.action_type ?? action.action ?? '')}${action.environment === undefined ? '' : ` in ${printable(action.environment)}`} (${approval.action_id})`,
  );
  field('risk', approval.decision?.risk ?? approval.risk ?? 'not rated');
  field('requested', `${approval.created_at} (${span(now - Date.parse(approval.created_at))} ago)`);
  field('deadline', approval.deadline === null ? 'none' : `${approval.deadline} (${deadlineText(approval.deadline, now)})`);
  field('needs', `${approval.require} of ${approval.approvers.map(printable).join(', ') || 'any approver'}`);
  if (approval.resolution !== null && approval.resolution !== undefined) field('resolution', printable(approval.resolution));
  const why = pack.risk?.why ?? [];
  if (why.length > 0) {
    out.push('why:');
    for (const reason of why)
      out.push(`  - ${printable(reason.name ?? reason.kind ?? '')}: ${printable(reason.reason ?? reason.decision ?? '')}`);
  }
  for (const missing of pack.risk?.missing ?? []) out.push(`  missing: ${printable(missing.path)} (for ${printable(missing.needed_by)})`);
  const criteria = approval.criteria ?? [];
  if (criteria.length > 0) {
    out.push('check:');
    for (const criterion of criteria) out.push(`  - ${printable(criterion)}`);
  }
  const context = Object.entries(pack.key_context ?? {});
  if (context.length > 0) {
    out.push('context:');
    for (const [key, value] of context)
      out.push(`  ${printable(key)}: ${printable(typeof value === 'string' ? value : JSON.stringify(value))}`);
  }
  if (pack.reasoning?.text !== undefined && pack.reasoning.text !== null) {
    const confidence = typeof pack.reasoning.confidence === 'number' ? ` (confidence ${pack.reasoning.confidence})` : '';
    block(`reasoning${confidence}`, pack.reasoning.text);
  }
  if (pack.diff !== undefined && pack.diff !== null)
    block('diff', typeof pack.diff === 'string' ? pack.diff : JSON.stringify(pack.diff, null, 2));
  if (pack.simulation !== undefined && pack.simulation !== null)
    block('dry run', typeof pack.simulation === 'string' ? pack.simulation : JSON.stringify(pack.simulation, null, 2));
  const steps = approval.steps ?? [];
  if (steps.length > 0) {
    out.push('stages:');
    for (const step of steps) {
      const who = step.type === 'approval' ? `, ${step.require ?? 1} of ${(step.approvers ?? []).map(printable).join(', ')}` : '';
      out.push(`  ${printable(step.id)} (${step.type}): ${step.status}${who}`);
      for (const vote of step.votes ?? [])
        out.push(`    ${printable(vote.name)} ${vote.verdict}${vote.note === null ? '' : `: ${printable(vote.note)}`}`);
    }
  }
  if (approval.url !== undefined) field('link', approval.url);
  return out;
}
