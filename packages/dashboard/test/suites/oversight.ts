// The lead's and auditor's pages in a real browser on real data: oversight charts drawn from
// GET /v1/metrics and, over a week of history recorded on earlier days, GET /v1/metrics/series;
// agents with their track record and level history, the audit trail with its chain verification
// and export, a draft policy validated and simulated, then run as a shadow, promoted and stopped.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { contentWidth, DESKTOP, PHONE } from '../helpers/browser.js';
import { startTollgate, type Api, type Tollgate } from '../helpers/tollgate-process.js';
import { deploy, POLICY } from '../policy.js';

interface Series {
  bucket: string;
  points: {
    start: string;
    requests: number | null;
    approval_rate: number | null;
    time_to_decision_ms: { p50: number | null } | null;
  }[];
}

let server: Tollgate;
let page: Page;
let admin: Api;

const DAY = 86_400_000;
/**
 * Release reviews on earlier days (days ago → Bob's verdicts), recorded by the real server with its
 * clock set back; four and two days ago nothing happened, so those days have no data.
 */
const HISTORY: [number, string[]][] = [
  [6, ['approve', 'approve']],
  [5, ['approve', 'deny', 'deny']],
  [3, ['approve', 'deny']],
  [1, ['approve', 'approve', 'approve', 'request_changes']],
];

