// Who may review executed actions: `review.reviewers` names groups of the user directory or of the
// policy's own `groups:` block (DESIGN §4: groups come from either), or people by name.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from './helpers/databases.js';
import { startTestServer, type TestServer } from './helpers/in-process.js';

const POLICY = `
defaults: { decision: ALLOW }
groups:
  data-owners: [rita, sam]
review:
  window: 7d
  reviewers: [data-owners, auditors-on-duty]
rules:
  - name: small-data-fixes
    match: { action_type: update }
    decision: REVIEW
`;

describe('reviewers named by the policy', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer((await createTestDatabase('sqlite')).url, { 'policy.yaml': POLICY });
  });
  afterAll(() => server?.close());

  it('lets a member of a policy group review, as well as a member of a directory group, and refuses anyone else', async () => {
    const bot = await server.agent('data-bot');
    const fix = async () => (await bot('POST', '/v1/actions', { action_type: 'update', affected_records: 20 })).body.id as string;
    // Rita is in `data-owners` only through the policy's `groups:`; Quinn through the directory.
    const rita = await server.person('rita', 'approver');
    const quinn = await server.person('quinn', 'approver', { groups: ['auditors-on-duty'] });
    const olga = await server.person('olga', 'approver', { groups: ['oncall'] });
    expect((await rita('POST', `/v1/actions/${await fix()}/review`, { verdict: 'ok' })).status).toBe(200);
    expect((await quinn('POST', `/v1/actions/${await fix()}/review`, { verdict: 'ok' })).status).toBe(200);
    const refused = await olga('POST', `/v1/actions/${await fix()}/review`, { verdict: 'ok' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('review.not_allowed');
  });
});
