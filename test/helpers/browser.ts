import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (apt-get install chromium), or CAIRN_CHROMIUM: Playwright's own download is not used. */
export const CHROMIUM = process.env.CAIRN_CHROMIUM ?? '/usr/bin/chromium';
/** Where the interface tests leave their screenshots. */
export const SHOTS = join(import.meta.dirname, '..', '..', 'test-output', 'screenshots');

/**
 * Headless Chromium with one page, quiet (no network of its own beyond the page's), each error the page
 * throws written to standard error and kept in `pageErrors` for the test to assert on.
 */
export async function openPage(pageErrors: string[]): Promise<{ browser: Browser; page: Page }> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set CAIRN_CHROMIUM)`);
  mkdirSync(SHOTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  page.on('pageerror', (err) => {
    pageErrors.push(err.message);
    process.stderr.write(`page error: ${err.message}\n`);
  });
  return { browser, page };
}
