// Builds the set of repositories over one executor: the database, or a transaction.

import type { StoreScope } from '../store.js';
import { actionRepository } from './actions.js';
import { apiKeyRepository } from './api-keys.js';
import { approvalEventRepository } from './approval-events.js';
import { approvalRepository } from './approvals.js';
import { jobRepository } from './jobs.js';
import { assignmentRepository } from './assignments.js';
import { agentRecordRepository, agentRepository } from './agents.js';
import { reviewRepository } from './reviews.js';
import { auditRepository } from './audit.js';
import { auditSignatureRepository } from './audit-signatures.js';
import type { RepositoryContext } from './context.js';
import { grantRepository } from './grants.js';
import { standingApprovalRepository } from './standing-approvals.js';
import { sessionRepository } from './sessions.js';
import { signInFailureRepository } from './sign-in-failures.js';
import { settingsRepository } from './settings.js';
import { tenantRepository } from './tenants.js';
import { userRepository } from './users.js';
import { voteRepository } from './votes.js';
import { metricsRepository } from './metrics.js';
import { tenantPolicyRepository } from './tenant-policies.js';
import { shadowDiffRepository } from './shadow-diffs.js';
import { outboxRepository } from './outbox.js';
import { notificationLinkRepository } from './notification-links.js';
import { userIdentityRepository } from './user-identities.js';
import { notificationTicketRepository } from './notification-tickets.js';
import { questionRepository } from './questions.js';

export function createScope(context: RepositoryContext): StoreScope {
  return {
    settings: settingsRepository(context),
    tenants: tenantRepository(context),
    users: userRepository(context),
    keys: apiKeyRepository(context),
    sessions: sessionRepository(context),
    signInFailures: signInFailureRepository(context),
    actions: actionRepository(context),
    approvals: approvalRepository(context),
    approvalEvents: approvalEventRepository(context),
    jobs: jobRepository(context),
    assignments: assignmentRepository(context),
    agents: agentRepository(context),
    agentRecords: agentRecordRepository(context),
    reviews: reviewRepository(context),
    votes: voteRepository(context),
    grants: grantRepository(context),
    standingApprovals: standingApprovalRepository(context),
    audit: auditRepository(context),
    auditSignatures: auditSignatureRepository(context),
    metrics: metricsRepository(context),
    shadowDiffs: shadowDiffRepository(context),
    tenantPolicies: tenantPolicyRepository(context),
    outbox: outboxRepository(context),
    notificationLinks: notificationLinkRepository(context),
    identities: userIdentityRepository(context),
    tickets: notificationTicketRepository(context),
    questions: questionRepository(context),
  };
}
