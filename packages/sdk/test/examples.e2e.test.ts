// The deploy agent example against a real server on the guide's policy (what `tollgate demo`
// serves): staging deploys run at once, production waits for a person and records the rollback.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { Tollgate } from '@tollgate/sdk';
import { deploy, type Deployments } from '../../../examples/agents/deploy-agent.js';
import { startTollgate, type Approver, type TollgateServer } from './helpers/tollgate-server.js';

let server: TollgateServer;
let tollgate: Tollgate;
let alice: Approver;

beforeAll(async () => {
  server = await startTollgate({ path: 'examples/guide' });
  tollgate = new Tollgate({ baseUrl: server.url, apiKey: await server.key('deploy-bot') });
  alice = await server.approver('alice');
});
afterAll(() => server?.close());

it('deploys to staging at once', async () => {
  const deployments: Deployments = new Map();
  expect(await deploy(tollgate, deployments, { service: 'checkout', version: 'v2', environment: 'staging' })).toBe('v2');
  expect(deployments.get('checkout@staging')).toBe('v2');
});

it('deploys to production once a person approves, recording how to roll back', async () => {
  const deployments: Deployments = new Map([['checkout@production', 'v1']]);
  let pendingId = '';
  const deployed = await deploy(
    tollgate,
    deployments,
    { service: 'checkout', version: 'v2', environment: 'production' },
    {
      onPending: (id) => {
        pendingId = id;
        void server.pendingApproval().then((approval) => alice.approve(approval.id, 'release notes checked'));
      },
    },
  );
  expect(deployed).toBe('v2');
  expect(deployments.get('checkout@production')).toBe('v2');
  const stored = await server.action(pendingId);
  expect(stored.outcome).toMatchObject({
    status: 'succeeded',
    detail: 'deployed v2 (was v1)',
    compensation: { capability: 'kubernetes-deploy', service: 'checkout', version: 'v1' },
  });
});
