// The review queue in a real browser: an action that ran under a REVIEW decision is reversed from
// the dashboard, which calls the compensation webhook the agent reported; a flag needs a note.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DESKTOP } from '../helpers/browser.js';
import { startTollgate, type Api, type Tollgate } from '../helpers/tollgate-process.js';
import { POLICY } from '../policy.js';

let server: Tollgate;
let page: Page;
let bot: Api;
const calls: { headers: Record<string, unknown>; body: any }[] = [];
let receiver: Server;
let hookUrl = '';

/** Registers the suite; `browser` is the Chromium the entry file launched for all suites. */
export function reviewQueueSuite(browser: () => Browser): void {
  describe('the review queue', () => {
    beforeAll(async () => {
      receiver = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk) => (body += chunk));
        request.on('end', () => {
          calls.push({ headers: request.headers, body: JSON.parse(body) });
          response.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/undo`;
      server = await startTollgate(POLICY);
      await server.person('rita', 'approver', ['release-managers']);
      bot = await server.agent('config-bot');
      page = await browser().newPage({ viewport: DESKTOP });
      await page.goto(server.url);
      await page.getByLabel('Name').fill('rita');
      await page.getByLabel('Password').fill('rita-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    }, 60_000);

    afterAll(async () => {
      // The page's live stream would hold the server's shutdown open.
      await page?.close();
      await server?.close();
      receiver?.close();
    });

    /** Runs a config change that needs no approval and reports it done, with how to undo it. */
    async function runConfigChange(key: string): Promise<string> {
      const submitted = await bot('POST', '/v1/actions', {
        action_type: 'update_config',
        environment: 'production',
        key,
        value: 'on',
        summary: `Turn ${key} on in production`,
      });
      expect(submitted.body.decision).toBe('REVIEW');
      const outcome = await bot('POST', `/v1/actions/${submitted.body.id}/outcome`, {
        status: 'succeeded',
        detail: `${key} is on`,
        compensation: { webhook: hookUrl },
      });
      expect(outcome.status).toBe(200);
      return submitted.body.id as string;
    }

    it('reverses an executed action through its compensation webhook', async () => {
      const id = await runConfigChange('fast_pay');
      await page.getByRole('link', { name: 'Reviews' }).click();
      const row = page.locator(`[data-action="${id}"]`);
      await row.waitFor();
      expect(await row.textContent()).toContain('outcome: succeeded: fast_pay is on');
      await row.getByRole('button', { name: 'Reverse…' }).click();
      // Before confirming, the reviewer sees where the agent said the undo goes.
      expect(await row.getByTestId('reversal-target').textContent()).toBe(
        `Reverse will POST to ${hookUrl} (an address the agent reported)`,
      );
      await row.getByRole('button', { name: 'Confirm: run its compensation' }).click();
      await expect.poll(() => page.getByTestId('result').textContent()).toContain('Reversed: Turn fast_pay on in production');
      expect(calls).toHaveLength(1);
      expect(calls[0]!.body).toMatchObject({ type: 'tollgate.action.reverse', data: { action_id: id, reviewer: 'rita' } });
      expect(calls[0]!.headers['webhook-signature']).toMatch(/^v1,/);
      expect((await bot('GET', `/v1/actions/${id}`)).body.status).toBe('reversed');
      await row.waitFor({ state: 'detached' });
      await page.getByRole('button', { name: 'Reviewed' }).click();
      await expect.poll(() => page.locator(`[data-action="${id}"]`).textContent()).toContain('reversed');
    }, 40_000);

    it('asks for a note before flagging, then flags the action as a miss', async () => {
      const id = await runConfigChange('slow_path');
      await page.getByRole('button', { name: 'To review' }).click();
      const row = page.locator(`[data-action="${id}"]`);
      await row.waitFor();
      await row.getByRole('button', { name: 'Flag' }).click();
      await expect.poll(() => row.getByRole('alert').textContent()).toContain('a flag needs a note');
      await row.getByLabel('Note (required to flag)').fill('this turned on the slow path for every customer');
      await row.getByRole('button', { name: 'Flag' }).click();
      await expect.poll(() => page.getByTestId('result').textContent()).toContain('Flagged as a miss');
      expect(calls).toHaveLength(1);
    }, 30_000);

    it('says "no data", never 0%, on the oversight page of a team that has decided nothing yet', async () => {
      await page.getByRole('link', { name: 'Oversight' }).click();
      const tile = (id: string) => page.locator(`[data-stat="${id}"]`);
      await expect.poll(() => tile('approval-rate').locator('.value').textContent()).toBe('no data');
      expect(await tile('approval-rate').textContent()).toContain('nothing decided by people in this window');
      expect(await tile('time-to-decision').locator('.value').textContent()).toBe('no data');
      // Two config changes ran and one was reversed: that is data, a real 50%.
      expect(await tile('reversal-rate').locator('.value').textContent()).toBe('50%');

      const series = (await (await server.as('rita'))('GET', '/v1/metrics/series?window=30d&bucket=day')).body;
      expect(series.points.every((point: { approval_rate: number | null }) => point.approval_rate === null)).toBe(true);
      const approval = page.locator('[data-chart="series-approval-rate"]');
      await expect.poll(() => approval.locator('rect.no-data').count()).toBe(series.points.length);
      expect(await approval.locator('circle').count()).toBe(0);
      expect(await approval.locator('svg desc').textContent()).toContain('approval rate: no data.');
      // No request was made, and that is a count of zero: a sliver at zero, not a gap.
      const requests = page.locator('[data-chart="series-volume"] [data-series="requests"] rect');
      expect(await requests.count()).toBe(series.points.length);
      for (const bar of await requests.all()) expect(await bar.getAttribute('data-value')).toBe('0');
      const reversals = page.locator('[data-chart="series-problems"] [data-series="reversal rate"] circle');
      expect(await reversals.last().getAttribute('data-value')).toBe(String(series.points.at(-1).reversal_rate));
    }, 30_000);
  });
}
