// The README's screenshots are rewritten only when asked (UPDATE_SCREENSHOTS=1): an ordinary test
// run takes them, so the pages still render, but leaves the tracked files as they are.

import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshot, SCREENSHOTS, UPDATE_SCREENSHOTS } from './helpers/browser.js';

describe('screenshots', () => {
  it(`are ${UPDATE_SCREENSHOTS ? 'written to docs/screenshots (UPDATE_SCREENSHOTS=1)' : 'taken but not written'}`, async () => {
    const taken: Array<{ path?: string; fullPage?: boolean }> = [];
    const page = { screenshot: async (options: { path?: string; fullPage?: boolean }) => void taken.push(options) } as unknown as Page;
    await screenshot(page, 'inbox-desktop');
    expect(taken).toEqual([UPDATE_SCREENSHOTS ? { path: join(SCREENSHOTS, 'inbox-desktop.png'), fullPage: true } : { fullPage: true }]);
  });
});
