/// <reference lib="dom" />
import path from 'node:path';
import { expect } from 'chai';
import { issuedCredentialOf } from '../../src/certificates/badge.js';
import { formatCode } from '../../src/completion/records.js';
import { testSessionSecret } from '../support/app.js';
import { useBrowserSession } from '../support/browser.js';
import { makeApprovedRecord } from '../support/completion.js';
import { useTestDatabase } from '../support/database.js';

const viewports = [
  { width: 360, height: 740, phone: true },
  { width: 1280, height: 800, phone: false },
];
/** Set to a folder to keep a picture of each page checked (e.g. .scratch/shots). */
const shots = process.env.CERTIFICATE_SHOTS;

describe('browser: the public verification page', function () {
  this.timeout(90_000);
  useTestDatabase(import.meta.url);
  const session = useBrowserSession();

  for (const viewport of viewports) {
    it(`checks a typed code and a pasted credential, without login (${viewport.width} px)`, async () => {
      const graduate = await makeApprovedRecord({ institutionName: `BLK Verifikasi ${viewport.width}` });
      const code = formatCode(graduate.record.code);
      const credential = await issuedCredentialOf(graduate.record, session.baseUrl, testSessionSecret);
      const context = await session.newContext({
        viewport: { width: viewport.width, height: viewport.height },
        isMobile: viewport.phone,
        hasTouch: viewport.phone,
      });
      try {
        const page = await context.newPage();
        await page.goto('/verify');
        // Typed as people type it: lower case, without dashes.
        await page.getByLabel('Kode verifikasi').fill(graduate.record.code.toLowerCase());
        await Promise.all([page.waitForURL(`**/verify/${code}`), page.getByRole('button', { name: 'Periksa kode' }).click()]);
        const result = page.locator('.certificate-result');
        expect(await result.locator('h2').textContent()).to.equal('Sertifikat sah');
        expect(await page.locator('.certificate-name').textContent()).to.equal(graduate.trainee.name);
        // Nothing wider than the screen: no sideways scrolling on a phone.
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).to.be.at.most(viewport.width);
        if (shots) await page.screenshot({ path: path.join(shots, `verify-code-${viewport.width}.png`), fullPage: true });

        await page.getByLabel('Isi kredensial (JSON)').fill(credential);
        await Promise.all([
          page.waitForURL('**/verify/credential**'),
          page.getByRole('button', { name: 'Periksa kredensial' }).click(),
        ]);
        expect(await page.locator('.certificate-result h2').textContent()).to.equal('Sertifikat sah');
        expect(await page.locator('.certificate-result').textContent()).to.include('Tanda tangan digital kredensial ini sah');
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).to.be.at.most(viewport.width);

        await page.goto('/verify/ABCD-EFGH-JKMN');
        expect(await page.locator('.certificate-result h2').textContent()).to.equal('Kode tidak dikenal');
        if (shots) await page.screenshot({ path: path.join(shots, `verify-unknown-${viewport.width}.png`), fullPage: true });
      } finally {
        await context.close();
      }
    });
  }
});
