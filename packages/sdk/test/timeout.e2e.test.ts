// An approval request that nobody decides before its deadline ends as ApprovalTimedOut — a
// timeout, never reported as a person's denial — and the action does not run.

import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { ActionDenied, ApprovalTimedOut, Tollgate } from '@tollgate/sdk';
import { startTollgate, type TollgateServer } from './helpers/tollgate-server.js';

let server: TollgateServer;
let tollgate: Tollgate;

beforeAll(async () => {
  server = await startTollgate(`
defaults:
  decision: REQUIRE_APPROVAL
  approvers: [approvers]
  timeout: 1s
  on_timeout: deny
`);
  tollgate = new Tollgate({ baseUrl: server.url, apiKey: await server.key('ops-bot') });
});
afterAll(() => server?.close());

it('throws ApprovalTimedOut, not ActionDenied, when the deadline passes', async () => {
  const fn = vi.fn();
  const error = await tollgate.run({ action_type: 'scale_up', replicas: 12 }, fn, { wait: 20 }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApprovalTimedOut);
  expect(error).not.toBeInstanceOf(ActionDenied);
  expect(error).toMatchObject({ code: 'sdk.timed_out' });
  expect((error as ApprovalTimedOut).approval?.status).toBe('timed_out');
  expect(fn).not.toHaveBeenCalled();
});
