// An agent's question answered in a real browser: it appears in the approver's inbox in the
// agent's own words, opens on its page with the choices as buttons and room for words, and the
// click reaches the SDK's `ask()` still waiting, with the approver named as who answered.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { Tollgate as Sdk } from '@tollgate/sdk';
import { DESKTOP } from '../helpers/browser.js';
import { startTollgate, type Tollgate } from '../helpers/tollgate-process.js';

const POLICY = {
  'policy.yaml': `
defaults: { decision: ALLOW }
questions: { approvers: [oncall], timeout: 1h, on_timeout: expire }
`,
};

let server: Tollgate;
let page: Page;

export function questionsSuite(browser: () => Browser): void {
  describe('a question answered in the dashboard', () => {
    beforeAll(async () => {
      server = await startTollgate(POLICY);
      await server.person('olga', 'approver', ['oncall']);
      page = await browser().newPage({ viewport: DESKTOP });
    }, 60_000);

    afterAll(async () => {
      await page?.close();
      await server?.close();
    });

    it('reaches the waiting ask() with the choice clicked, the words written and who answered', async () => {
      const sdk = new Sdk({ baseUrl: server.url, apiKey: await server.agentKey('deploy-bot') });
      // A bidi override in the agent's text is shown as a visible mark, never obeyed.
      const asking = sdk.ask({
        question: 'Which region should the canary go to?\u202E',
        choices: ['eu-west-1', 'us-east-1'],
        free_text: true,
        context: { service: 'checkout' },
        urgency: 'high',
        wait: 60,
      });

      await page.goto(server.url);
      await page.getByLabel('Name').fill('olga');
      await page.getByLabel('Password').fill('olga-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      const questions = page.getByRole('list', { name: 'Questions waiting for an answer' });
      await questions.waitFor();
      expect(await questions.textContent()).toContain('deploy-bot asks:');
      await questions.getByRole('link').first().click();

      const quoted = page.getByTestId('question');
      await quoted.waitFor();
      expect(await quoted.textContent()).toContain('its own words, not checked by Tollgate');
      expect(await page.getByTestId('question-text').textContent()).toContain('canary go to?[U+202E]');
      expect(await page.getByRole('region', { name: /^Context/ }).textContent()).toContain('checkout');
      await page.getByLabel('Your answer in words (optional)').fill('eu is frozen today');
      await page.getByRole('group', { name: 'Choices' }).getByRole('button', { name: 'us-east-1' }).click();

      await expect(asking).resolves.toMatchObject({
        choices: ['us-east-1'],
        text: 'eu is frozen today',
        answered_by: { name: 'olga' },
      });
      const answered = page.getByTestId('question-answer');
      await answered.waitFor();
      expect(await answered.textContent()).toContain('by olga');
      // Answered, it leaves the inbox.
      await page.goto(server.url);
      await page.getByRole('heading', { name: 'Inbox' }).waitFor();
      await expect.poll(() => page.getByRole('list', { name: 'Questions waiting for an answer' }).count()).toBe(0);
    }, 90_000);
  });
}
