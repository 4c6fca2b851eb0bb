// The policy the dashboard's end-to-end tests run on: production deploys go through a one-stage
// release review with criteria, a deadline and a bounded modifiable field; config changes run at
// once and are reviewed afterwards.

export const POLICY = {
  'policy.yaml': `
defaults: { decision: ALLOW }
review: { window: 24h }
rules:
  - name: production-deploys
    match: { action_type: deploy, environment: production }
    decision: REQUIRE_APPROVAL
    risk: high
    workflow: release
    reason: production deploys need a release manager
  - name: production-deletes
    match: { action_type: delete, environment: production }
    decision: REQUIRE_APPROVAL
    risk: critical
    approvers: [release-managers]
    criteria: [a backup from today exists]
  - name: config-changes
    match: { action_type: update_config }
    decision: REVIEW
`,
  'release.yaml': `
workflow: release
steps:
  - id: release-review
    type: approval
    config:
      approvers: [release-managers]
      require: 1
      timeout: 2h
      on_timeout: deny
      criteria: [release notes are linked, the rollback is recorded]
      modifiable: { replicas: { min: 1, max: 10 } }
`,
};

/** A production deploy as an agent proposes it, with everything an approver should see. */
export function deploy(version: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    action_type: 'deploy',
    environment: 'production',
    service: 'checkout',
    replicas: 4,
    summary: `Deploy checkout ${version} to production (4 replicas)`,
    reasoning: 'The canary in staging ran for 2 hours with no errors and p99 latency improved by 12%.',
    confidence: 0.86,
    context: {
      release_notes: `https://example.test/releases/${version}`,
      rollback: 'checkout:v2.3.1',
      diff: {
        path: 'deploy/checkout.json',
        before: { image: 'checkout:v2.3.1', replicas: 4, env: { FEATURE_FAST_PAY: false } },
        after: { image: `checkout:${version}`, replicas: 4, env: { FEATURE_FAST_PAY: true } },
      },
      simulation: { pods_replaced: 4, expected_downtime_s: 0, migrations: 'none' },
    },
    ...extra,
  };
}
