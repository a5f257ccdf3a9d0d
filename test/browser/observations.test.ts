/// <reference lib="dom" />
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { Observation } from '../../src/assessments/observations/model.js';
import { createCohort } from '../../src/cohorts/service.js';
import { applyOnBehalf } from '../../src/enrolment/service.js';
import type { Actor } from '../../src/platform/permissions.js';
import { createLesson, createModule } from '../../src/programs/content.js';
import { publishProgram } from '../../src/programs/publishing.js';
import { lessonSchema, moduleSchema, programSchema } from '../../src/programs/schemas.js';
import { createProgram } from '../../src/programs/service.js';
import { unitInput } from '../../src/units/schemas.js';
import { saveUnits } from '../../src/units/service.js';
import { logIn, onPhone, useBrowserSession } from '../support/browser.js';
import { cohortFields } from '../support/cohorts.js';
import { useTestDatabase } from '../support/database.js';
import { makeInstitution, makeUser } from '../support/factories.js';

const unit = 'J.620100.004.02';

/** Whether the page is no wider than its viewport (nothing to scroll sideways). */
const fitsWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

describe('browser: a practical observation checklist', function () {
  this.timeout(90_000);
  useTestDatabase(import.meta.url);
  const session = useBrowserSession();

  it('an instructor fills the checklist on a phone in the workshop, and the trainee reads it at a desk and on a phone', async () => {
    const institution = (await makeInstitution()).id;
    const coordinator: Actor = { id: (await makeUser('coordinator', institution)).id, role: 'coordinator', institution };
    await saveUnits(coordinator, [
      unitInput.parse({
        code: unit,
        title: { id: 'Menggunakan Struktur Data' },
        elements: [
          {
            no: 1,
            title: 'Mengidentifikasi struktur data',
            criteria: [
              { no: '1.1', text: 'Konsep data diidentifikasi' },
              { no: '1.2', text: 'Struktur data dibandingkan' },
              { no: '1.3', text: 'Struktur data dipilih sesuai kebutuhan' },
            ],
          },
        ],
      }),
    ]);
    const program = await createProgram(
      coordinator,
      programSchema.parse({ code: 'PRG-OBS', title: 'Pemrograman', level: 2, units: [unit] }),
    );
    const module = await createModule(coordinator, program, moduleSchema.parse({ title: 'Modul', hours: 4, units: [unit] }));
    await createLesson(coordinator, module, lessonSchema.parse({ title: 'Materi', body: 'Isi' }));
    await publishProgram(coordinator, program);
    const teacher = await makeUser('instructor', institution, { name: 'Pak Instruktur' });
    const cohort = await createCohort(coordinator, cohortFields(program, { instructors: [teacher.id] }));
    const trainee = await makeUser('trainee', institution, { name: 'Rina Praktik' });
    await applyOnBehalf(coordinator, cohort, trainee.id, { source: 'staff', enrolNow: true });

    // The instructor, on a 360 px phone in the workshop.
    const staff = await (await session.newContext(onPhone)).newPage();
    await logIn(staff, teacher.email, teacher.password);
    await staff.goto(`/cohorts/${cohort}`);
    await staff.click(`a[href="/cohorts/${cohort}/observations"]`);
    await staff.click('text=Observasi baru');
    await staff.selectOption('#f-trainee', { label: 'Rina Praktik' });
    await staff.selectOption('#f-unit', unit);
    await staff.click('.observation-pick button[type="submit"]');
    expect(await staff.locator('.observation-who').textContent()).to.include('Rina Praktik');
    const items = staff.locator('.checklist-item');
    expect(await items.count()).to.equal(3);
    // Every choice is a thumb-sized target, one under another, and nothing scrolls sideways.
    for (const box of await staff
      .locator('.checklist-choices .choice')
      .evaluateAll((labels) => labels.map((label) => label.getBoundingClientRect().toJSON() as DOMRect))) {
      expect(box.height).to.be.at.least(44);
      expect(box.width).to.be.greaterThan(250);
    }
    expect(await fitsWidth(staff)).to.equal(true);
    await staff.fill('#f-activity', 'Bengkel 2, menyusun rak data');
    await items.nth(0).locator('label.choice-yes').tap();
    await items.nth(1).locator('label.choice-no').tap();
    await staff.fill('#f-comment-1', 'Belum membandingkan dua struktur.');
    // 1.3 stays "not observed".
    expect(await items.nth(2).locator('input[type=radio][value=""]').isChecked()).to.equal(true);
    await staff.fill('#f-note', 'Ulangi perbandingan minggu depan.');
    await staff.locator('.checklist-save').tap();
    await staff.waitForURL(/\/observations\/[0-9a-f]{24}\?saved=created/);
    expect(await staff.locator('.alert.success').textContent()).to.include('Observasi disimpan.');
    expect(await staff.locator('.observation-summary').textContent()).to.match(/1 memenuhi\s+1 belum memenuhi/);
    expect(await fitsWidth(staff)).to.equal(true);
    const stored = await Observation.findOne({ trainee: trainee.id }).lean();
    expect(stored?.criteria.map((item) => [item.ref, item.met])).to.deep.equal([
      [`${unit}#1.1`, true],
      [`${unit}#1.2`, false],
    ]);

    // The trainee, at a desk (1280 px): from the course outline to the observation, read only.
    // (No service worker: the outline registers one, whose late requests would outlive the test.)
    const desk = await (await session.newContext({ viewport: { width: 1280, height: 800 }, serviceWorkers: 'block' })).newPage();
    await logIn(desk, trainee.email, trainee.password);
    await desk.goto(`/learn/${cohort}`);
    await desk.click('.outline-observations a');
    const row = desk.locator('table.observation-list tbody tr');
    expect(await row.count()).to.equal(1);
    expect(await row.textContent()).to.include('Bengkel 2, menyusun rak data');
    await row.locator('a').click();
    const checks = desk.locator('.observation-checks li');
    expect(await checks.nth(0).textContent()).to.match(/Memenuhi\s+1\.1\s+Konsep data diidentifikasi/);
    expect(await checks.nth(1).textContent()).to.match(/Belum memenuhi\s+1\.2[\s\S]*Belum membandingkan dua struktur\./);
    expect(await checks.count()).to.equal(2);
    expect(await desk.locator('.observation-note').textContent()).to.equal('Ulangi perbandingan minggu depan.');
    expect(await desk.locator('[data-observed]').isVisible()).to.equal(true);
    expect(await desk.locator('a[href$="/edit"]').count()).to.equal(0);
    expect(await desk.locator('details.confirm-delete').count()).to.equal(0);

    // The same pages at the other width: the trainee's on a phone, the instructor's list at a desk.
    await desk.setViewportSize({ width: 360, height: 740 });
    await desk.reload();
    expect(await checks.nth(1).isVisible()).to.equal(true);
    expect(await fitsWidth(desk)).to.equal(true);
    await staff.setViewportSize({ width: 1280, height: 800 });
    await staff.goto(`/cohorts/${cohort}/observations`);
    expect(await staff.locator('table.observation-list').textContent()).to.include('Rina Praktik');
    expect(await staff.locator('table.observation-list thead').isVisible()).to.equal(true);
    await staff.context().close();
    await desk.context().close();
  });
});
