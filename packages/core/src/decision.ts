// The four decisions and the risk tiers, ordered from least to most restrictive.

export const DECISIONS = ['ALLOW', 'REVIEW', 'REQUIRE_APPROVAL', 'DENY'] as const;
export type Decision = (typeof DECISIONS)[number];

export const RISK_TIERS = ['low', 'medium', 'high', 'critical'] as const;
export type RiskTier = (typeof RISK_TIERS)[number];

const DECISION_RANK: Record<Decision, number> = { ALLOW: 0, REVIEW: 1, REQUIRE_APPROVAL: 2, DENY: 3 };
const RISK_RANK: Record<RiskTier, number> = { low: 0, medium: 1, high: 2, critical: 3 };

export function decisionRank(decision: Decision): number {
  return DECISION_RANK[decision];
}

export function stricter(a: Decision, b: Decision): Decision {
  return DECISION_RANK[a] >= DECISION_RANK[b] ? a : b;
}

export function riskRank(risk: RiskTier): number {
  return RISK_RANK[risk];
}

export function isDecision(value: unknown): value is Decision {
  return typeof value === 'string' && (DECISIONS as readonly string[]).includes(value);
}

export function isRiskTier(value: unknown): value is RiskTier {
  return typeof value === 'string' && (RISK_TIERS as readonly string[]).includes(value);
}
