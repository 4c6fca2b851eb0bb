// @tollgate/core: the pure policy kernel. Everything other packages may use is exported here.

export { DECISIONS, RISK_TIERS, decisionRank, stricter, riskRank, isDecision, isRiskTier } from './decision.js';
export type { Decision, RiskTier } from './decision.js';
export { formatDiagnostic, PolicyError } from './diagnostics.js';
export type { Diagnostic, Severity } from './diagnostics.js';
export { compilePolicy, loadPolicy, policyVersion } from './policy/load.js';
export type { CompiledPolicy, LoadResult, PolicySource } from './policy/load.js';
export type { PolicyFile } from './policy/source.js';
export type { EvaluateOptions, Fact, MissingFact, PolicyDecision, Reason, ReasonKind } from './policy/result.js';
export { explainDecision, describeFact } from './policy/explain.js';
export { lintPolicy, lintBundle } from './policy/lint.js';
export { namedDeciders } from './policy/route-sites.js';
export { readTestFile, runTestCase } from './policy/test-suite.js';
export type { PolicyTestCase, PolicyTestFile, PolicyTestResult } from './policy/test-suite.js';
export { OPERATORS, TICKET_OUTCOMES } from './policy/types.js';
export { elicitationAllows } from './policy/elicitation.js';
export type * from './policy/types.js';
export { canonicalJson } from './util/canonical-json.js';
export { sha256Hex } from './util/sha256.js';
export { parseDuration } from './util/duration.js';
export { visibleText } from './util/visible-text.js';
export type { VisibleTextOptions } from './util/visible-text.js';
export { reduceWorkflow, nextTimer, isOpen } from './workflows/reducer.js';
export { singleStepWorkflow, withRouteDefaults, SINGLE_STEP_ID } from './workflows/single-step.js';
export { checkModifications, actionDigestOf } from './workflows/modify.js';
export { checkEligible } from './workflows/eligibility.js';
export type * from './workflows/state.js';
export * from './metrics/index.js';
