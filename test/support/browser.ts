import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { buildTestServer } from './app.js';
import { attachTestSockets } from './sockets.js';

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

export type BrowserSession = {
  baseUrl: string;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** A browser of its own (cookies and all) on the app, in Indonesian unless `options` say otherwise. */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  close(): Promise<void>;
};

/** A phone's screen: 360 x 740, touch, mobile layout. */
export const onPhone = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true } satisfies BrowserContextOptions;

/**
 * The real app (with Socket.IO, as server.ts starts it) on a loopback port and a browser pointed
 * at it, as a phone in Indonesia would ask for pages (Indonesian first). `close` stops both.
 */
export async function startBrowserSession(): Promise<BrowserSession> {
  const built = buildTestServer();
  const server = http.createServer(built.app);
  const sockets = attachTestSockets(server, built);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumArgs });
  const newContext = (options: BrowserContextOptions = {}) =>
    browser.newContext({ baseURL: baseUrl, locale: 'id-ID', ...options });
  const context = await newContext();
  const page = await context.newPage();
  return {
    baseUrl,
    browser,
    context,
    page,
    newContext,
    async close() {
      await browser.close();
      sockets.close();
      // Keep-alive sockets from the browser would hold close() open; they are ours to cut.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * One browser session for the suite: started in a `before` hook, closed in an `after` hook. The
 * returned object is filled in when the session starts, so read its fields inside hooks and tests.
 * Hooks run in the order they are registered: call this after useTestDatabase, and register an
 * `after` that must run before the browser closes (closing contexts of its own) before calling it.
 */
export function useBrowserSession(): BrowserSession {
  const session = {} as BrowserSession;
  let started: BrowserSession | undefined;
  before(async () => {
    started = await startBrowserSession();
    Object.assign(session, started);
  });
  after(async () => {
    await started?.close();
  });
  return session;
}

/** Waits until `check` holds, polling; fails with `what` if it never does. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Timed out waiting until ${what}`);
}

/** Logs in through the login form, as a person would, and waits for the dashboard. */
export async function logIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.fill('input[name="email"]', email);
  await page.fill('input[name="password"]', password);
  await Promise.all([page.waitForURL('**/dashboard'), page.click('form[action="/login"] button[type="submit"]')]);
}
