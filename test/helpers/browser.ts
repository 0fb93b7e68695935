import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.resolve(import.meta.dirname, '../../test-output/screenshots');
/** The README's picture of the admin interface; written only when OUTPOST_README_SCREENSHOTS=1. */
export const README_SCREENSHOT_DIR = path.resolve(import.meta.dirname, '../../views/readme');

/**
 * A host name that is not localhost and resolves to 127.0.0.1 inside this browser only: browsers
 * treat localhost and 127.0.0.1 as secure, so only another name shows what a LAN deployment sees.
 */
export const TEST_HOST = 'outpost.test';

/** Debian's Chromium, headless, with everything that would phone home switched off. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--no-first-run', '--disable-sync', '--disable-quic', '--disable-dev-shm-usage',
      `--host-resolver-rules=MAP ${TEST_HOST} 127.0.0.1`,
    ],
  });
}

/** Saves a full-page screenshot under test-output/screenshots (git-ignored) for review. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Refreshes a README picture (the top `height` pixels of the page) when asked to. */
export async function readmeScreenshot(page: Page, name: string, height: number): Promise<void> {
  if (process.env.OUTPOST_README_SCREENSHOTS !== '1') return;
  const width = page.viewportSize()!.width;
  await page.screenshot({ path: path.join(README_SCREENSHOT_DIR, `${name}.png`), fullPage: true, clip: { x: 0, y: 0, width, height } });
}

/**
 * What makes a page hard to use on a phone: anything wider than the screen, boxes that scroll
 * sideways, and ids squeezed into a column a few characters wide.
 */
export function phoneLayoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const root = document.documentElement;
    const width = root.clientWidth;
    const name = (el: Element) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className ? `.${String(el.className).replace(/ /g, '.')}` : ''}`;
    if (root.scrollWidth > width) problems.push(`the page is ${root.scrollWidth}px wide`);
    for (const el of document.querySelectorAll('body *')) {
      const style = getComputedStyle(el);
      if ((style.overflowX === 'auto' || style.overflowX === 'scroll') && el.scrollWidth > el.clientWidth + 1) problems.push(`${name(el)} scrolls sideways`);
      const box = el.getBoundingClientRect();
      if (box.width > 1 && box.right > width + 1) problems.push(`${name(el)} ends at ${Math.round(box.right)}px`);
    }
    for (const code of document.querySelectorAll('main code')) {
      const box = code.getBoundingClientRect();
      if ((code.textContent ?? '').length > 12 && box.width > 0 && box.width < 120) problems.push(`${code.textContent} squeezed to ${Math.round(box.width)}px`);
    }
    return problems;
  });
}
