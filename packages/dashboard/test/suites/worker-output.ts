// A worker step's output in a real browser: the approver reads the analysis with the name of the
// worker that produced it, in the analysis section and in the stages, never as the agent's word.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DESKTOP } from '../helpers/browser.js';
import { startTollgate, type Tollgate } from '../helpers/tollgate-process.js';

const POLICY = {
  'policy.yaml': `
defaults: { decision: ALLOW }
rules:
  - name: analysed-migrations
    match: { action_type: migrate }
    decision: REQUIRE_APPROVAL
    workflow: analysed
workflows:
  analysed:
    steps:
      - { id: ai-analysis, type: worker, config: { capability: migration-analyzer } }
      - { id: review, type: approval, depends_on: [ai-analysis], config: { approvers: [dbas] } }
`,
};

let server: Tollgate;
let page: Page;

export function workerOutputSuite(browser: () => Browser): void {
  describe('a worker step’s output on the decision page', () => {
    beforeAll(async () => {
      server = await startTollgate(POLICY);
      await server.person('alice', 'approver', ['dbas']);
      page = await browser().newPage({ viewport: DESKTOP });
    }, 60_000);

    afterAll(async () => {
      await page?.close();
      await server?.close();
    });

    it('labels the analysis with the worker that produced it', async () => {
      const bot = await server.agent('migrate-bot');
      const analyzer = await server.worker('analyzer-1', 'migration-analyzer');
      const submitted = await bot('POST', '/v1/actions', { action_type: 'migrate', summary: 'Add an index to orders' });
      expect(submitted.status).toBe(201);
      const job = await analyzer('GET', '/v1/jobs/next?capability=migration-analyzer');
      expect(job.status).toBe(200);
      const output = { verdict: 'locks orders for about 40 s', risk: 'medium' };
      expect((await analyzer('POST', `/v1/jobs/${job.body.id}/complete`, { output })).status).toBe(200);

      await page.goto(server.url);
      await page.getByLabel('Name').fill('alice');
      await page.getByLabel('Password').fill('alice-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Inbox' }).waitFor();
      await page.goto(`${server.url}/approvals/${submitted.body.approval.id}`);
      await page.getByRole('heading', { name: 'Decide' }).waitFor();
      const analysis = page.locator('section', { has: page.getByRole('heading', { name: 'Analysis from earlier steps' }) });
      await expect.poll(() => analysis.textContent()).toContain('from worker analyzer-1');
      expect(await analysis.textContent()).toContain('locks orders for about 40 s');
      const stages = page.locator('section', { has: page.getByRole('heading', { name: 'Workflow stages' }) });
      expect(await stages.locator('[data-step="ai-analysis"]').textContent()).toContain('from worker analyzer-1');
    }, 60_000);
  });
}
