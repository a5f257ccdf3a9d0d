/// <reference lib="dom" />
import { expect } from 'chai';
import mongoose from 'mongoose';
import type { Page } from 'playwright-core';
import { recordEvidence } from '../../src/assessments/results/record.js';
import { decideVerdict } from '../../src/assessments/results/verdicts.js';
import { User } from '../../src/users/model.js';
import { assessmentCohort, c11, c12, o11, otherUnit, unit } from '../assessments/cohortFixture.js';
import { buildTestApp } from '../support/app.js';
import { logIn, onPhone, useBrowserSession } from '../support/browser.js';
import { useTestDatabase } from '../support/database.js';
import { defaultPassword } from '../support/factories.js';

/** Whether the page is no wider than its viewport (nothing to scroll sideways). */
const fitsWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

/** Whether the element's box lies inside the viewport horizontally (a reader can see it without scrolling). */
const inView = (page: Page, selector: string) =>
  page.locator(selector).evaluate((element) => {
    const box = element.getBoundingClientRect();
    return box.width > 0 && box.left >= 0 && box.right <= window.innerWidth;
  });

describe('browser: the gradebook and the trainee results', function () {
  this.timeout(90_000);
  useTestDatabase(import.meta.url);
  const session = useBrowserSession();

  it('staff read the gradebook at a desk and on a phone (names stay in view), and a trainee reads their results', async () => {
    const f = await assessmentCohort(buildTestApp());
    const at = new Date();
    const submission = String(new mongoose.Types.ObjectId());
    await recordEvidence({
      cohort: f.cohort,
      trainee: f.aniId,
      unit,
      source: 'assignment',
      id: `${submission}:${f.aniId}`,
      title: 'Foto praktik struktur data',
      criteria: [
        { ref: c11, met: true },
        { ref: c12, met: true },
      ],
      by: f.teacherActor.id,
      at,
    });
    await recordEvidence({
      cohort: f.cohort,
      trainee: f.budiId,
      unit,
      source: 'assignment',
      id: `${submission}:${f.budiId}`,
      title: 'Foto praktik struktur data',
      criteria: [
        { ref: c11, met: true },
        { ref: c12, met: false },
      ],
      by: f.teacherActor.id,
      at,
    });
    await recordEvidence({
      cohort: f.cohort,
      trainee: f.aniId,
      unit: otherUnit,
      source: 'observation',
      id: String(new mongoose.Types.ObjectId()),
      title: 'Mock-up di bengkel',
      criteria: [{ ref: o11, met: true }],
      by: f.teacherActor.id,
      at,
    });
    await decideVerdict(
      f.teacherActor,
      { cohortId: f.cohort, traineeId: f.budiId, unit },
      { status: 'BK', reason: 'Perbandingan struktur data belum tepat.', revision: 0 },
    );
    const emailOf = async (id: string) => (await User.findById(id).lean())!.email;

    // The instructor at a desk (1280 px): from the cohort page to the gradebook; the whole table shows.
    const staff = session.page;
    await staff.setViewportSize({ width: 1280, height: 800 });
    await logIn(staff, await emailOf(f.teacherActor.id), defaultPassword);
    await staff.goto(`/cohorts/${f.cohort}`);
    await staff.click(`a[href="/cohorts/${f.cohort}/gradebook"]`);
    await staff.waitForURL(`**/cohorts/${f.cohort}/gradebook`);
    const cell = (trainee: string, code: string) => `tr[data-trainee="${trainee}"] td[data-cell="${code}"]`;
    expect(await staff.locator(`${cell(f.aniId, unit)} .gb-state`).textContent()).to.equal('usulan K');
    expect(await staff.locator(`${cell(f.budiId, unit)} .gb-state`).textContent()).to.equal('BK');
    expect(await staff.locator(`${cell(f.budiId, otherUnit)} .gb-progress`).textContent()).to.equal('KUK 0/1');
    expect(await staff.locator(`td[data-summary="${unit}"] strong`).textContent()).to.equal('0 dari 2');
    expect(await fitsWidth(staff)).to.equal(true);
    expect(await inView(staff, cell(f.budiId, otherUnit))).to.equal(true);
    const frame = staff.locator('.gradebook-scroll');
    expect(await frame.evaluate((element) => element.scrollWidth <= element.clientWidth)).to.equal(true);

    // The filter narrows the rows to one state.
    await staff.selectOption('#f-state', 'BK');
    await staff.click('.gradebook-filter button[type="submit"]');
    await staff.waitForURL(/state=BK/);
    expect(await staff.locator('tbody tr').count()).to.equal(1);
    expect(await staff.locator('tbody th.gb-name').textContent()).to.equal('Budi Santoso');

    // On a phone (360 px): the page keeps its width, the table scrolls inside its frame, and the
    // names stay in view when it is scrolled to the last unit.
    await staff.setViewportSize({ width: 360, height: 740 });
    await staff.goto(`/cohorts/${f.cohort}/gradebook`);
    expect(await fitsWidth(staff)).to.equal(true);
    expect(await frame.evaluate((element) => element.scrollWidth > element.clientWidth)).to.equal(true);
    expect(await staff.locator('.gradebook-hint').isVisible()).to.equal(true);
    expect(await inView(staff, cell(f.budiId, otherUnit))).to.equal(false);
    await frame.evaluate((element) => {
      element.scrollLeft = element.scrollWidth;
    });
    expect(await inView(staff, cell(f.budiId, otherUnit))).to.equal(true);
    expect(await inView(staff, `tr[data-trainee="${f.budiId}"] th.gb-name`)).to.equal(true);
    const name = await staff.locator(`tr[data-trainee="${f.budiId}"] th.gb-name`).boundingBox();
    const last = await staff.locator(cell(f.budiId, otherUnit)).boundingBox();
    expect(name!.x + name!.width, 'the name does not cover the cell beside it').to.be.at.most(last!.x + 1);
    expect(await staff.locator(`${cell(f.budiId, otherUnit)} a`).getAttribute('href')).to.equal(
      `/cohorts/${f.cohort}/trainees/${f.budiId}/units/${otherUnit}`,
    );

    // The trainee on a phone: from the course outline to their results.
    const phone = await (await session.newContext(onPhone)).newPage();
    await logIn(phone, await emailOf(f.budiId), defaultPassword);
    await phone.goto(`/learn/${f.cohort}`);
    await phone.click(`a[href="/learn/${f.cohort}/results"]`);
    await phone.waitForURL(`**/learn/${f.cohort}/results`);
    const first = phone.locator(`section[data-unit="${unit}"]`);
    expect(await first.locator('[data-verdict]').textContent()).to.equal('Belum kompeten (BK)');
    expect(await first.locator('.my-reason').textContent()).to.include('Perbandingan struktur data belum tepat.');
    expect(await first.locator('.rubric-result li.not-met').textContent()).to.include('Struktur data dibandingkan');
    expect(await first.locator('.my-evidence a').getAttribute('href')).to.equal(`/assignments/${submission}`);
    expect(await phone.locator(`section[data-unit="${otherUnit}"] [data-verdict]`).textContent()).to.equal('Belum diputuskan');
    expect(await fitsWidth(phone)).to.equal(true);
    await phone.setViewportSize({ width: 1280, height: 800 });
    expect(await first.locator('.my-reason').isVisible()).to.equal(true);
    expect(await fitsWidth(phone)).to.equal(true);
    await phone.context().close();
  });
});
