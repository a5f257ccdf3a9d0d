/// <reference lib="dom" />
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { recordEvidence } from '../../src/assessments/results/record.js';
import { Cohort } from '../../src/cohorts/model.js';
import { type AssessmentCohort, assessmentCohort, c11, c12, unit } from '../assessments/cohortFixture.js';
import { buildTestApp } from '../support/app.js';
import { logIn, onPhone, useBrowserSession } from '../support/browser.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';

/** Whether the page is no wider than its viewport (nothing to scroll sideways). */
const fitsWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

describe('browser: a competency verdict on the drill-down', function () {
  this.timeout(90_000);
  useTestDatabase(import.meta.url);
  const session = useBrowserSession();
  let f: AssessmentCohort;
  let teacher: Awaited<ReturnType<typeof makeUser>>;

  before(async () => {
    f = await assessmentCohort(buildTestApp());
    teacher = await makeUser('instructor', f.institution, { name: 'Bu Instruktur' });
    await Cohort.updateOne({ _id: f.cohort }, { $push: { instructors: teacher.id } });
    // An observation: 1.1 met, 1.2 not yet; BK is proposed.
    await recordEvidence({
      cohort: f.cohort,
      trainee: f.aniId,
      unit,
      source: 'observation',
      id: 'bengkel-1',
      title: 'Observasi bengkel',
      criteria: [
        { ref: c11, met: true },
        { ref: c12, met: false },
      ],
      by: teacher.id,
      at: new Date(),
    });
  });

  it('on a phone, the instructor overrides the proposal with a reason; at a desk the coordinator reads it, two columns', async () => {
    const path = `/cohorts/${f.cohort}/trainees/${f.aniId}/units/${unit}`;
    const phone = await session.newContext(onPhone);
    try {
      const page = await phone.newPage();
      await logIn(page, teacher.email, teacher.password);
      await page.goto(path);
      expect(await page.locator('#proposal').innerText()).to.include('Belum kompeten (BK)');
      expect(await page.locator('.criteria-states').first().innerText()).to.match(/Memenuhi\s+1\.1[\s\S]*Belum memenuhi\s+1\.2/);
      // K without a reason: told beside the field, nothing saved.
      await page.check('input[name="status"][value="K"]');
      await Promise.all([page.waitForLoadState('load'), page.click('.verdict-form button[type="submit"]')]);
      const error = page.locator('#f-reason-error');
      expect(await error.isVisible()).to.equal(true);
      expect(await error.innerText()).to.include('Tuliskan alasan: putusan ini berbeda dari usulan (BK).');
      expect(await page.locator('#current-verdict').innerText()).to.include('Belum diputuskan');
      expect(await page.locator('input[name="status"][value="K"]').isChecked()).to.equal(true);
      await page.fill('#f-reason', 'Ditunjukkan langsung saat praktik ulang');
      await Promise.all([page.waitForURL(/saved=verdict/), page.click('.verdict-form button[type="submit"]')]);
      expect(await page.locator('.alert.success').innerText()).to.include('Putusan disimpan.');
      expect(await page.locator('#current-verdict').innerText()).to.include('Kompeten (K)');
      const history = await page.locator('.verdict-history').innerText();
      expect(history).to.include('Putusan berbeda dari usulan');
      expect(history).to.include('Bu Instruktur');
      expect(history).to.include('Ditunjukkan langsung saat praktik ulang');
      expect(await fitsWidth(page)).to.equal(true);
    } finally {
      await phone.close();
    }

    const desk = session.page;
    await desk.setViewportSize({ width: 1280, height: 800 });
    await logIn(desk, f.coordinatorUser.email, f.coordinatorUser.password);
    await desk.goto(path);
    expect(await desk.locator('#read-only').isVisible()).to.equal(true);
    expect(await desk.locator('input[name="status"]').count()).to.equal(0);
    expect(await desk.locator('#current-verdict').innerText()).to.include('Kompeten (K)');
    // Evidence on the left, the decision and its history on the right.
    const criteria = (await desk.locator('#criteria-heading').boundingBox())!;
    const historyBox = (await desk.locator('#history-heading').boundingBox())!;
    expect(historyBox.x).to.be.greaterThan(criteria.x + criteria.width / 2);
    expect(await fitsWidth(desk)).to.equal(true);
  });
});
