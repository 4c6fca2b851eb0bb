// Who is signed in, shared by the shell and the pages that depend on a person's role and groups.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Me } from './api/types.js';

export const SessionContext = createContext<Me | undefined>(undefined);

export function useMe(): Me {
  const me = useContext(SessionContext);
  if (me === undefined) throw new Error('useMe outside a signed-in page');
  return me;
}

export const canDecide = (me: Me): boolean => me.role === 'admin' || me.role === 'approver';
export const canReadAudit = (me: Me): boolean => me.role === 'admin' || me.role === 'auditor';
