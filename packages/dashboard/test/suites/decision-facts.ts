// What an approver reads first, in a real browser: the request's real fields (a refund's amount
// and payee, a shell command) above the fold on a laptop and on a phone and before the agent's
// summary, a warning where the agent's words disagree, hidden characters shown as marks, and the
// decision page's small fixes (code spans in reasons, one risk label, why Modify is off, no
// keyboard hints on a phone, one line for what the agent did not send).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { signIn } from '../helpers/browser.js';
import { startTollgate, type Api, type Tollgate } from '../helpers/tollgate-process.js';

const POLICY = {
  'policy.yaml': `
defaults: { decision: ALLOW, approvers: [approvers] }
rules:
  - name: big-refunds
    match: { action_type: refund, amount_usd: { gt: 1000 } }
    decision: REQUIRE_APPROVAL
    risk: high
    reason: refunds above \`1000\` USD need a person
    criteria: [the customer asked for it]
    modifiable: { amount_usd: { min: 0, max: 1000 } }
  - name: shell-commands
    match: { action_type: shell }
    decision: REQUIRE_APPROVAL
    reason: shell commands run as \`root\` on \`<b id="injected">prod</b>\` hosts
    display: [ticket]
  - name: production-deploys
    match: { action_type: deploy, environment: production }
    decision: REQUIRE_APPROVAL
    risk: medium
`,
};

/** The refund: the summary and context say $5.00, the fields say 950000 to an attacker's account. */
const REFUND = {
  action_type: 'refund',
  capability: 'payment',
  amount_usd: 950000,
  payee: 'IBAN-ATTACKER-0001',
  summary: 'Refund $5.00 to customer #1182 (duplicate charge)',
  context: { amount: '$5.00' },
};
const SHELL = { action_type: 'shell', environment: 'production', command: 'rm -rf /', ticket: 'OPS-12', summary: 'Read-only health check' };
/** A right-to-left override makes "staging ot" read "to staging" where it is interpreted. */
const REVERSED = { action_type: 'deploy', environment: 'production', summary: 'yes\u202Egnigats ot\u202C prоduction' };

const LAPTOP = { width: 1280, height: 800 };
const PHONE_SMALL = { width: 375, height: 667 };

let server: Tollgate;
let bot: Api;

async function approvalOf(action: Record<string, unknown>): Promise<string> {
  const sent = await bot('POST', '/v1/actions', action);
  expect(sent.status).toBe(201);
  return sent.body.approval.id as string;
}

async function open(page: Page, approvalId: string): Promise<void> {
  await page.goto(`${server.url}/approvals/${approvalId}`);
  await page.getByTestId('facts').waitFor();
}

/** Whether the element sits wholly inside the viewport as the page first shows (no scrolling). */
async function aboveTheFold(page: Page, element: Locator): Promise<boolean> {
  const box = await element.boundingBox();
  const viewport = page.viewportSize()!;
  return box !== null && box.y >= 0 && box.x >= 0 && box.y + box.height <= viewport.height && box.x + box.width <= viewport.width;
}

/** Whether `first` comes before `second` in the document (what a screen reader reads first). */
function precedes(page: Page, first: string, second: string): Promise<boolean> {
  return page.evaluate(
    `(() => { const a = document.querySelector(${JSON.stringify(first)}), b = document.querySelector(${JSON.stringify(second)});
      return a !== null && b !== null && (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0; })()`,
  ) as Promise<boolean>;
}

const fact = (page: Page, path: string): Locator => page.locator(`.fact[data-path="${path}"] .fact-value`);

