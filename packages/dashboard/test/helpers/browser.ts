// Debian's Chromium driven by playwright-core (no browser is downloaded). A missing Chromium fails
// the tests with the command that installs it, rather than skipping them.

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO } from './tollgate-process.js';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = join(REPO, 'docs/screenshots');
export const DESKTOP = { width: 1280, height: 860 };
// The narrowest phone in common use (iPhone SE, mini): nothing may scroll sideways at this width.
export const PHONE = { width: 375, height: 812 };

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\``);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Without these the browser keeps calling home, which this network refuses many times a second.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Whether this run rewrites the README's screenshots: only when asked, as each rendering differs a little. */
export const UPDATE_SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1';

/**
 * Takes a screenshot for the README; saves it under docs/screenshots/ only with UPDATE_SCREENSHOTS=1,
 * so that a test run leaves the tracked pictures as they are.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (!UPDATE_SCREENSHOTS) {
    await page.screenshot({ fullPage: true });
    return;
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** How wide the page's content is; wider than the viewport means sideways scrolling on a phone. */
export async function contentWidth(page: Page): Promise<number> {
  // A string, not a function: the tests are type-checked without the DOM library.
  return Number(await page.evaluate('document.documentElement.scrollWidth'));
}

/** Signs `name` in (password `<name>-password`, as `Tollgate.person` makes it) and waits for the inbox. */
export async function signIn(page: Page, url: string, name: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Password').fill(`${name}-password`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Inbox' }).waitFor();
}
