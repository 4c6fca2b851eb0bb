// Whether a decision's route lets an MCP client's own user answer the request in the client
// (MCP elicitation), for the action's risk: the rule a proxy asks by and a server records by.

import { isRiskTier, riskRank } from '../decision.js';
import type { ApprovalRoute } from './types.js';

/** True when the route says `elicitation: allowed` and the risk is at most its `max_risk` (an unknown risk only without one). */
export function elicitationAllows(route: ApprovalRoute | undefined, risk: string | null | undefined): boolean {
  const rule = route?.elicitation;
  if (rule === undefined || !rule.allowed) return false;
  if (rule.max_risk === undefined) return true;
  return isRiskTier(risk) && riskRank(risk) <= riskRank(rule.max_risk);
}
