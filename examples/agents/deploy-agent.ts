// A deploy agent on the plain SDK: asks Tollgate before deploying, waits for a person when the
// policy says so, deploys exactly once with the grant, and reports the rollback as compensation.
// Run: TOLLGATE_API_KEY=… npx tsx examples/agents/deploy-agent.ts production v2.4.0 [--resume act_…]

import { ActionDenied, ApprovalPending, ApprovalTimedOut, ChangesRequested, Tollgate } from '@tollgate/sdk';

export interface Release {
  service: string;
  version: string;
  environment: string;
}

/** What is live where: the deployment system in a real agent. */
export type Deployments = Map<string, string>;

export async function deploy(
  tollgate: Tollgate,
  deployments: Deployments,
  release: Release | { resume: string },
  options: { wait?: number; onPending?: (id: string, url: string | undefined) => void } = {},
): Promise<string> {
  const action =
    'resume' in release
      ? release
      : {
          action_type: 'deploy',
          environment: release.environment,
          service: release.service,
          version: release.version,
          summary: `Deploy ${release.service} ${release.version} to ${release.environment}`,
          reasoning: 'all checks passed on the release branch',
          reversible: true,
        };
  return tollgate
    .run(
      action,
      (approved) => {
        const key = `${String(approved.service)}@${String(approved.environment)}`;
        const previous = deployments.get(key) ?? 'none';
        deployments.set(key, String(approved.version));
        return { deployed: approved.version, previous };
      },
      {
        wait: options.wait ?? 600,
        onPending: (view) => options.onPending?.(view.id, view.approval?.url),
        outcome: (result, approved) => ({
          detail: `deployed ${String(result.deployed)} (was ${result.previous})`,
          compensation: { capability: 'kubernetes-deploy', service: approved.service, version: result.previous },
        }),
      },
    )
    .then((result) => String(result.deployed));
}

if (process.argv[1]?.endsWith('deploy-agent.ts')) {
  const [environment = 'staging', version = 'v2.4.0', flag, resumeId] = process.argv.slice(2);
  const tollgate = new Tollgate({
    baseUrl: process.env.TOLLGATE_URL ?? 'http://127.0.0.1:7300',
    apiKey: process.env.TOLLGATE_API_KEY ?? '',
  });
  const release = flag === '--resume' && resumeId !== undefined ? { resume: resumeId } : { service: 'checkout', version, environment };
  try {
    const deployed = await deploy(tollgate, new Map(), release, {
      onPending: (id, url) => console.log(`waiting for approval at ${url} (resume with --resume ${id})`),
    });
    console.log(`deployed ${deployed}`);
  } catch (error) {
    if (error instanceof ChangesRequested)
      console.log(`changes requested: ${error.feedback} (resubmit with revision_of ${error.revisionOf})`);
    else if (error instanceof ActionDenied || error instanceof ApprovalTimedOut || error instanceof ApprovalPending)
      console.log(error.message);
    else throw error;
    process.exitCode = 1;
  }
}
