import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import type { BrowserContext, Page } from 'playwright-core';
import { type Language, translator } from '../../src/platform/i18n.js';
import { useBrowserSession } from '../support/browser.js';
import { useTestDatabase } from '../support/database.js';

/** A message as the app shows it, with `{{name}}` filled in: the test reads what a user reads. */
function text(language: Language, key: string, values: Record<string, string> = {}): string {
  const message = translator(language)(key, values);
  if (message === key) throw new Error(`No ${language} text for ${key}`);
  return message;
}

describe('browser journey: a trainee registers, logs in and switches language', function () {
  // One journey, step by step: each step starts where the previous one left the browser.
  this.timeout(60_000);
  useTestDatabase(import.meta.url);

  const name = 'Siti Rahmawati';
  const email = `siti-${randomBytes(4).toString('hex')}@example.test`;
  const password = 'rahasia-kerja-123';
  const session = useBrowserSession();
  let baseUrl: string;
  let context: BrowserContext;
  let page: Page;

  before(() => {
    ({ baseUrl, context, page } = session);
  });

  const heading = () => page.locator('h1').textContent();

  async function logIn() {
    await page.goto('/login');
    await page.getByLabel(text('id', 'fields.email'), { exact: true }).fill(email);
    await page.getByLabel(text('id', 'fields.password'), { exact: true }).fill(password);
    await page.getByRole('button', { name: text('id', 'auth.login.submit'), exact: true }).click();
    await page.waitForURL('**/dashboard');
  }

  it('shows the landing page in Indonesian', async () => {
    await page.goto('/');
    expect(await heading()).to.equal(text('id', 'landing.heading'));
    expect(await page.locator('html').getAttribute('lang')).to.equal('id');
  });

  it('shows registration errors beside their fields and keeps the typed name', async () => {
    await page.getByRole('link', { name: text('id', 'landing.register') }).click();
    await page.waitForURL('**/register');
    await page.getByLabel(text('id', 'fields.name')).fill(name);
    await page.getByLabel(text('id', 'fields.email')).fill('siti-at-example');
    await page.getByLabel(text('id', 'fields.phone')).fill('0812 3456 7890');
    await page.getByLabel(text('id', 'fields.province')).selectOption('32');
    await page.getByLabel(text('id', 'fields.password'), { exact: true }).fill(password);
    await page.getByLabel(text('id', 'fields.passwordConfirm')).fill('something-else-456');
    await page.getByRole('button', { name: text('id', 'auth.register.submit') }).click();

    // The page comes back with each message right under its field (and tied to it for screen readers).
    const emailError = page.locator('#f-email + .error');
    expect(await emailError.textContent()).to.equal(text('id', 'validation.email'));
    expect(await page.locator('#f-passwordConfirm + .error').textContent()).to.equal(text('id', 'validation.passwordMismatch'));
    expect(await page.getByLabel(text('id', 'fields.email')).getAttribute('aria-describedby')).to.equal(
      await emailError.getAttribute('id'),
    );
    expect(await page.getByLabel(text('id', 'fields.name')).inputValue()).to.equal(name);
  });

  it('registers with correct input and lands on the trainee dashboard', async () => {
    await page.getByLabel(text('id', 'fields.email')).fill(email);
    await page.getByLabel(text('id', 'fields.phone')).fill('0812 3456 7890');
    await page.getByLabel(text('id', 'fields.province')).selectOption('32');
    await page.getByLabel(text('id', 'fields.password'), { exact: true }).fill(password);
    await page.getByLabel(text('id', 'fields.passwordConfirm')).fill(password);
    await page.getByRole('button', { name: text('id', 'auth.register.submit') }).click();
    await page.waitForURL('**/dashboard?welcome=1');

    expect(await heading()).to.equal(text('id', 'dashboard.greeting', { name }));
    expect(await page.getByRole('status').textContent()).to.equal(text('id', 'dashboard.welcome'));
    expect(await page.getByText(text('id', 'dashboard.trainee.empty')).isVisible()).to.equal(true);
  });

  it('logs out from the header and back in with the same credentials', async () => {
    await page.getByRole('button', { name: text('id', 'nav.logout') }).click();
    await page.waitForURL(`${baseUrl}/`);
    expect(await heading()).to.equal(text('id', 'landing.heading'));

    await logIn();
    expect(await heading()).to.equal(text('id', 'dashboard.greeting', { name }));
    expect(await page.getByText(text('id', 'dashboard.trainee.empty')).isVisible()).to.equal(true);
  });

  it('switches to English from the header and remembers it on the user', async () => {
    await page.getByRole('button', { name: 'English' }).click();
    // The redirect comes back to the same URL, so wait for the button that offers the way back.
    await page.getByRole('button', { name: 'Bahasa Indonesia' }).waitFor();
    expect(await heading()).to.equal(text('en', 'dashboard.greeting', { name }));
    expect(await page.getByRole('button', { name: text('en', 'nav.logout') }).isVisible()).to.equal(true);

    await page.reload();
    expect(await heading()).to.equal(text('en', 'dashboard.greeting', { name }));

    // Without cookies the visitor is Indonesian again, so English after login must come from the account.
    await page.getByRole('button', { name: text('en', 'nav.logout') }).click();
    await page.waitForURL(`${baseUrl}/`);
    await context.clearCookies();
    await logIn();
    expect(await heading()).to.equal(text('en', 'dashboard.greeting', { name }));
    expect(await page.getByText(text('en', 'dashboard.trainee.empty')).isVisible()).to.equal(true);
  });

  it('fits the dashboard on a 360 px wide phone screen, readable and tappable', async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto('/dashboard');
    expect(await page.locator('html').evaluate((html) => html.scrollWidth)).to.be.at.most(360);
    // Measured in the page, judged here (functions declared inside evaluate would need the
    // bundler's helpers, which the page does not have).
    const boxes = await page.evaluate(() =>
      Array.from(document.querySelectorAll('body *'))
        .filter((element) => getComputedStyle(element).visibility !== 'hidden')
        .map((element) => {
          const box = element.getBoundingClientRect();
          return {
            label: `${element.tagName.toLowerCase()}.${element.className} "${element.textContent?.trim().slice(0, 30)}"`,
            left: box.left,
            right: box.right,
            width: box.width,
            height: box.height,
            tappable: element.matches('a, button, input, select, textarea'),
            hasText: Array.from(element.childNodes).some((node) => node.nodeType === 3 && Boolean(node.textContent?.trim())),
            fontSize: Number.parseFloat(getComputedStyle(element).fontSize),
            isHeading: element.tagName === 'H1',
            top: box.top,
          };
        })
        .filter((box) => box.width > 0 && box.height > 0),
    );
    const layout = {
      // Cut off at either side: partly on the screen (a page can hide its scroll bar and still lose
      // what sticks out). Wholly off the screen is how a skip link waits for keyboard focus.
      outside: boxes
        .filter((box) => (box.left < -0.5 && box.right > 0) || (box.left < 360 && box.right > 360.5))
        .map((box) => box.label),
      // What a thumb has to hit, or eyes have to read, on a small screen.
      smallTargets: boxes.filter((box) => box.tappable && box.height < 24).map((box) => box.label),
      smallText: boxes.filter((box) => box.hasText && box.fontSize < 12).map((box) => box.label),
      headingTop: boxes.find((box) => box.isHeading)?.top ?? Number.POSITIVE_INFINITY,
    };
    expect(layout.outside, 'cut off at the sides').to.deep.equal([]);
    expect(layout.smallTargets, 'links and buttons too small to tap').to.deep.equal([]);
    expect(layout.smallText, 'text too small to read').to.deep.equal([]);
    expect(layout.headingTop, 'the greeting on the first screen').to.be.below(740);
    expect(await heading()).to.equal(text('en', 'dashboard.greeting', { name }));
  });
});
