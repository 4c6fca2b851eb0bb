// The one-sentence summary of an action, the same way the server's context package words it.

export function oneSentence(action: Record<string, unknown> | null, fallbackAgent = 'an agent'): string {
  if (action === null) return 'an action';
  if (typeof action.summary === 'string' && action.summary.trim() !== '') return action.summary.trim();
  const agent = typeof action.agent === 'string' ? action.agent : fallbackAgent;
  const type = typeof action.action_type === 'string' ? action.action_type : typeof action.action === 'string' ? action.action : 'act';
  const where = typeof action.environment === 'string' ? ` in ${action.environment}` : '';
  return `${agent} wants to ${type}${where}`;
}

export function text(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
