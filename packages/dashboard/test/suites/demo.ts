// `tollgate demo` as a new user meets it, in a real browser: after its recorded week the oversight
// page shows the simulated team's warnings (a rubber-stamping approver, a gate nobody denies),
// every chart label stays whole and legible inside its chart on a desktop and on a phone, no page
// logs a console error (the Policy page with no shadow running included), and the README's
// screenshots are taken here, of the demo with its approvers.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { contentWidth, DESKTOP, PHONE, screenshot } from '../helpers/browser.js';
import { startDemo, type Api, type Demo } from '../helpers/tollgate-process.js';

const DEMO_PASSWORD = 'tollgate-demo';

let demo: Demo;
let admin: Api;

interface ChartText {
  chart: string;
  text: string;
  /** The size the text is shown at, in CSS pixels: its font size times the SVG's scale. */
  px: number;
  inside: boolean;
}

/** Every text of every chart on the page, with the size it is shown at and whether it lies wholly inside its SVG. */
async function chartTexts(page: Page): Promise<ChartText[]> {
  // A string, not a function: the tests are type-checked without the DOM library.
  return page.evaluate(`[...document.querySelectorAll('[data-chart] svg')].flatMap((svg) => {
    const box = svg.getBoundingClientRect();
    const scale = box.width / svg.viewBox.baseVal.width;
    const chart = svg.closest('[data-chart]').dataset.chart;
    return [...svg.querySelectorAll('text')].map((text) => {
      const r = text.getBoundingClientRect();
      return {
        chart,
        text: text.textContent,
        px: parseFloat(getComputedStyle(text).fontSize) * scale,
        inside: r.left >= box.left - 0.5 && r.right <= box.right + 0.5 && r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5,
      };
    });
  })`);
}

async function signIn(page: Page, name: string, password: string): Promise<void> {
  await page.goto(demo.url);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Inbox' }).waitFor();
}

async function openOversight(page: Page): Promise<void> {
  await page.goto(`${demo.url}/oversight`);
  await page.getByRole('heading', { name: 'Oversight' }).waitFor();
  await page.locator('[data-chart="series-volume"] rect.bar').first().waitFor();
  await page.locator('[data-chart="rates-by-window"] rect').first().waitFor();
}

/** Console errors and uncaught exceptions of a page, from now on. */
function consoleErrors(page: Page): string[] {
  const seen: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') seen.push(`${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => seen.push(error.message));
  return seen;
}

