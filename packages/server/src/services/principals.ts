// Who is calling: an agent (by API key) or a person (by session or token).

import type { User } from '../stores/records.js';

export interface AgentPrincipal {
  kind: 'agent';
  tenant_id: string;
  agent: string;
  key_id: string;
}

export interface UserPrincipal {
  kind: 'user';
  tenant_id: string;
  user: User;
}

export type Principal = AgentPrincipal | UserPrincipal;

export function actorOf(principal: Principal): string {
  return principal.kind === 'agent' ? `agent:${principal.agent}` : `user:${principal.user.id}`;
}
