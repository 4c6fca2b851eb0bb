// Behind a load balancer every request comes from the balancer's address: the per-address limits
// would then lock every client out together. With --trust-proxy they count the address the proxy
// reports; without it, X-Forwarded-For is ignored, so a client cannot choose its own address.

import { afterEach, describe, expect, it } from 'vitest';
import { serveConfig, trustedProxies } from '../../src/config/config.js';
import { CREDENTIAL_FAILURES_PER_ADDRESS } from '../../src/http/app.js';
import { startHarness, type Harness } from './harness.js';

const POLICY = 'rules:\n  - name: allow-all\n    match: {}\n    decision: ALLOW\n';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Sends unknown credentials from `address` (as a proxy reports it) until the address is refused. */
async function exhaust(h: Harness, address: string): Promise<void> {
  for (let i = 0; i < CREDENTIAL_FAILURES_PER_ADDRESS; i++) {
    const answer = await h.send('GET', '/v1/agents', { token: `tg_key_made_up_${i}`, headers: { 'x-forwarded-for': address } });
    expect(answer.status).toBe(401);
  }
  const refused = await h.send('GET', '/v1/agents', { token: 'tg_key_made_up', headers: { 'x-forwarded-for': address } });
  expect(refused.status).toBe(429);
}

describe('--trust-proxy', () => {
  it('counts failures per address the proxy reports, so one client cannot lock out the others', async () => {
    harness = await startHarness(POLICY, { serve: { rateLimit: 100, trustProxy: '1' } });
    const agent = await harness.agent('deploy-bot');
    await exhaust(harness, '203.0.113.7');
    const other = await harness.send('POST', '/v1/actions', {
      token: agent.token,
      body: { action_type: 'deploy' },
      headers: { 'x-forwarded-for': '198.51.100.20' },
    });
    expect(other.status).toBe(201);
    const same = await harness.send('POST', '/v1/actions', {
      token: agent.token,
      body: { action_type: 'deploy' },
      headers: { 'x-forwarded-for': '203.0.113.7' },
    });
    expect(same.status).toBe(429);
  });

  it('ignores X-Forwarded-For when no proxy is trusted: a client cannot pick a fresh address', async () => {
    harness = await startHarness(POLICY, { serve: { rateLimit: 100 } });
    await exhaust(harness, '203.0.113.7');
    const renamed = await harness.send('GET', '/v1/agents', { token: 'tg_key_made_up', headers: { 'x-forwarded-for': '198.51.100.20' } });
    expect(renamed.status).toBe(429);
  });

  it('takes a number of hops or addresses and refuses anything else, naming the setting', () => {
    expect(trustedProxies('1')).toBe(1);
    expect(trustedProxies(' 10.0.0.0/8, 192.168.1.5 ,::1')).toBe('10.0.0.0/8,192.168.1.5,::1');
    expect(trustedProxies('')).toBeUndefined();
    expect(() => trustedProxies('true')).toThrow(/--trust-proxy .* not `true`/);
    expect(() => trustedProxies('10.0.0.1,everyone')).toThrow(/not `everyone`/);
    expect(serveConfig({}, { TOLLGATE_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(serveConfig({ trustProxy: '10.1.2.3' }, { TOLLGATE_TRUST_PROXY: '2' }).trustProxy).toBe('10.1.2.3');
  });
});
