// Who is calling: an agent (by agent key), a worker (by worker key) or a person (by session or token).

import type { User } from '../stores/records.js';

export interface AgentPrincipal {
  kind: 'agent';
  tenant_id: string;
  agent: string;
  key_id: string;
}

/** A worker key: it takes the jobs of the capabilities it names, and nothing else. */
export interface WorkerPrincipal {
  kind: 'worker';
  tenant_id: string;
  /** The worker's name: jobs of actions an agent of this name requested are never its own. */
  worker: string;
  key_id: string;
  capabilities: readonly string[];
}

export interface UserPrincipal {
  kind: 'user';
  tenant_id: string;
  user: User;
}

export type Principal = AgentPrincipal | WorkerPrincipal | UserPrincipal;

export function actorOf(principal: Principal): string {
  switch (principal.kind) {
    case 'agent':
      return `agent:${principal.agent}`;
    case 'worker':
      return `worker:${principal.worker}`;
    case 'user':
      return `user:${principal.user.id}`;
  }
}