async function recordHistory(): Promise<void> {
  const bot = await server.agent('release-bot');
  for (const [daysAgo, verdicts] of HISTORY) {
    await server.restart({ clockShiftMs: daysAgo * DAY });
    const bob = await server.as('bob');
    for (const [index, verdict] of verdicts.entries()) {
      const submitted = await bot('POST', '/v1/actions', deploy(`v4.${daysAgo}.${index}`));
      const vote = verdict === 'approve' ? { verdict } : { verdict, note: 'not this week' };
      expect((await bob('POST', `/v1/approvals/${submitted.body.approval.id}/votes`, vote)).status).toBe(201);
    }
  }
  await server.restart();
}

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
      await recordHistory();
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

      // Where nothing was measured the widgets say so: no bar, "no data", never a 0%.
      const unmeasured = (metrics.gates as { gate: string; approval_rate: number | null }[]).filter((g) => g.approval_rate === null);
      expect(unmeasured.length).toBeGreaterThan(0);
      for (const { gate: name } of unmeasured) {
        const row = page.locator(`[data-chart="gate-rates"] [data-row="${name}"]`);
        expect(await row.locator('rect').getAttribute('data-value')).toBe('none');
        expect(Number(await row.locator('rect').getAttribute('width'))).toBe(0);
        expect(await row.locator('text.bar-label').textContent()).toBe('no data');
      }
    }, 60_000);

    it('draws the figures over time from real history, with a gap where a day has no data', async () => {
      const series = (await admin('GET', '/v1/metrics/series?window=7d&bucket=day')).body as Series;
      expect(series.bucket).toBe('day');
      const rates = series.points.map((point) => point.approval_rate);
      // The days recorded earlier, oldest first (Bob's verdicts), then today's reviews.
      const known = rates.filter((rate): rate is number => rate !== null).map((rate) => Math.round(rate * 1000) / 1000);
      expect(known.slice(0, 4)).toEqual([1, 0.333, 0.5, 0.75]);
      const first = rates.findIndex((rate) => rate !== null);
      const gaps = rates.flatMap((rate, index) => (rate === null && index > first && index < rates.length - 1 ? [index] : []));
      expect(gaps.length).toBeGreaterThanOrEqual(2);

      await page.getByLabel('Window', { exact: true }).selectOption('7d');
      const chart = page.locator('[data-chart="series-approval-rate"]');
      await expect.poll(() => chart.locator('circle').count()).toBe(rates.filter((rate) => rate !== null).length);
      // Positions follow the values: 0% on the bottom grid line, the axis top on the top one.
      const top = Number(await chart.getAttribute('data-top'));
      expect(top).toBe(1);
      const bottomY = Number(await chart.locator('[data-tick="0"] line').getAttribute('y1'));
      const topY = Number(await chart.locator(`[data-tick="${top}"] line`).getAttribute('y1'));
      expect(bottomY).toBeGreaterThan(topY);
      const vertices: string[] = [];
      for (const point of series.points) {
        const circle = chart.locator(`circle[data-start="${point.start}"]`);
        const band = chart.locator(`rect.no-data[data-start="${point.start}"]`);
        if (point.approval_rate === null) {
          expect(await circle.count(), point.start).toBe(0);
          expect(await band.count(), point.start).toBe(1);
          continue;
        }
        expect(await band.count(), point.start).toBe(0);
        expect(await circle.getAttribute('data-value')).toBe(String(point.approval_rate));
        const cy = Number(await circle.getAttribute('cy'));
        expect(cy).toBeCloseTo(bottomY + (topY - bottomY) * (point.approval_rate / top), 0);
        vertices.push(`${await circle.getAttribute('cx')} ${cy}`);
      }
      // One piece of line per run of days with data: the line breaks at every gap, through every point.
      const path = (await chart.locator('path.series-line').getAttribute('d'))!;
      const pieces = rates.filter((rate, index) => rate !== null && (index === 0 || rates[index - 1] === null)).length;
      expect(path.match(/M/g)).toHaveLength(pieces);
      expect(path.split(/\s*[ML]/).filter((part) => part !== '')).toEqual(vertices);

      const p50 = page.locator('[data-chart="series-time-to-decision"] [data-series="p50"] circle');
      const p50s = series.points.map((point) => point.time_to_decision_ms?.p50 ?? null).filter((value) => value !== null);
      const drawn: number[] = [];
      for (const circle of await p50.all()) drawn.push(Number(await circle.getAttribute('data-value')));
      expect(drawn).toEqual(p50s);
      for (const point of series.points) {
        const bar = page.locator(`[data-chart="series-volume"] [data-series="requests"] rect[data-start="${point.start}"]`);
        if (point.requests === null) expect(await bar.count()).toBe(0);
        else expect(await bar.getAttribute('data-value')).toBe(String(point.requests));
      }
      const problems = page.locator('[data-chart="series-problems"]');
      for (const name of ['reversal rate', 'miss rate', 'timeout rate'])
        expect(await problems.locator(`[data-series="${name}"]`).count()).toBe(1);

      // Accessible: a title and a summary for the picture, and every value in a table, gaps as "no data".
      const withData = rates.filter((rate) => rate !== null).length;
      expect(await chart.locator('svg desc').textContent()).toContain(`${withData} of ${rates.length} days have data`);
      await chart.getByText('Show the numbers').click();
      const gapRow = chart.locator(`tr[data-start="${series.points[gaps[0]!]!.start}"] td`);
      expect(await gapRow.textContent()).toBe('no data');
      await chart.getByText('Show the numbers').click();

      // Hourly buckets, chosen by keyboard; a month's window offers days only.
      const hourly = (await admin('GET', '/v1/metrics/series?window=7d&bucket=hour')).body as Series;
      await page.getByLabel('Each point is a').focus();
      await page.keyboard.press('ArrowDown');
      // Hourly starts differ from daily ones, so the chart has switched once every hour is drawn.
      const hoursWithData = hourly.points.filter((point) => point.approval_rate !== null);
      expect(hourly.points.length).toBeGreaterThan(7 * 24);
      await expect.poll(() => chart.locator('rect.no-data').count()).toBe(hourly.points.length - hoursWithData.length);
      for (const point of hoursWithData)
        expect(await chart.locator(`circle[data-start="${point.start}"]`).getAttribute('data-value')).toBe(String(point.approval_rate));
      await page.getByLabel('Each point is a').selectOption('day');
      await expect.poll(() => chart.locator('circle').count()).toBe(withData);

      // One gate's figures: the deletions were all approved today, and no earlier day had one.
      const deletes = (await admin('GET', '/v1/metrics/series?window=7d&bucket=day&gate=production-deletes')).body as Series;
      const deleteDays = deletes.points.filter((point) => point.approval_rate !== null);
      expect(deleteDays.map((point) => [point.start, point.approval_rate])).toEqual([[series.points.at(-1)!.start, 1]]);
      await page.getByLabel('For', { exact: true }).selectOption('gate:production-deletes');
      await expect.poll(() => chart.locator('rect.no-data').count()).toBe(deletes.points.length - 1);
      expect(await chart.locator(`circle[data-start="${deleteDays[0]!.start}"]`).getAttribute('data-value')).toBe('1');
      await page.getByLabel('For', { exact: true }).selectOption('');
      await expect.poll(() => chart.locator('circle').count()).toBe(withData);
      await page.getByRole('heading', { level: 1, name: 'Oversight' }).click();

      const phone = await browser().newPage({ viewport: PHONE, isMobile: true, hasTouch: true });
      await signIn(phone, 'ada');
      await phone.goto(`${server.url}/oversight`);
      await phone.getByLabel('Window', { exact: true }).selectOption('7d');
      await expect.poll(() => phone.locator('[data-chart="series-approval-rate"] circle').count()).toBe(withData);
      await phone.locator('[data-chart="rates-by-window"] rect').first().waitFor();
      expect(await contentWidth(phone)).toBeLessThanOrEqual(PHONE.width);
      await phone.close();
      await page.getByLabel('Window', { exact: true }).selectOption('30d');
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
      const votes = (await admin('GET', '/v1/audit?type=vote.cast&limit=1000')).body.events.length;
      expect(votes).toBe(24 + HISTORY.flatMap(([, verdicts]) => verdicts).length);
      await expect.poll(() => page.locator('table.audit tbody tr').count()).toBe(votes);
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

    it('runs the draft as a shadow, shows its differences, promotes it after a confirm step, and stops another', async () => {
      const short = (version: string): string => version.replace(/^sha256:/, '').slice(0, 12);
      const status = page.getByTestId('shadow-status');
      const result = page.getByTestId('shadow-result');
      await expect.poll(() => status.textContent()).toContain('No shadow policy is running');
      // The draft of the test before (config changes need approval) is still in the editor.
      const yaml = page.getByLabel('YAML').first();
      const draft = await yaml.inputValue();
      await yaml.fill('rules: 3');
      await page.getByRole('button', { name: 'Start shadow with the draft' }).click();
      await expect.poll(() => result.textContent()).toMatch(/policy/);
      expect(await result.getAttribute('role')).toBe('alert');
      expect((await admin('GET', '/v1/policy/shadow')).status).toBe(404);
      await yaml.fill(draft);
      await page.getByRole('button', { name: 'Start shadow with the draft' }).click();
      await expect.poll(() => result.textContent()).toContain('The draft runs as the shadow');
      const shadow = (await admin('GET', '/v1/policy/shadow')).body;
      await expect.poll(() => page.getByTestId('shadow-version').textContent()).toBe(short(shadow.version));

      // An agent acts: the live policy sends the change to review, the shadow would ask for approval.
      const configBot = await server.agent('config-bot');
      const change = { action_type: 'update_config', key: 'timeout_ms', value: 3000 };
      expect((await configBot('POST', '/v1/actions', change)).body.decision).toBe('REVIEW');
      await page.getByRole('button', { name: 'Refresh differences' }).click();
      await expect.poll(() => page.getByTestId('shadow-counts').textContent()).toBe('Recorded differences: 1 (1 stricter, 0 looser)');
      const row = await status.locator('tbody tr').first().textContent();
      expect(row).toContain('REVIEW');
      expect(row).toContain('REQUIRE APPROVAL');
      expect(row).toContain('config-changes → config-changes');

      // Promoting asks first, with what the shadow would change; cancelling leaves the live policy.
      const liveBefore = (await admin('GET', '/v1/policy')).body.version;
      await page.getByRole('button', { name: 'Promote to live…' }).click();
      const confirm = page.getByTestId('promote-confirm');
      await expect.poll(() => page.evaluate('document.activeElement?.dataset?.testid')).toBe('promote-confirm');
      expect(await confirm.textContent()).toContain('1 would have differed (1 stricter, 0 looser)');
      await confirm.getByRole('button', { name: 'Cancel' }).click();
      await confirm.waitFor({ state: 'detached' });
      expect((await admin('GET', '/v1/policy')).body.version).toBe(liveBefore);
      await page.getByRole('button', { name: 'Promote to live…' }).click();
      await confirm.getByRole('button', { name: `Promote version ${short(shadow.version)}` }).click();
      await expect.poll(() => result.textContent()).toContain(`Version ${short(shadow.version)} is live now`);
      await expect.poll(() => page.getByTestId('live-version').textContent()).toBe(short(shadow.version));
      await expect.poll(() => status.textContent()).toContain('No shadow policy is running');
      expect((await admin('GET', '/v1/policy')).body.version).toBe(shadow.version);
      expect((await configBot('POST', '/v1/actions', change)).body.decision).toBe('REQUIRE_APPROVAL');

      // Another shadow, stopped: it goes, and the live policy stays.
      await yaml.fill(draft.replace('decision: REQUIRE_APPROVAL', 'decision: DENY'));
      await page.getByRole('button', { name: 'Start shadow with the draft' }).click();
      await expect.poll(() => status.textContent()).toContain('runs beside live');
      await page.getByRole('button', { name: 'Stop shadow' }).click();
      await expect.poll(() => result.textContent()).toContain('The shadow is stopped');
      await expect.poll(() => status.textContent()).toContain('No shadow policy is running');
      expect((await admin('GET', '/v1/policy/shadow')).status).toBe(404);
      expect((await admin('GET', '/v1/policy')).body.version).toBe(shadow.version);
    }, 40_000);
  });
}
