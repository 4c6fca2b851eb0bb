// The inbox order: the soonest deadline first, then the highest risk, then the oldest request;
// requests with no deadline come after those that have one.

export const RISK_RANK: Record<string, number> = { critical: 4, high: 3, medium: 2, low: 1 };

export interface InboxItem {
  id: string;
  deadline: string | null;
  risk: string | null;
  created_at: string;
}

export function inboxOrder(a: InboxItem, b: InboxItem): number {
  const da = a.deadline === null ? Infinity : Date.parse(a.deadline);
  const db = b.deadline === null ? Infinity : Date.parse(b.deadline);
  if (da !== db) return da < db ? -1 : 1;
  const ra = RISK_RANK[a.risk ?? ''] ?? 0;
  const rb = RISK_RANK[b.risk ?? ''] ?? 0;
  if (ra !== rb) return rb - ra;
  return a.created_at.localeCompare(b.created_at);
}
