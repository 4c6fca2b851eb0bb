// The dashboard's browser tests: one Debian Chromium for all suites, run one after another, so the
// whole test run never has more than one browser open on a two-core machine.

import { afterAll, beforeAll } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { approverFlowSuite } from './suites/approver-flow.js';
import { deadLettersSuite } from './suites/dead-letters.js';
import { decisionFactsSuite } from './suites/decision-facts.js';
import { demoSuite } from './suites/demo.js';
import { oversightSuite } from './suites/oversight.js';
import { questionsSuite } from './suites/questions.js';
import { reviewQueueSuite } from './suites/review-queue.js';
import { standingSuite } from './suites/standing.js';
import { workerOutputSuite } from './suites/worker-output.js';

let browser: Browser | undefined;

beforeAll(async () => {
  browser = await launchChromium();
}, 30_000);

afterAll(async () => {
  await browser?.close();
});

const shared = (): Browser => {
  if (browser === undefined) throw new Error('Chromium did not start; see the first failure');
  return browser;
};

approverFlowSuite(shared);
decisionFactsSuite(shared);
reviewQueueSuite(shared);
oversightSuite(shared);
deadLettersSuite(shared);
workerOutputSuite(shared);
questionsSuite(shared);
standingSuite(shared);
demoSuite(shared);