/** Registers the suite; `browser` is the Chromium the entry file launched for all suites. */
export function decisionFactsSuite(browser: () => Browser): void {
  describe('what the decision page leads with', () => {
    let laptop: Page;
    let phone: Page;
    let refundId: string;
    let shellId: string;

    beforeAll(async () => {
      server = await startTollgate(POLICY);
      await server.person('alice', 'approver', ['approvers']);
      bot = await server.agent('refund-bot');
      laptop = await browser().newPage({ viewport: LAPTOP });
      phone = await browser().newPage({ viewport: PHONE_SMALL, isMobile: true, hasTouch: true });
      await signIn(laptop, server.url, 'alice');
      await signIn(phone, server.url, 'alice');
      refundId = await approvalOf(REFUND);
      shellId = await approvalOf(SHELL);
    }, 60_000);

    afterAll(async () => {
      await laptop?.close();
      await phone?.close();
      await server?.close();
    });

    it('shows the refund’s real amount and payee above the fold, before the agent’s $5.00, with a warning', async () => {
      for (const page of [laptop, phone]) {
        await open(page, refundId);
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('refund (no environment)');
        expect(await fact(page, 'amount_usd').textContent()).toContain('950000');
        expect(await fact(page, 'payee').textContent()).toBe('IBAN-ATTACKER-0001');
        // Why each is shown: the rule that asked for a person tested the amount; the payee is a recipient.
        expect(await page.locator('.fact[data-path="amount_usd"] .fact-why').textContent()).toBe('tested: gt 1000 (big-refunds)');
        expect(await page.locator('.fact[data-path="payee"] .fact-why').textContent()).toBe('weighty');
        const warning = page.getByTestId('contradictions');
        expect(await warning.textContent()).toContain('says $5.00, but amount_usd is 950000');
        expect(await warning.locator('code').first().textContent()).toBe('amount_usd');
        for (const shown of [fact(page, 'amount_usd'), fact(page, 'payee'), warning])
          expect(await aboveTheFold(page, shown), `${await shown.textContent()} at ${JSON.stringify(page.viewportSize())}`).toBe(true);
        expect(await precedes(page, '.fact[data-path="amount_usd"]', '[data-testid="agent-summary"]')).toBe(true);
        expect(await precedes(page, '.fact[data-path="payee"]', '[data-testid="agent-summary"]')).toBe(true);
        expect(await precedes(page, '[data-testid="contradictions"]', '[data-testid="agent-summary"]')).toBe(true);
        expect(await page.getByTestId('agent-summary').textContent()).toBe(REFUND.summary);
        expect(await page.getByRole('region', { name: /The agent says/ }).isVisible()).toBe(true);
      }
    }, 30_000);

    it('shows `rm -rf /` outside the full details, above the fold and before "Read-only health check"', async () => {
      for (const page of [laptop, phone]) {
        await open(page, shellId);
        const command = fact(page, 'command');
        expect(await command.textContent()).toBe('rm -rf /');
        expect(await command.isVisible()).toBe(true);
        expect(await page.locator('details.full-details').getAttribute('open')).toBeNull();
        expect(await aboveTheFold(page, command)).toBe(true);
        expect(await precedes(page, '.fact[data-path="command"]', '[data-testid="agent-summary"]')).toBe(true);
        expect(await page.getByTestId('contradictions').textContent()).toMatch(
          /calls this (Read-only|health check), but command is rm -rf \//,
        );
        expect(await aboveTheFold(page, page.getByTestId('contradictions'))).toBe(true);
        // A field no rule tested and no name marks, shown because the policy's `display` names it.
        expect(await fact(page, 'ticket').textContent()).toBe('OPS-12');
        expect(await page.locator('.fact[data-path="ticket"] .fact-why').textContent()).toBe('listed by the policy');
      }
    }, 30_000);

    it('shows a right-to-left override as a mark, on the decision page and in the inbox', async () => {
      const id = await approvalOf(REVERSED);
      await open(laptop, id);
      const summary = await laptop.getByTestId('agent-summary').textContent();
      expect(summary).toBe('yes[U+202E]gnigats ot[U+202C] prоduction');
      expect(summary).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
      await laptop.goto(server.url);
      // Routing may have given it to the admin `serve` made: it is open to Alice's group all the same.
      await laptop.getByRole('button', { name: 'Open to my groups' }).click();
      const row = laptop.locator(`[data-approval="${id}"] .inbox-summary`);
      expect(await row.textContent()).toBe('yes[U+202E]gnigats ot[U+202C] prоduction');
    }, 30_000);

    it('shows a reason’s `code` as code, its markup as text', async () => {
      await open(laptop, shellId);
      const reason = laptop.locator('.reason-text');
      expect(await reason.locator('code').allTextContents()).toEqual(['root', '<b id="injected">prod</b>']);
      expect(await reason.textContent()).toBe('shell commands run as root on <b id="injected">prod</b> hosts');
      expect(await laptop.locator('#injected').count()).toBe(0);
      await open(laptop, refundId);
      expect(await laptop.locator('.reason-text').textContent()).toBe('refunds above 1000 USD need a person');
    }, 30_000);

    it('says "risk not rated" once, and why Modify is off where no field may change', async () => {
      await open(laptop, shellId);
      await laptop.getByRole('heading', { name: 'Decide' }).waitFor();
      expect(await laptop.getByText('risk not rated').count()).toBe(1);
      const modify = laptop.getByRole('button', { name: 'Modify' });
      expect(await modify.isDisabled()).toBe(true);
      const why = laptop.locator(`#${await modify.getAttribute('aria-describedby')}`);
      expect(await why.textContent()).toBe('Modify is off: the policy lists no field of this request that an approver may change.');
      expect(await why.isVisible()).toBe(true);

      await open(laptop, refundId);
      await laptop.getByRole('heading', { name: 'Decide' }).waitFor();
      expect(await laptop.getByText('high risk').count()).toBe(1);
      expect(await laptop.getByRole('button', { name: 'Modify' }).isDisabled()).toBe(false);
      expect(await laptop.locator('#modify-off').count()).toBe(0);
    }, 30_000);

    it('shows keyboard hints with a keyboard and hides them on a phone', async () => {
      await open(laptop, refundId);
      await laptop.getByRole('heading', { name: 'Decide' }).waitFor();
      expect(await laptop.locator('.action-buttons kbd').first().isVisible()).toBe(true);
      await open(phone, refundId);
      await phone.getByRole('heading', { name: 'Decide' }).waitFor();
      const hints = phone.locator('.action-buttons kbd');
      expect(await hints.count()).toBe(6);
      for (const hint of await hints.all()) expect(await hint.isVisible()).toBe(false);
    }, 30_000);

    it('says in one line what the agent did not send, instead of a card each', async () => {
      await open(laptop, shellId);
      expect(await laptop.getByTestId('not-sent').textContent()).toBe(
        'Not sent by the agent: reasoning, context, diff, simulation. This is the first request of its kind here.',
      );
      for (const empty of [
        'The agent sent no',
        'No dry run was reported',
        'The agent gave no reasoning',
        'This is the first request of its kind',
      ])
        expect(await laptop.locator('.card', { hasText: empty }).count(), empty).toBe(0);
      // What is left: the facts, the agent's words, why, what to check, and the full details.
      expect(await laptop.locator('.decision-main > .card').count()).toBe(5);
    }, 30_000);
  });
}
