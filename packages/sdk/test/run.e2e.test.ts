// `Tollgate.run` and `check` against a real server: allowed actions run and report their outcome,
// denials, timeouts and requests for changes are told apart, and nothing runs that should not.

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ActionDenied,
  ApprovalPending,
  ChangesRequested,
  Tollgate,
  TollgateRequestError,
  TollgateUnavailable,
  type ActionView,
} from '@tollgate/sdk';
import { startTollgate, type Approver, type TollgateServer } from './helpers/tollgate-server.js';
import { POLICY } from './policy.js';

describe('Tollgate.run against a real server', () => {
  let server: TollgateServer;
  let tollgate: Tollgate;
  let alice: Approver;
  let apiKey: string;

  beforeAll(async () => {
    server = await startTollgate(POLICY);
    apiKey = await server.key('deploy-bot');
    tollgate = new Tollgate({ baseUrl: server.url, apiKey });
    alice = await server.approver('alice');
  });
  afterAll(() => server?.close());

  it('runs an allowed action once and reports its outcome with the compensation it returned', async () => {
    const fn = vi.fn((action: Record<string, unknown>, _view: ActionView) => ({
      deployed: action.version,
      compensation: { capability: 'rollback', to: 'v1' },
    }));
    const result = await tollgate.run({ action: 'deploy', environment: 'staging', version: 'v2' }, fn);
    expect(result.deployed).toBe('v2');
    expect(fn).toHaveBeenCalledTimes(1);
    // The function sees the action as the server stored it.
    expect(fn.mock.calls[0]![0]).toMatchObject({ action_type: 'deploy', agent: 'deploy-bot', version: 'v2' });
    const view = fn.mock.calls[0]![1];
    const stored = await server.action(view.id);
    expect(stored.status).toBe('executed');
    expect(stored.outcome).toMatchObject({ status: 'succeeded', compensation: { capability: 'rollback', to: 'v1' } });
    expect(stored.outcome.detail).toContain('"deployed":"v2"');
  });

  it('uses the outcome option for the detail and compensation', async () => {
    const view = await new Promise<ActionView>((resolve, reject) => {
      tollgate
        .run({ action_type: 'scale', replicas: 3 }, (_action, v) => (resolve(v), 3), {
          outcome: (replicas) => ({ detail: `scaled to ${replicas}`, compensation: { capability: 'scale', replicas: 1 } }),
        })
        .catch(reject);
    });
    await expect.poll(async () => (await server.action(view.id)).outcome?.detail).toBe('scaled to 3');
    expect((await server.action(view.id)).outcome.compensation).toEqual({ capability: 'scale', replicas: 1 });
  });

  it('reports a failure with the error and lets the error through', async () => {
    let id = '';
    await expect(
      tollgate.run({ action_type: 'restart', service: 'api' }, (_a, view) => {
        id = view.id;
        throw new Error('the service did not come back');
      }),
    ).rejects.toThrow('the service did not come back');
    const stored = await server.action(id);
    expect(stored.status).toBe('failed');
    expect(stored.outcome).toMatchObject({ status: 'failed', detail: 'the service did not come back' });
  });

  it('throws ActionDenied with the policy reasons and never runs a denied action', async () => {
    const fn = vi.fn();
    const error = await tollgate.run({ action_type: 'drop_table', table: 'users' }, fn).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActionDenied);
    expect(error).toMatchObject({ code: 'sdk.denied', deniedBy: 'policy', reasons: ['agents never drop tables'] });
    expect((error as Error).message).toContain('agents never drop tables');
    expect(fn).not.toHaveBeenCalled();
  });

  it('check answers the decision at once, without waiting for people', async () => {
    const view = await tollgate.check({ action_type: 'deploy', environment: 'production' });
    expect(view).toMatchObject({ decision: 'REQUIRE_APPROVAL', status: 'pending' });
    expect(view.approval?.url).toContain(`/approvals/${view.approval!.id}`);
    expect((await tollgate.check({ action_type: 'drop_table' })).decision).toBe('DENY');
  });

  it('waits for a person who approves, then runs once with the grant', async () => {
    const fn = vi.fn(() => 'deployed');
    let pending: ActionView | undefined;
    const result = await tollgate.run({ action_type: 'deploy', environment: 'production', version: 'v3' }, fn, {
      wait: 30,
      onPending: async (view) => {
        pending = view;
        // A person decides while the agent is long-polling.
        setTimeout(() => void alice.approve(view.approval!.id, 'looks good'), 200);
      },
    });
    expect(result).toBe('deployed');
    expect(fn).toHaveBeenCalledTimes(1);
    const stored = await server.action(pending!.id);
    expect(stored.status).toBe('executed');
    const again = await new Tollgate({ baseUrl: server.url, apiKey }).get(pending!.id);
    expect(again.grant?.used).toBe(true);
  });

  it('throws ActionDenied with the note of the person who denied it', async () => {
    const fn = vi.fn();
    const error = await tollgate
      .run({ action_type: 'deploy', environment: 'production', version: 'v4' }, fn, {
        onPending: (view) => void setTimeout(() => void alice.deny(view.approval!.id, 'freeze until Monday'), 100),
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActionDenied);
    expect(error).toMatchObject({ deniedBy: 'person', note: 'freeze until Monday' });
    expect(fn).not.toHaveBeenCalled();
  });

  it('throws ChangesRequested with the feedback, and a revision linked to it can run', async () => {
    const action = { action_type: 'deploy', environment: 'production', version: 'v5' };
    const error = (await tollgate
      .run(action, vi.fn(), {
        onPending: (view) => void setTimeout(() => void alice.requestChanges(view.approval!.id, 'add a canary'), 100),
      })
      .catch((e: unknown) => e)) as ChangesRequested;
    expect(error).toBeInstanceOf(ChangesRequested);
    expect(error.feedback).toBe('add a canary');
    const revised = await tollgate.run({ ...action, canary: true, revision_of: error.revisionOf }, (_a, view) => view, {
      onPending: (view) => void setTimeout(() => void alice.approve(view.approval!.id), 100),
    });
    expect(revised.revision_of).toBe(error.revisionOf);
  });

  it('throws ApprovalPending with the link when the budget runs out, and resumes by id later', async () => {
    const fn = vi.fn(() => 'ran');
    const pending = (await tollgate
      .run({ action_type: 'deploy', environment: 'production', version: 'v6' }, fn, { wait: 0.3 })
      .catch((e: unknown) => e)) as ApprovalPending;
    expect(pending).toBeInstanceOf(ApprovalPending);
    expect(pending.message).toMatch(/^pending approval http:\/\/\S+\/approvals\/apr_\S+; retry the same call after a person approves it/);
    expect(fn).not.toHaveBeenCalled();

    const view = await tollgate.get(pending.actionId!);
    await alice.approve(view.approval!.id);
    expect(await tollgate.run({ resume: pending.actionId! }, fn)).toBe('ran');
    expect(fn).toHaveBeenCalledTimes(1);
    await expect(tollgate.run({ resume: pending.actionId! }, fn)).rejects.toMatchObject({
      code: 'sdk.already_run',
      reason: 'outcome_reported',
    });
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('will not resume an allowed action, since nothing proves it did not run before', async () => {
    const view = await tollgate.check({ action_type: 'restart', service: 'web' });
    const fn = vi.fn();
    await expect(tollgate.run({ resume: view.id }, fn)).rejects.toMatchObject({ code: 'sdk.already_run', reason: 'no_grant' });
    expect(fn).not.toHaveBeenCalled();
  });

  it('passes the server’s error code and field for a bad action', async () => {
    const error = await tollgate.run({ environment: 'staging' }, vi.fn()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TollgateRequestError);
    expect(error).toMatchObject({ status: 400, code: 'action.invalid', details: { field: 'action_type' } });
  });

  it('throws TollgateUnavailable, and runs nothing, when the server cannot be reached', async () => {
    const fn = vi.fn();
    const offline = new Tollgate({ baseUrl: 'http://127.0.0.1:9', apiKey: 'key', requestTimeoutMs: 2000 });
    const error = await offline.run({ action_type: 'deploy' }, fn).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TollgateUnavailable);
    expect((error as Error).message).toContain('tollgate at http://127.0.0.1:9 is unavailable');
    expect(fn).not.toHaveBeenCalled();
  });

  it('refuses options that cannot work, naming them', () => {
    expect(() => new Tollgate({ baseUrl: 'localhost:7300', apiKey: 'k' })).toThrow('`baseUrl`');
    expect(() => new Tollgate({ baseUrl: server.url, apiKey: '' })).toThrow('`apiKey`');
  });
});
