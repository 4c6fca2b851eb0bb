// Small policies the CLI tests share: the one gate most of them need.

/** Production deploys wait for someone in `approvers`; everything else is allowed. */
export const DEPLOY_GATE = `
defaults: { decision: ALLOW }
rules:
  - name: production-deploys
    match: { action_type: deploy, environment: production }
    decision: REQUIRE_APPROVAL
    approvers: [approvers]
`;
