// The approver's day in a real browser against a real server: sign in, a request arrives live in
// the inbox, its context and diff are read, and every quick action does what it says: approve
// with a note answers the agent's long-poll, deny without a reason is blocked, request changes,
// modify out of bounds is refused with the server's message, delegate offers only the people who
// may take the stage and hands it on; the out-of-office switch keeps new requests away.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { contentWidth, DESKTOP, PHONE, signIn as signInAt } from '../helpers/browser.js';
import { startTollgate, type Api, type Tollgate } from '../helpers/tollgate-process.js';
import { deploy, POLICY } from '../policy.js';

let server: Tollgate;
let page: Page;
let bot: Api;
let bob: Api;

async function pendingApprovalOf(actionId: string): Promise<string> {
  const action = await bot('GET', `/v1/actions/${actionId}`);
  return action.body.approval.id as string;
}

/** Opens a request's decision page and waits until its actions answer the keyboard. */
async function openApproval(approvalId: string): Promise<void> {
  await page.goto(`${server.url}/approvals/${approvalId}`);
  await page.getByRole('heading', { name: 'Decide' }).waitFor();
}

const signIn = (target: Page, name: string): Promise<void> => signInAt(target, server.url, name);

/** Registers the suite; `browser` is the Chromium the entry file launched for all suites. */
export function approverFlowSuite(browser: () => Browser): void {
  describe('the approver dashboard', () => {
    beforeAll(async () => {
      server = await startTollgate(POLICY);
      await server.person('alice', 'approver', ['release-managers']);
      await server.person('bob', 'approver', ['release-managers']);
      // People the delegate picker must leave out, or offer apart: carol decides no release reviews
      // but may take one handed to her; dave is out of office; audrey is an auditor; erin asks for
      // a deploy herself.
      await server.person('carol', 'approver');
      await server.person('dave', 'approver', ['release-managers']);
      await server.person('audrey', 'auditor', ['release-managers']);
      await server.person('erin', 'approver');
      bot = await server.agent('deploy-bot');
      bob = await server.as('bob');
      // Bob and Dave are away, so routing puts every new request in Alice's inbox; they can still decide.
      expect((await bob('PATCH', '/v1/auth/me', { out_of_office: true })).status).toBe(200);
      expect((await (await server.as('dave'))('PATCH', '/v1/auth/me', { out_of_office: true })).status).toBe(200);
      page = await browser().newPage({ viewport: DESKTOP });
    }, 60_000);

    afterAll(async () => {
      // The page's live stream would hold the server's shutdown open.
      await page?.close();
      await server?.close();
    });

    it('refuses a wrong password with the server’s message and signs in with the right one', async () => {
      await page.goto(server.url);
      await page.getByLabel('Name').fill('alice');
      await page.getByLabel('Password').fill('wrong');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/name or password|credentials|unknown/i);
      await signIn(page, 'alice');
      await page.getByText('Nothing waits for you').waitFor();
    }, 30_000);

    it('shows a new request live, and approve with a note answers the agent’s long-poll', async () => {
      const waiting = bot('POST', '/v1/actions?wait=60', deploy('v2.4.0'));
      const row = page.getByRole('link', { name: /Deploy checkout v2\.4\.0 to production/ });
      await row.waitFor({ timeout: 10_000 });
      await expect.poll(() => page.locator('.inbox-row').first().textContent()).toMatch(/high risk.*left/);

      await row.click();
      // Tollgate's facts head the page; the agent's summary follows as its words.
      await page.getByRole('heading', { level: 1, name: 'deploy in production' }).waitFor();
      expect(await page.locator('.fact[data-path="service"] .fact-value').textContent()).toBe('checkout');
      expect(await page.locator('.fact[data-path="replicas"] .fact-value').textContent()).toBe('4');
      const said = page.getByRole('region', { name: /The agent says/ });
      expect(await said.getByTestId('agent-summary').textContent()).toBe('Deploy checkout v2.4.0 to production (4 replicas)');
      const risk = page.locator('section', { has: page.getByRole('heading', { name: /Why this needs approval/ }) });
      await expect.poll(() => risk.textContent()).toContain('production-deploys');
      expect(await risk.textContent()).toContain('production deploys need a release manager');
      expect(await page.locator('.criteria').textContent()).toContain('the rollback is recorded');
      expect(await page.getByRole('region', { name: 'Key context' }).textContent()).toContain('checkout:v2.3.1');
      const added = page.locator('.diff.unified tr.line-add');
      expect(await added.allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('"image": "checkout:v2.4.0"')]));
      expect(await page.locator('.diff.unified tr.line-del').allTextContents()).toEqual(
        expect.arrayContaining([expect.stringContaining('"image": "checkout:v2.3.1"')]),
      );
      expect(await page.locator('.diff .tok-key').count()).toBeGreaterThan(0);
      await page.getByRole('button', { name: 'Split' }).click();
      await page.locator('.diff.split').waitFor();
      expect(await page.locator('.diff.split td.line-add').allTextContents()).toEqual(
        expect.arrayContaining([expect.stringContaining('checkout:v2.4.0')]),
      );
      expect(await page.getByRole('region', { name: 'Simulation (dry run)' }).textContent()).toContain('pods replaced');
      expect(await said.textContent()).toContain('The canary in staging ran for 2 hours');
      expect(await said.textContent()).toContain('86%');
      expect(await page.locator('[data-step="release-review"]').textContent()).toContain('no votes yet');
      await page.getByRole('button', { name: 'Unified' }).click();

      await page.keyboard.press('n');
      await page.getByLabel('Note', { exact: true }).fill('release notes and rollback checked');
      await page.getByRole('button', { name: 'Approve with a note' }).click();
      await expect.poll(() => page.getByTestId('result').textContent()).toContain('approved and the agent has its answer');
      const answered = await waiting;
      expect(answered.status).toBe(201);
      expect(answered.body).toMatchObject({ decision: 'REQUIRE_APPROVAL', status: 'approved' });
      await expect.poll(() => page.locator('[data-step="release-review"]').textContent()).toContain('release notes and rollback checked');
    }, 60_000);

    it('blocks a denial without a reason, then denies with one', async () => {
      const submitted = await bot('POST', '/v1/actions', deploy('v2.5.0'));
      const approvalId = await pendingApprovalOf(submitted.body.id);
      await openApproval(approvalId);
      await page.keyboard.press('d');
      await page.getByRole('button', { name: 'Deny', exact: true }).last().click();
      await expect.poll(() => page.getByRole('alert').textContent()).toContain('a denial needs a reason');
      expect((await bot('GET', `/v1/actions/${submitted.body.id}`)).body.status).toBe('pending');

      await page.getByLabel('Reason (required)').fill('the rollback image was deleted yesterday');
      await page.locator('form[aria-label="Deny"] button[type="submit"]').click();
      await expect.poll(() => page.getByTestId('result').textContent()).toContain('denied');
      expect((await bot('GET', `/v1/actions/${submitted.body.id}`)).body.status).toBe('denied');
    }, 30_000);

    it('sends a request back for changes with the feedback', async () => {
      const submitted = await bot('POST', '/v1/actions', deploy('v2.6.0'));
      const approvalId = await pendingApprovalOf(submitted.body.id);
      await openApproval(approvalId);
      await page.getByRole('button', { name: /Request changes/ }).click();
      await page.getByLabel('What should change (required)').fill('deploy outside the payment peak, after 18:00');
      await page.locator('form[aria-label="Request changes"] button[type="submit"]').click();
      await expect.poll(() => page.getByTestId('result').textContent()).toContain('You asked for changes');
      const action = await bot('GET', `/v1/actions/${submitted.body.id}`);
      expect(action.body.status).toBe('changes_requested');
      expect(JSON.stringify(action.body)).toContain('after 18:00');
    }, 30_000);

    it('refuses a modification out of bounds with the server’s message and approves one within them', async () => {
      const submitted = await bot('POST', '/v1/actions', deploy('v2.7.0'));
      const approvalId = await pendingApprovalOf(submitted.body.id);
      await openApproval(approvalId);
      await page.keyboard.press('m');
      const replicas = page.getByLabel('replicas');
      expect(await page.locator('form[aria-label="Approve a modified action"]').textContent()).toContain('from 1 to 10');
      await replicas.fill('50');
      await page.locator('form[aria-label="Approve a modified action"] button[type="submit"]').click();
      await expect.poll(() => page.getByRole('alert').textContent()).toContain('`replicas` may not go above 10 (asked 50)');
      expect((await bot('GET', `/v1/actions/${submitted.body.id}`)).body.status).toBe('pending');

      await replicas.fill('6');
      await page.locator('form[aria-label="Approve a modified action"] button[type="submit"]').click();
      await expect.poll(() => page.getByTestId('result').textContent()).toContain('replicas → 6');
      const action = await bot('GET', `/v1/actions/${submitted.body.id}`);
      expect(action.body).toMatchObject({ status: 'approved', action: { replicas: 6 } });
    }, 30_000);

    it('offers only the people who may take the stage, and the delegation reaches the one picked', async () => {
      expect((await bob('PATCH', '/v1/auth/me', { out_of_office: false })).status).toBe(200);
      const submitted = await bot('POST', '/v1/actions', deploy('v2.8.0', { requested_by: 'erin' }));
      const approvalId = await pendingApprovalOf(submitted.body.id);
      await openApproval(approvalId);
      await page.keyboard.press('g');
      const picker = page.getByLabel('Person');
      // The list takes the focus, so the keyboard goes on from the shortcut to the choice.
      await expect.poll(() => page.evaluate('document.activeElement?.id')).toBe('delegate-to');
      await expect.poll(() => page.locator('#delegate-to option').count()).toBe(4);
      const offered = async (): Promise<[string, string][]> => {
        const found: [string, string][] = [];
        for (const option of await page.locator('#delegate-to optgroup option').all())
          found.push([(await option.getAttribute('value'))!, (await option.locator('xpath=..').getAttribute('label'))!]);
        return found;
      };
      // Bob reviews releases; the first admin (made by `serve`) and Carol may take it only by this
      // delegation. Not Alice herself, not Erin who asked for it, not the auditor, not Dave who is away.
      expect(await offered()).toEqual([
        ['bob', 'Approvers of this stage'],
        ['admin', 'Others who may take it'],
        ['carol', 'Others who may take it'],
      ]);
      const eligible = (await (await server.as('alice'))('GET', `/v1/approvals/${approvalId}/eligible`)).body;
      expect(eligible.people.map((person: { name: string }) => person.name)).toEqual(['bob', 'admin', 'carol']);
      expect(await page.locator('#delegate-to option[value="bob"]').textContent()).toMatch(/^bob \(release-managers\) · \d+ open request/);
      expect(await page.getByTestId('delegate-hint').textContent()).toContain('Out of office, so not offered: dave.');

      const form = page.locator('form[aria-label="Hand this request to someone else"]');
      await form.locator('button[type="submit"]').click();
      await expect.poll(() => page.getByRole('alert').textContent()).toContain('choose the person');
      // Someone who goes away after the list was drawn is still refused by the server.
      await picker.selectOption('bob');
      expect((await bob('PATCH', '/v1/auth/me', { out_of_office: true })).status).toBe(200);
      await form.locator('button[type="submit"]').click();
      await expect.poll(() => page.getByRole('alert').textContent()).toContain('`bob` is out of office');
      expect((await bob('GET', `/v1/approvals/${approvalId}`)).body.steps[0].delegations).toEqual([]);
      // The refusal redraws the list: Bob is away now.
      await expect.poll(offered).toEqual([
        ['admin', 'Others who may take it'],
        ['carol', 'Others who may take it'],
      ]);
      expect(await page.getByTestId('delegate-hint').textContent()).toContain('Out of office, so not offered: bob, dave.');
      expect(await picker.inputValue()).toBe('');

      // By keyboard alone: down to Carol, on to the note, on to the button.
      await picker.focus();
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      await expect.poll(() => picker.inputValue()).toBe('carol');
      await page.keyboard.press('Tab');
      await page.keyboard.type('carol knows the payment service');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await expect.poll(() => page.getByTestId('result').textContent()).toContain('You handed this request to carol');

      const carolPage = await browser().newPage({ viewport: DESKTOP });
      await signIn(carolPage, 'carol');
      const row = carolPage.locator(`[data-approval="${approvalId}"]`);
      await row.waitFor();
      await row.getByRole('link').click();
      await carolPage.getByRole('heading', { name: 'Decide' }).waitFor();
      await carolPage.keyboard.press('a');
      await expect.poll(() => carolPage.getByTestId('result').textContent()).toContain('You approved this request.');
      await carolPage.close();
      const decided = (await bob('GET', `/v1/approvals/${approvalId}`)).body;
      expect(decided.status).toBe('approved');
      expect(decided.steps[0].votes.map((vote: { name: string }) => vote.name)).toEqual(['carol']);
    }, 60_000);

    it('takes a request decided elsewhere out of the inbox live', async () => {
      expect((await bob('PATCH', '/v1/auth/me', { out_of_office: false })).status).toBe(200);
      const other = await bot('POST', '/v1/actions', deploy('v2.9.0'));
      const otherId = await pendingApprovalOf(other.body.id);
      await page.getByRole('link', { name: 'Inbox' }).first().click();
      await page.getByRole('button', { name: 'Open to my groups' }).click();
      const row = page.locator(`[data-approval="${otherId}"]`);
      await row.waitFor();
      expect((await bob('POST', `/v1/approvals/${otherId}/votes`, { verdict: 'approve' })).status).toBe(201);
      await row.waitFor({ state: 'detached', timeout: 10_000 });
      expect((await bob('PATCH', '/v1/auth/me', { out_of_office: true })).status).toBe(200);
    }, 40_000);

    it('sets Alice out of office from the header, keeps it across a reload, and routing passes her by', async () => {
      expect((await bob('PATCH', '/v1/auth/me', { out_of_office: false })).status).toBe(200);
      const alice = await server.as('alice');
      const aliceId = (await alice('GET', '/v1/auth/me')).body.id as string;
      const bobId = (await bob('GET', '/v1/auth/me')).body.id as string;
      const away = page.getByRole('button', { name: 'Out of office' });
      expect(await away.getAttribute('aria-pressed')).toBe('false');
      await away.focus();
      await page.keyboard.press('Space');
      await expect.poll(() => away.getAttribute('aria-pressed')).toBe('true');
      expect(await page.locator('.away-banner').textContent()).toContain('You are out of office');
      expect((await alice('GET', '/v1/auth/me')).body.out_of_office).toBe(true);
      await page.reload();
      await page.getByRole('heading', { name: 'Inbox' }).waitFor();
      expect(await away.getAttribute('aria-pressed')).toBe('true');

      const whileAway = await bot('POST', '/v1/actions', deploy('v2.9.1'));
      const awayId = await pendingApprovalOf(whileAway.body.id);
      expect((await bob('GET', `/v1/approvals/${awayId}`)).body.steps[0].assignees).toEqual([bobId]);
      expect((await alice('GET', '/v1/approvals?assigned=me')).body.approvals.map((a: { id: string }) => a.id)).not.toContain(awayId);

      await away.focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => away.getAttribute('aria-pressed')).toBe('false');
      expect(await page.locator('.away-banner').textContent()).toBe('');
      expect((await alice('GET', '/v1/auth/me')).body.out_of_office).toBe(false);
      expect((await bob('PATCH', '/v1/auth/me', { out_of_office: true })).status).toBe(200);
      const back = await bot('POST', '/v1/actions', deploy('v2.9.2'));
      expect((await bob('GET', `/v1/approvals/${await pendingApprovalOf(back.body.id)}`)).body.steps[0].assignees).toEqual([aliceId]);
      for (const id of [awayId, await pendingApprovalOf(back.body.id)])
        expect((await bob('POST', `/v1/approvals/${id}/votes`, { verdict: 'approve' })).status).toBe(201);
    }, 40_000);

    it('approves with one key press and says so', async () => {
      const submitted = await bot('POST', '/v1/actions', deploy('v2.9.5'));
      await openApproval(await pendingApprovalOf(submitted.body.id));
      await page.keyboard.press('a');
      await expect.poll(() => page.getByTestId('result').textContent()).toContain('You approved this request.');
      expect((await bot('GET', `/v1/actions/${submitted.body.id}`)).body.status).toBe('approved');
      await expect
        .poll(() => page.getByRole('heading', { name: 'Decide' }).locator('..').textContent())
        .toContain('This request is approved');
    }, 30_000);

    it('lays the inbox and the decision page out for a phone', async () => {
      const phone = await browser().newPage({ viewport: PHONE, isMobile: true, hasTouch: true });
      await signIn(phone, 'alice');
      await bot('POST', '/v1/actions', deploy('v3.0.0'));
      await bot('POST', '/v1/actions', {
        action_type: 'delete',
        environment: 'production',
        table: 'sessions_2019',
        summary: 'Drop the 2019 sessions table',
      });
      const row = phone.getByRole('link', { name: /Deploy checkout v3\.0\.0/ });
      await row.waitFor();
      await phone.getByRole('link', { name: /Drop the 2019 sessions table/ }).waitFor();
      const width = await contentWidth(phone);
      expect(width).toBeLessThanOrEqual(PHONE.width);
      await row.click();
      await phone.getByRole('heading', { level: 1, name: 'deploy in production' }).waitFor();
      await phone
        .getByTestId('agent-summary')
        .getByText(/v3\.0\.0/)
        .waitFor();
      await phone.locator('.diff.unified').waitFor();
      expect(await contentWidth(phone)).toBeLessThanOrEqual(PHONE.width);
      // The delegate picker and the header's out-of-office switch fit too.
      await phone.getByRole('button', { name: /Delegate/ }).click();
      await phone.locator('#delegate-to optgroup option').first().waitFor({ state: 'attached' });
      expect(await phone.getByRole('button', { name: 'Out of office' }).isVisible()).toBe(true);
      expect(await contentWidth(phone)).toBeLessThanOrEqual(PHONE.width);
      await phone.close();
    }, 40_000);

    it('catches up on a request that arrived while its live stream was down', async () => {
      const late = await browser().newPage({ viewport: DESKTOP });
      await late.route('**/v1/events', (route) => route.abort());
      await signIn(late, 'alice');
      await bot('POST', '/v1/actions', deploy('v3.1.0'));
      const row = late.getByRole('link', { name: /Deploy checkout v3\.1\.0/ });
      // The inbox loaded before the request existed and has heard of no event since.
      await late.waitForTimeout(300);
      expect(await row.count()).toBe(0);
      await late.unroute('**/v1/events');
      await row.waitFor({ timeout: 15_000 });
      await late.close();
    }, 40_000);
  });
}
