// The lead's and auditor's pages in a real browser on real data: oversight charts drawn from
// GET /v1/metrics, agents with their track record and level history, the audit trail with its
// chain verification and export, and a draft policy validated and simulated before rollout.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { contentWidth, DESKTOP, PHONE, screenshot } from '../helpers/browser.js';
import { startTollgate, type Api, type Tollgate } from '../helpers/tollgate-process.js';
import { deploy, POLICY } from '../policy.js';

let server: Tollgate;
let page: Page;
let admin: Api;

async function signIn(target: Page, name: string): Promise<void> {
  await target.goto(server.url);
  await target.getByLabel('Name').fill(name);
  await target.getByLabel('Password').fill(`${name}-password`);
  await target.getByRole('button', { name: 'Sign in' }).click();
  await target.getByRole('heading', { name: 'Inbox' }).waitFor();
}

/** Registers the suite; `browser` is the Chromium the entry file launched for all suites. */
export function oversightSuite(browser: () => Browser): void {
  describe('the oversight, agents, audit and policy pages', () => {
    beforeAll(async () => {
      server = await startTollgate(POLICY);
      await server.person('ada', 'admin');
      await server.person('alice', 'approver', ['release-managers']);
      await server.person('bob', 'approver', ['release-managers']);
      admin = await server.as('ada');
      const alice = await server.as('alice');
      const bob = await server.as('bob');
      const bot = await server.agent('deploy-bot');
      const configBot = await server.agent('config-bot');
      // Five release reviews: three approved (one with a note), one denied, one still waiting.
      const verdicts: [Api, Record<string, unknown>][] = [
        [alice, { verdict: 'approve' }],
        [bob, { verdict: 'approve', note: 'checked the canary' }],
        [alice, { verdict: 'approve' }],
        [bob, { verdict: 'deny', note: 'no rollback recorded' }],
      ];
      for (const [index, [person, vote]] of verdicts.entries()) {
        const submitted = await bot('POST', '/v1/actions', deploy(`v5.${index}.0`));
        const approval = (await bot('GET', `/v1/actions/${submitted.body.id}`)).body.approval.id;
        expect((await person('POST', `/v1/approvals/${approval}/votes`, vote)).status).toBe(201);
      }
      await bot('POST', '/v1/actions', deploy('v5.9.0'));
      // Twenty deletions waved through at once by one person: rubber-stamping by a single approver.
      for (let index = 0; index < 20; index++) {
        const submitted = await bot('POST', '/v1/actions', { action_type: 'delete', environment: 'production', table: `tmp_${index}` });
        expect((await alice('POST', `/v1/approvals/${submitted.body.approval.id}/votes`, { verdict: 'approve' })).status).toBe(201);
      }
      // A config change that ran and was flagged afterwards: a miss.
      const change = await configBot('POST', '/v1/actions', { action_type: 'update_config', key: 'retries', value: 0 });
      await configBot('POST', `/v1/actions/${change.body.id}/outcome`, { status: 'succeeded' });
      expect(
        (await alice('POST', `/v1/actions/${change.body.id}/review`, { verdict: 'flag', note: 'retries off broke checkout' })).status,
      ).toBe(200);
      expect((await admin('POST', '/v1/agents/deploy-bot/level', { level: 1, reason: 'a clean month of deploys' })).status).toBe(200);
      page = await browser().newPage({ viewport: DESKTOP });
      await signIn(page, 'ada');
    }, 90_000);

    afterAll(async () => {
      // The page's live stream would hold the server's shutdown open.
      await page?.close();
      await server?.close();
    });

    it('draws the oversight charts from the metrics the server computes', async () => {
      const metrics = (await admin('GET', '/v1/metrics?window=30d')).body;
      expect(metrics.warnings.map((w: { kind: string }) => w.kind)).toContain('rubber_stamping');
      await page.getByRole('link', { name: 'Oversight' }).click();
      await page.getByRole('heading', { name: 'Oversight' }).waitFor();
      await expect
        .poll(() => page.locator('[data-stat="approval-rate"] .value').textContent())
        .toBe(`${Math.round(metrics.totals.approval_rate * 1000) / 10}%`);
      expect(await page.locator('[data-stat="miss-rate"] .value').textContent()).toBe(
        `${Math.round(metrics.totals.miss_rate * 1000) / 10}%`,
      );

      const gate = metrics.gates.find((g: { gate: string }) => g.gate === 'production-deploys');
      const gateBar = page.locator('[data-chart="gate-rates"] [data-row="production-deploys"] rect');
      expect(await gateBar.getAttribute('data-value')).toBe(String(gate.approval_rate));
      expect(Number(await gateBar.getAttribute('width'))).toBeGreaterThan(0);
      const p50 = page.locator('[data-chart="time-to-decision"] [data-row="production-deploys"] rect[data-series="p50"]');
      expect(await p50.getAttribute('data-value')).toBe(String(gate.time_to_decision_ms.p50));
      for (const approver of metrics.approvers as { name: string; load_per_day: number }[]) {
        const bar = page.locator(`[data-chart="approver-load"] [data-row="${approver.name}"] rect`);
        expect(await bar.getAttribute('data-value')).toBe(String(approver.load_per_day));
      }
      await page.locator('[data-chart="rates-by-window"] rect').first().waitFor();
      const monthly = page.locator('[data-chart="rates-by-window"] [data-row="last 30 days"] rect[data-series="approval rate"]');
      expect(await monthly.getAttribute('data-value')).toBe(String(metrics.totals.approval_rate));
      const shown = await page.getByRole('region', { name: 'Warnings' }).textContent();
      for (const warning of metrics.warnings as { message: string }[]) expect(shown).toContain(warning.message);
      expect(shown).toContain('quick approvals');
      await screenshot(page, 'oversight-desktop');

      const phone = await browser().newPage({ viewport: PHONE, isMobile: true, hasTouch: true });
      await signIn(phone, 'ada');
      await phone.goto(`${server.url}/oversight`);
      await phone.locator('[data-chart="rates-by-window"] rect').first().waitFor();
      expect(await contentWidth(phone)).toBeLessThanOrEqual(PHONE.width);
      await screenshot(phone, 'oversight-phone');
      await phone.close();
    }, 60_000);

    it('shows each agent’s level, track record and level history', async () => {
      await page.getByRole('link', { name: 'Agents' }).click();
      const row = page.locator('[data-agent="config-bot"]');
      await row.waitFor();
      expect(await row.textContent()).toContain('1 flagged');
      await page.getByRole('link', { name: 'deploy-bot' }).click();
      await page.getByRole('heading', { level: 1, name: 'deploy-bot' }).waitFor();
      const history = page.getByRole('region', { name: 'Level history' });
      await expect.poll(() => history.textContent()).toContain('a clean month of deploys');
      expect(await page.getByRole('region', { name: 'By action class' }).textContent()).toContain('deploy');

      await page.getByLabel('Level', { exact: true }).selectOption('2');
      await page.getByRole('button', { name: 'Set level' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toContain('say why the level changes');
      await page.getByLabel('Reason (required)').fill('no reversals in 200 deploys');
      await page.getByRole('button', { name: 'Set level' }).click();
      await expect.poll(() => history.textContent()).toContain('no reversals in 200 deploys');
      expect(await page.locator('.stat').first().textContent()).toContain('2');
    }, 30_000);

    it('searches the audit trail, verifies its chain and links its export', async () => {
      await page.getByRole('link', { name: 'Audit' }).click();
      await expect.poll(() => page.getByTestId('verify').textContent()).toMatch(/Intact: \d+ events/);
      await page.getByLabel('Event type').fill('vote.cast');
      await page.getByRole('button', { name: 'Filter' }).click();
      await expect.poll(() => page.locator('table.audit tbody tr').count()).toBe(24);
      await page.getByLabel('Search this page').fill('no rollback recorded');
      await expect.poll(() => page.locator('table.audit tbody tr').count()).toBe(1);
      const href = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
      const exported = await page.request.get(`${server.url}${href}`);
      expect(exported.status()).toBe(200);
      expect(exported.headers()['content-type']).toContain('text/csv');
      expect((await exported.text()).split('\n')[0]).toContain('seq');
    }, 30_000);

    it('validates a draft policy and simulates it against the stored history', async () => {
      await page.getByRole('link', { name: 'Policy' }).click();
      await page.getByRole('heading', { name: 'Live policy' }).waitFor();
      await page.getByLabel('YAML').fill('rules:\n  - name: x\n    mtach: { action_type: deploy }\n');
      await page.getByRole('button', { name: 'Validate and simulate' }).click();
      await expect.poll(() => page.getByTestId('draft-invalid').textContent()).toMatch(/mtach/);

      await page.getByRole('button', { name: 'Start from the live policy' }).click();
      const first = page.getByLabel('YAML').first();
      const live = await first.inputValue();
      await first.fill(live.replace('decision: REVIEW', 'decision: REQUIRE_APPROVAL'));
      await page.getByRole('button', { name: 'Validate and simulate' }).click();
      const report = page.getByTestId('simulation');
      await expect.poll(() => report.textContent()).toContain('The draft loads');
      expect(await report.textContent()).toMatch(/1 would change \(1 stricter, 0 looser\)/);
    }, 30_000);
  });
}
