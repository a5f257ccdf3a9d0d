/// <reference lib="dom" />
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { Submission } from '../../src/assessments/assignments/model.js';
import { createCohort } from '../../src/cohorts/service.js';
import { applyOnBehalf } from '../../src/enrolment/service.js';
import type { Actor } from '../../src/platform/permissions.js';
import { createLesson, createModule } from '../../src/programs/content.js';
import { publishProgram } from '../../src/programs/publishing.js';
import { lessonSchema, moduleSchema, programSchema } from '../../src/programs/schemas.js';
import { createProgram } from '../../src/programs/service.js';
import { unitInput } from '../../src/units/schemas.js';
import { saveUnits } from '../../src/units/service.js';
import { samples } from '../files/samples.js';
import { logIn, onPhone, useBrowserSession } from '../support/browser.js';
import { cohortFields } from '../support/cohorts.js';
import { useTestDatabase } from '../support/database.js';
import { makeInstitution, makeUser } from '../support/factories.js';

const unit = 'J.620100.004.02';
const inThreeDays = () => new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);

/** Whether the page is no wider than its viewport (nothing to scroll sideways). */
const fitsWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

describe('browser: an assignment from setting to resubmission', function () {
  this.timeout(90_000);
  useTestDatabase(import.meta.url);
  const session = useBrowserSession();

  it('an instructor sets it, a trainee submits a photo from the phone, the rubric asks for a revision, and the trainee resubmits', async () => {
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
            ],
          },
        ],
      }),
    ]);
    const program = await createProgram(
      coordinator,
      programSchema.parse({ code: 'PRG-BRW', title: 'Pemrograman', level: 2, units: [unit] }),
    );
    const module = await createModule(coordinator, program, moduleSchema.parse({ title: 'Modul', hours: 4, units: [unit] }));
    await createLesson(coordinator, module, lessonSchema.parse({ title: 'Materi', body: 'Isi' }));
    await publishProgram(coordinator, program);
    const teacher = await makeUser('instructor', institution, { name: 'Pak Instruktur' });
    const cohort = await createCohort(coordinator, cohortFields(program, { instructors: [teacher.id] }));
    const trainee = await makeUser('trainee', institution, { name: 'Rina Praktik' });
    await applyOnBehalf(coordinator, cohort, trainee.id, { source: 'staff', enrolNow: true });

    // The instructor, at a desk (1280 px).
    const staff = session.page;
    await staff.setViewportSize({ width: 1280, height: 800 });
    await logIn(staff, teacher.email, teacher.password);
    await staff.goto(`/cohorts/${cohort}`);
    await staff.click('a[href$="/assignments"]');
    await staff.click('text=Tugas baru');
    await staff.fill('#f-title', 'Foto rak buku tersusun');
    await staff.fill('#f-instructions', 'Susun buku lalu **foto** hasilnya.');
    await staff.selectOption('#f-unit', unit);
    await staff.check(`input[name="criteria"][value="${unit}#1.1"]`);
    await staff.check(`input[name="criteria"][value="${unit}#1.2"]`);
    await staff.fill('#f-dueDay', inThreeDays());
    await staff.fill('#f-dueTime', '17:00');
    await staff.click('.assignment-form button[type="submit"]');
    await staff.waitForURL(/\/assignments\/[0-9a-f]{24}\?saved=created/);
    expect(await staff.locator('.alert.success').textContent()).to.include('Tugas dibuat.');
    expect(await staff.locator('[data-count="none"]').textContent()).to.include('Belum dikumpulkan: 1');
    const assignmentUrl = staff.url().replace(/\?.*$/, '');
    expect(await fitsWidth(staff)).to.equal(true);

    // The trainee, on a 360 px phone: the outline lists it, the page tells the due date and time left.
    const phone = await (await session.newContext(onPhone)).newPage();
    await logIn(phone, trainee.email, trainee.password);
    await phone.goto(`/learn/${cohort}`);
    const listed = phone.locator('.outline-assignments li');
    expect(await listed.textContent()).to.include('Belum dikumpulkan');
    await listed.locator('a').click();
    expect(await phone.locator('#assignment-due').textContent()).to.include('17.00 WIB');
    expect(await phone.locator('#assignment-left').textContent()).to.match(/\d+ hari \d+ jam lagi/);
    expect(await phone.locator('.prose strong').textContent()).to.equal('foto');
    await phone.fill('#f-text', 'Rak sudah saya susun per kategori.');
    await phone.setInputFiles('#f-file', { name: 'rak.png', mimeType: 'image/png', buffer: samples.png() });
    expect(await phone.locator('#f-file').isVisible()).to.equal(true);
    expect(await fitsWidth(phone)).to.equal(true);
    await phone.click('.submission-form button[type="submit"]');
    await phone.waitForURL(/saved=submitted/);
    expect(await phone.locator('#assignment-state').textContent()).to.equal('Terkumpul');
    expect(await phone.locator('.evidence-files').textContent()).to.include('rak.png');

    // The instructor grades with the rubric: 1.2 not yet met, a revision asked.
    await staff.goto(assignmentUrl);
    expect(await staff.locator('[data-count="submitted"]').textContent()).to.include('Terkumpul: 1');
    await staff.click('text=Rina Praktik');
    expect(await staff.locator('.evidence-text').textContent()).to.include('per kategori');
    // The photo shows (isVisible does not wait: on a busy machine the page may still be laying out).
    await staff.locator('img.evidence-image').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await staff.locator('img.evidence-image').isVisible()).to.equal(true);
    await staff.check('input[name="met-0"][value="yes"]');
    await staff.check('input[name="met-1"][value="no"]');
    await staff.fill('#f-comment-1', 'Belum ada perbandingan dengan rak lain.');
    await staff.fill('#f-comment', 'Tambahkan foto pembanding.');
    await staff.check('input[name="decision"][value="resubmit"]');
    await staff.click('.rubric-form button[type="submit"]');
    await staff.waitForURL(/saved=graded/);
    expect(await staff.locator('[data-count="resubmit"]').textContent()).to.include('Perlu diperbaiki: 1');

    // The trainee sees the result on the phone and sends the revision.
    await phone.reload();
    expect(await phone.locator('#assignment-state').textContent()).to.equal('Perlu diperbaiki');
    const result = phone.locator('.assignment-result');
    expect(await result.isVisible()).to.equal(true);
    expect(await result.textContent()).to.include('Belum memenuhi');
    expect(await result.textContent()).to.include('Belum ada perbandingan dengan rak lain.');
    expect(await result.textContent()).to.include('Tambahkan foto pembanding.');
    expect(await fitsWidth(phone)).to.equal(true);
    await phone.fill('#f-text', 'Rak sudah saya susun, dengan foto pembanding.');
    await phone.setInputFiles('#f-file', { name: 'pembanding.jpg', mimeType: 'image/jpeg', buffer: samples.jpeg() });
    await phone.click('.submission-form button[type="submit"]');
    await phone.waitForURL(/saved=submitted/);
    expect(await phone.locator('#assignment-state').textContent()).to.equal('Terkumpul');
    expect(await phone.locator('h2#submission-heading').textContent()).to.include('putaran 2');

    const stored = await Submission.findOne({ trainee: trainee.id }).lean();
    expect(stored?.round).to.equal(2);
    expect(stored?.files.map((file) => file.name)).to.deep.equal(['rak.png', 'pembanding.jpg']);

    // The same pages read at the other width: the trainee's at 1280, the instructor's list at 360.
    await phone.setViewportSize({ width: 1280, height: 800 });
    await phone.reload();
    expect(await phone.locator('#assignment-state').isVisible()).to.equal(true);
    await staff.setViewportSize({ width: 360, height: 740 });
    await staff.goto(assignmentUrl);
    expect(await staff.locator('table.assignment-trainees').textContent()).to.include('Rina Praktik');
    expect(await fitsWidth(staff)).to.equal(true);
    await phone.context().close();
  });
});
