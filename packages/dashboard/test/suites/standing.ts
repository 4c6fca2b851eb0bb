// Standing approvals in a real browser against a real server: approving from the decision page
// with "Also approve similar requests" (a request past the policy's bound is refused with the
// server's words), a later action inside the constraints approved at once, the page listing it
// with its uses left, revoking it there, and the next action opening a request again.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { contentWidth, DESKTOP, PHONE, screenshot, signIn } from '../helpers/browser.js';
import { startTollgate, type Api, type Tollgate } from '../helpers/tollgate-process.js';
import { deploy } from '../policy.js';

const POLICY = {
  'policy.yaml': `
defaults: { decision: ALLOW }
rules:
  - name: staging-deploys
    match: { action_type: deploy, environment: staging }
    decision: REQUIRE_APPROVAL
    risk: medium
    approvers: [release-managers]
    standing: { max_for: 8h, max_uses: 5 }
    reason: staging deploys need a release manager
`,
};

/** A staging deploy; each version is its own request (an identical pending one would be taken for a retry). */
const stagingDeploy = (version: string, replicas = 4): Record<string, unknown> =>
  deploy(version, { environment: 'staging', replicas, summary: `Deploy checkout ${version} to staging (${replicas} replicas)` });

let server: Tollgate;
let page: Page;
let bot: Api;

export function standingSuite(browser: () => Browser): void {
  describe('standing approvals in the dashboard', () => {
    beforeAll(async () => {
      server = await startTollgate(POLICY);
      await server.person('alice', 'approver', ['release-managers']);
      bot = await server.agent('deploy-bot');
      page = await browser().newPage({ viewport: DESKTOP });
      await signIn(page, server.url, 'alice');
    }, 60_000);

    afterAll(async () => {
      await page?.close();
      await server?.close();
    });

    it('grants one from the decision page, covers the next action inside its constraints, lists it, and ends at revoke', async () => {
      const first = await bot('POST', '/v1/actions', stagingDeploy('v3.0.0'));
      expect(first.body.status).toBe('pending');
      const approvalId = first.body.approval.id as string;
      await page.goto(`${server.url}/approvals/${approvalId}`);
      await page.getByRole('heading', { name: 'Decide' }).waitFor();

      await page.getByLabel('Also approve similar requests').check();
      // Prefilled to the policy's bound, with the action's own environment as a constraint.
      expect(await page.getByLabel('For (e.g. 30m, 2h)').inputValue()).toBe('8h');
      expect(await page.getByLabel('Uses').inputValue()).toBe('5');
      expect(await page.getByLabel('constrain environment').isChecked()).toBe(true);
      expect(await page.getByLabel('environment value').inputValue()).toBe('staging');
      expect(await page.getByLabel('constrain replicas').isChecked()).toBe(false);

      // More uses than the policy allows: the server's refusal, as it said it, and nothing changes.
      await page.getByLabel('Uses').fill('9');
      await page.getByRole('button', { name: 'Approve', exact: true }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toBe('`standing.uses` must be given and at most 5 here');
      expect((await bot('GET', `/v1/actions/${first.body.id}`)).body.status).toBe('pending');

      await page.getByLabel('For (e.g. 30m, 2h)').fill('2h');
      await page.getByLabel('Uses').fill('3');
      await page.getByLabel('constrain replicas').check();
      await page.getByLabel('replicas comparison').selectOption('lte');
      await page.getByLabel('replicas value').fill('8');
      await page.getByRole('button', { name: 'Approve', exact: true }).click();
      await expect.poll(() => page.getByTestId('result').textContent()).toContain('are now approved at once for 3 uses');
      expect(await page.getByTestId('result').textContent()).toContain('environment = "staging", replicas ≤ 8');
      expect((await bot('GET', `/v1/actions/${first.body.id}`)).body.status).toBe('approved');

      // Inside the constraints: approved at once, no request; outside them (9 replicas): a request as usual.
      const second = await bot('POST', '/v1/actions', stagingDeploy('v3.0.1', 6));
      expect(second.body).toMatchObject({ decision: 'REQUIRE_APPROVAL', status: 'approved' });
      expect(second.body.standing_approval).toMatch(/^sta_/);
      expect(second.body.approval).toBeUndefined();
      const wider = await bot('POST', '/v1/actions', stagingDeploy('v3.0.2', 9));
      expect(wider.body.status).toBe('pending');
      expect(wider.body.standing_approval).toBeUndefined();

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Standing approvals' }).click();
      await page.getByRole('heading', { level: 1, name: 'Standing approvals' }).waitFor();
      const row = page.locator(`tr[data-standing="${second.body.standing_approval as string}"]`);
      await row.waitFor();
      expect(await row.getByTestId('uses-left').textContent()).toBe('2 of 3');
      expect(await row.getByTestId('constraints').textContent()).toBe('environment = "staging", replicas ≤ 8');
      expect(await row.getByTestId('status').textContent()).toBe('active');
      expect(await row.textContent()).toContain('deploy-bot');
      expect(await row.textContent()).toContain('alice');
      expect(await row.textContent()).toMatch(/1 h 59 min left|2 h left/);
      await screenshot(page, 'standing-desktop');

      // Revoking asks first; keeping it changes nothing.
      await row.getByRole('button', { name: 'Revoke…' }).click();
      await row.getByRole('button', { name: 'Keep it' }).click();
      expect((await bot('POST', '/v1/actions', stagingDeploy('v3.0.3', 4))).body.status).toBe('approved');
      await expect.poll(() => row.getByTestId('uses-left').textContent()).toBe('1 of 3');
      await row.getByRole('button', { name: 'Revoke…' }).click();
      await row.getByRole('button', { name: 'Confirm revoke' }).click();
      await expect.poll(() => page.getByTestId('result').textContent()).toContain('Revoked the standing approval for deploy-bot deploy');
      await row.waitFor({ state: 'detached' });
      await page.getByText('No standing approval is active.').waitFor();
      await page.getByRole('button', { name: 'All', exact: true }).click();
      await expect.poll(() => row.getByTestId('status').textContent()).toBe('revoked');

      const third = await bot('POST', '/v1/actions', stagingDeploy('v3.0.4', 4));
      expect(third.body.status).toBe('pending');
      expect(third.body.approval.id).toMatch(/^apr_/);
      expect(third.body.standing_approval).toBeUndefined();
    }, 90_000);

    it('fits a phone: the option with its constraint rows, and the page with its table', async () => {
      const phone = await browser().newPage({ viewport: PHONE, isMobile: true, hasTouch: true });
      const errors: string[] = [];
      phone.on('pageerror', (error) => errors.push(error.message));
      await signIn(phone, server.url, 'alice');
      const pending = await bot('POST', '/v1/actions', stagingDeploy('v3.1.0'));
      await phone.goto(`${server.url}/approvals/${pending.body.approval.id as string}`);
      await phone.getByLabel('Also approve similar requests').check();
      await phone.getByLabel('replicas value').waitFor();
      expect(await contentWidth(phone)).toBeLessThanOrEqual(PHONE.width);
      await phone.goto(`${server.url}/standing`);
      await phone.getByRole('heading', { level: 1, name: 'Standing approvals' }).waitFor();
      await phone.getByRole('button', { name: 'All', exact: true }).click();
      await phone.locator('tr[data-standing]').first().waitFor();
      // The table may scroll inside its own box; the page itself must not scroll sideways.
      expect(await contentWidth(phone)).toBeLessThanOrEqual(PHONE.width);
      expect(errors).toEqual([]);
      await phone.close();
    }, 40_000);
  });
}
