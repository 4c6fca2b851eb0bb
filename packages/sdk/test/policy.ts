// The policy the SDK tests run against: production deploys need a person (who may change the
// version), dropping tables is refused, everything else is allowed.

export const POLICY = `
rules:
  - name: production-deploys
    match: { action_type: deploy, environment: production }
    decision: REQUIRE_APPROVAL
    reason: production deploys need a person
    modifiable: [version]
  - name: never-drop-tables
    match: { action_type: drop_table }
    decision: DENY
    reason: agents never drop tables
defaults:
  decision: ALLOW
  approvers: [approvers]
`;
