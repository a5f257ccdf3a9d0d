import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { buildTestApp } from './app.js';

/** Debian's Chromium, headless, kept off the network (the machines have none). */
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

export type BrowserSession = { baseUrl: string; browser: Browser; context: BrowserContext; page: Page; close(): Promise<void> };

/**
 * The real app on a loopback port and a browser pointed at it, as a phone in Indonesia would
 * ask for pages (Indonesian first). `close` stops both.
 */
export async function startBrowserSession(): Promise<BrowserSession> {
  const server = http.createServer(buildTestApp());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumArgs });
  const context = await browser.newContext({ baseURL: baseUrl, locale: 'id-ID' });
  const page = await context.newPage();
  return {
    baseUrl,
    browser,
    context,
    page,
    async close() {
      await browser.close();
      // Keep-alive sockets from the browser would hold close() open; they are ours to cut.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Logs in through the login form, as a person would, and waits for the dashboard. */
export async function logIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.fill('input[name="email"]', email);
  await page.fill('input[name="password"]', password);
  await Promise.all([page.waitForURL('**/dashboard'), page.click('form[action="/login"] button[type="submit"]')]);
}