/** Registers the suite; `browser` is the Chromium the entry file launched for all suites. */
export function demoSuite(browser: () => Browser): void {
  describe('tollgate demo with its simulated approvers', () => {
    beforeAll(async () => {
      demo = await startDemo({ history: 7 });
      admin = await demo.as('admin', demo.adminPassword);
    }, 240_000);

    afterAll(async () => {
      await demo?.close();
    });

    it('shows the warnings the simulated team produces: a rubber-stamping approver and a gate nobody denies', async () => {
      const metrics = (await admin('GET', '/v1/metrics?window=30d')).body;
      const found = (metrics.warnings as { kind: string; subject: { gate?: string; name?: string } }[]).map(
        (w) => `${w.kind} ${w.subject.name ?? w.subject.gate}`,
      );
      expect(found).toContain('rubber_stamping frank');
      expect(found).toContain('approval_theater bulk-operations');
      const page = await browser().newPage({ viewport: DESKTOP });
      await signIn(page, 'admin', demo.adminPassword);
      await openOversight(page);
      const warnings = page.getByRole('region', { name: 'Warnings' });
      await expect.poll(() => warnings.locator('[data-kind="rubber_stamping"]').count()).toBeGreaterThan(0);
      const shown = await warnings.textContent();
      expect(shown).toContain('frank approved 100.0% of requests in under 10 s');
      expect(shown).toMatch(/`bulk-operations` had \d+ decisions without a single denial, change request or note/);
      await page.close();
    }, 60_000);

    it.each([
      ['desktop', DESKTOP],
      ['phone', PHONE],
    ] as const)(
      'keeps every chart label whole, inside its chart and at least 11 px on a %s',
      async (_name, viewport) => {
        const page = await browser().newPage({ viewport, isMobile: viewport === PHONE, hasTouch: viewport === PHONE });
        await signIn(page, 'admin', demo.adminPassword);
        await openOversight(page);
        for (const window of ['30d', '7d']) {
          await page.getByLabel('Window', { exact: true }).selectOption(window);
          await page.locator('[data-chart="series-approval-rate"] circle').first().waitFor();
          const texts = await chartTexts(page);
          expect(texts.length).toBeGreaterThan(50);
          for (const text of texts) {
            expect(text.inside, `${window} ${text.chart}: "${text.text}" runs out of its chart`).toBe(true);
            expect(text.px, `${window} ${text.chart}: "${text.text}" is drawn at ${text.px.toFixed(1)} px`).toBeGreaterThanOrEqual(11);
          }
          // Durations keep their unit: "1 min 51 s", never "1 min 51".
          for (const text of texts.filter((t) => /\d+ min \d+$/.test(t.text))) expect.fail(`${text.chart}: "${text.text}" lost its unit`);
        }
        // Gates of one environment block read apart, and each row's tooltip is its full name.
        const rows = page.locator('[data-chart="gate-rates"] [data-row]');
        const gates: string[] = [];
        const labels: string[] = [];
        for (const row of await rows.all()) {
          const gate = (await row.getAttribute('data-row'))!;
          const label = (await row.locator('text.row-label').textContent())!;
          expect(await row.locator('title').textContent()).toBe(gate);
          expect(gate.endsWith(label.replace(/^…/, '')), `${label} is not the end of ${gate}`).toBe(true);
          gates.push(gate);
          labels.push(label);
        }
        expect(gates.filter((gate) => gate.startsWith('approval_policies.')).length).toBeGreaterThanOrEqual(2);
        expect(new Set(labels).size).toBe(labels.length);
        await page.close();
      },
      90_000,
    );

    it('logs no console error on the signed-in pages; the Policy page treats "no shadow" as normal', async () => {
      const page = await browser().newPage({ viewport: DESKTOP });
      await signIn(page, 'admin', demo.adminPassword);
      const errors = consoleErrors(page);
      await page.reload();
      await openOversight(page);
      for (const [link, heading] of [
        ['Reviews', 'Review queue'],
        ['Agents', 'Agents'],
        ['Audit', 'Audit trail'],
        ['Policy', 'Policy'],
      ] as const) {
        await page.getByRole('link', { name: link, exact: true }).click();
        await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      }
      await expect.poll(() => page.getByTestId('shadow-status').textContent()).toContain('No shadow policy is running');
      // Whatever the page asked for has been answered by now.
      await page.waitForLoadState('networkidle');
      expect(errors).toEqual([]);
      await page.close();
    }, 60_000);

    it('takes the README screenshots of the demo: alice’s inbox, a production deploy to decide, and the oversight page', async () => {
      const alice = await demo.as('alice', DEMO_PASSWORD);
      // The live demo routes requests to alice as to the others, and only the person at the keyboard decides hers.
      await expect
        .poll(async () => ((await alice('GET', '/v1/approvals?assigned=me')).body.approvals as unknown[]).length, {
          timeout: 180_000,
          interval: 2000,
        })
        .toBeGreaterThanOrEqual(4);
      // A production deploy whose analysis is done and whose tech review alice may take.
      let deploy: string | undefined;
      await expect
        .poll(
          async () => {
            const pending = (await alice('GET', '/v1/approvals?status=pending&limit=1000')).body.approvals as {
              id: string;
              workflow: string | null;
              steps: { id: string; status: string }[];
            }[];
            deploy = pending.find(
              (a) => a.workflow === 'production-deploy' && a.steps.some((s) => s.id === 'tech-review' && s.status === 'active'),
            )?.id;
            return deploy;
          },
          { timeout: 180_000, interval: 2000 },
        )
        .toBeDefined();
      for (const [name, viewport] of [
        ['desktop', DESKTOP],
        ['phone', PHONE],
      ] as const) {
        const page = await browser().newPage({ viewport, isMobile: name === 'phone', hasTouch: name === 'phone' });
        await signIn(page, 'alice', DEMO_PASSWORD);
        await page.locator('.inbox-row').first().waitFor();
        await screenshot(page, `inbox-${name}`);
        await page.goto(`${demo.url}/approvals/${deploy}`);
        await page.getByRole('heading', { name: 'Decide' }).waitFor();
        await page.getByText('from worker analyzer-1').first().waitFor();
        // The demo's long outcomes under "Similar past requests" wrap instead of widening the page.
        expect(await contentWidth(page)).toBeLessThanOrEqual(viewport.width);
        await screenshot(page, `decision-${name}`);
        await openOversight(page);
        // The recorded week, every day of it with data.
        await page.getByLabel('Window', { exact: true }).selectOption('7d');
        await expect.poll(() => page.locator('[data-chart="series-approval-rate"] rect.no-data').count()).toBe(0);
        await page.getByRole('region', { name: 'Warnings' }).locator('[data-kind="rubber_stamping"]').first().waitFor();
        await screenshot(page, `oversight-${name}`);
        await page.close();
      }
    }, 240_000);
  });
}
