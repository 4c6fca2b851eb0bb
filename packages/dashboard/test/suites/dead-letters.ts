// Undelivered notifications in a real browser: a webhook receiver that refuses a message sends it
// to the dead-letter list, where an auditor sees it and an admin sends it again once the
// receiver is fixed.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DESKTOP } from '../helpers/browser.js';
import { startTollgate, type Api, type Tollgate } from '../helpers/tollgate-process.js';

let server: Tollgate;
let page: Page;
let bot: Api;
let receiver: Server;
/** The status the receiver answers; 410 cannot be fixed by retrying, so the message goes dead. */
let answer = 410;
const received: unknown[] = [];

function policy(hookUrl: string): Record<string, string> {
  return {
    'policy.yaml': `
defaults: { decision: ALLOW }
rules:
  - name: production-deletes
    match: { action_type: delete, environment: production }
    decision: REQUIRE_APPROVAL
    approvers: [dba]
    criteria: [a backup from today exists]
notifications:
  channels:
    ops-hook: { type: webhook, url: "${hookUrl}" }
  routes:
    - channel: ops-hook
      events: [requested]
`,
  };
}

export function deadLettersSuite(browser: () => Browser): void {
  describe('undelivered notifications', () => {
    beforeAll(async () => {
      receiver = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk) => (body += chunk));
        request.on('end', () => {
          if (answer < 300) received.push(JSON.parse(body));
          response.writeHead(answer).end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      server = await startTollgate(policy(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`));
      await server.person('ada', 'admin');
      bot = await server.agent('db-bot');
      page = await browser().newPage({ viewport: DESKTOP });
      await page.goto(server.url);
      await page.getByLabel('Name').fill('ada');
      await page.getByLabel('Password').fill('ada-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    }, 60_000);

    afterAll(async () => {
      await page?.close();
      await server?.close();
      receiver?.close();
    });

    it('lists a message the receiver refused and sends it again once the receiver is fixed', async () => {
      const submitted = await bot('POST', '/v1/actions', { action_type: 'delete', environment: 'production', table: 'sessions' });
      expect(submitted.body.decision).toBe('REQUIRE_APPROVAL');
      const admin = await server.as('ada');
      await expect
        .poll(async () => (await admin('GET', '/v1/notifications?status=dead')).body.notifications.length, { timeout: 15_000 })
        .toBe(1);

      await page.getByRole('link', { name: 'Notifications' }).click();
      const row = page.locator('[data-notification]');
      await row.waitFor();
      expect(await row.textContent()).toContain('ops-hook');
      expect(await row.textContent()).toContain(submitted.body.approval.id);
      expect(await row.textContent()).toContain('410');

      answer = 204;
      await row.getByRole('button', { name: 'Send again' }).click();
      await expect.poll(() => page.locator('main .result.ok').textContent()).toContain('Queued again');
      await expect.poll(() => received.length, { timeout: 15_000 }).toBe(1);
      await expect.poll(async () => (await admin('GET', '/v1/notifications?status=dead')).body.notifications.length).toBe(0);
      await page.getByRole('link', { name: 'Notifications' }).click();
      await expect.poll(() => page.getByText('Every notification was delivered.').count()).toBe(1);
    });
  });
}
