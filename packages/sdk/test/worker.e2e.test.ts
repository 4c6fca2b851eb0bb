// SDK workers on a real server: an analysis worker feeds the approvers, the deploy worker runs
// only after the approval with the grant, and failures are retried or end the request.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentJobError, Tollgate, type Job } from '../src/index.js';
import { eventually, startTollgate, type TollgateServer } from './helpers/tollgate-server.js';

const POLICY = `
defaults: { decision: ALLOW }
rules:
  - name: production-deploys
    match: { action_type: deploy, environment: production }
    decision: REQUIRE_APPROVAL
    workflow: checked-deploy
workflows:
  checked-deploy:
    steps:
      - id: analysis
        type: worker
        config: { capability: deploy-analyzer }
      - id: review
        type: approval
        depends_on: [analysis]
        config: { approvers: [approvers], require: 1 }
      - id: deploy
        type: worker
        depends_on: [review]
        config: { capability: deployer }
`;

describe('SDK workers', () => {
  let server: TollgateServer;
  let agent: Tollgate;
  let analyzer: Tollgate;
  let deployer: Tollgate;

  beforeAll(async () => {
    server = await startTollgate(POLICY);
    agent = new Tollgate({ baseUrl: server.url, apiKey: await server.key('deploy-bot') });
    analyzer = new Tollgate({ baseUrl: server.url, apiKey: await server.workerKey('analyzer', 'deploy-analyzer') });
    deployer = new Tollgate({ baseUrl: server.url, apiKey: await server.workerKey('deployer', 'deployer') });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('analyses, waits for the approval, then deploys the approved action with its grant', async () => {
    const deployed: Job[] = [];
    const analysis = analyzer.worker({
      capability: 'deploy-analyzer',
      wait: 2,
      handler: async (job) => ({ risk: 'low', summary: `3 fixes in ${String(job.action.service)}` }),
    });
    const deploy = deployer.worker({
      capability: 'deployer',
      wait: 2,
      handler: async (job) => {
        deployed.push(job);
        return 'rolled out';
      },
    });
    try {
      const submitted = await agent.check({ action_type: 'deploy', environment: 'production', service: 'checkout' });
      expect(submitted.status).toBe('pending');
      const approval = await server.pendingApproval();
      await eventually(
        async () => ((await server.action(submitted.id)).approval.steps[0].status === 'done' ? true : undefined),
        'the analysis',
      );
      const seen = await server.action(submitted.id);
      expect(seen.approval.steps[0].output).toEqual({ risk: 'low', summary: '3 fixes in checkout' });
      expect(seen.approval.steps[0].worker).toMatchObject({ name: 'analyzer' });
      expect(deployed).toHaveLength(0);
      await (await server.approver('ana')).approve(approval.id, 'analysis looks fine');
      await eventually(async () => ((await server.action(submitted.id)).status === 'executed' ? true : undefined), 'the deploy');
      expect(deployed).toHaveLength(1);
      expect(deployed[0]).toMatchObject({ step: 'deploy', action: { service: 'checkout' }, context: { analysis: { risk: 'low' } } });
      expect(deployed[0]!.grant).toMatch(/^grt_/);
      expect((await server.action(submitted.id)).outcome).toMatchObject({ status: 'succeeded', detail: 'rolled out' });
    } finally {
      await analysis.stop();
      await deploy.stop();
    }
  });

  it('retries a failing job and fails the request on a permanent error', async () => {
    let attempts = 0;
    const flaky = analyzer.worker({
      capability: 'deploy-analyzer',
      wait: 2,
      handler: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('analyzer busy');
        throw new PermanentJobError('the diff cannot be parsed');
      },
    });
    try {
      const submitted = await agent.check({ action_type: 'deploy', environment: 'production', service: 'billing' });
      await eventually(async () => ((await server.action(submitted.id)).status === 'cancelled' ? true : undefined), 'the failed request');
      const seen = await server.action(submitted.id);
      expect(attempts).toBe(2);
      expect(seen.approval).toMatchObject({ status: 'failed', resolution: 'analysis failed: the diff cannot be parsed' });
    } finally {
      await flaky.stop();
    }
  });
});
