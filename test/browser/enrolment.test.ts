/// <reference lib="dom" />
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { logIn, useBrowserSession } from '../support/browser.js';
import { makeCohortSetup } from '../support/cohorts.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';

const mainText = async (page: Page) => (await page.locator('main').textContent()) ?? '';

describe('browser journey: from intake through counselling and approval to a completed lesson', function () {
  this.timeout(90_000);
  useTestDatabase(import.meta.url);
  const session = useBrowserSession();

  it('routes an applicant to a cohort, enrols them and lets them finish a lesson', async () => {
    const setup = await makeCohortSetup({ shape: [2, 1] });
    const applicant = await makeUser('trainee', null, { name: 'Bayu Saputra' });
    const trainee = session.page;
    const coordinator = await (await session.newContext()).newPage();

    // The applicant tells the counsellor about themself.
    await logIn(trainee, applicant.email, applicant.password);
    await trainee.goto('/intake');
    await trainee.selectOption('select[name="institution"]', setup.institution);
    await trainee.selectOption('select[name="education"]', 'smk');
    await trainee.fill('textarea[name="experience"]', 'Dua tahun membantu di bengkel komputer.');
    await trainee.check('input[name="schedule"][value="weekdayEvening"]');
    await trainee.fill('textarea[name="accommodation"]', 'Memakai kursi roda.');
    await Promise.all([trainee.waitForURL('**/intake?saved=1'), trainee.click('form[action="/intake"] button[type="submit"]')]);

    // The counsellor finds them waiting, records a training outcome for the open cohort.
    await logIn(coordinator, setup.coordinatorUser.email, setup.coordinatorUser.password);
    await coordinator.goto('/counselling');
    await Promise.all([coordinator.waitForURL(`**/counselling/${applicant.id}`), coordinator.click('text=Bayu Saputra')]);
    expect(await mainText(coordinator)).to.include('Memakai kursi roda.');
    await coordinator.check('input[name="outcome"][value="training"]');
    await coordinator.selectOption('select[name="cohort"]', setup.cohort);
    await coordinator.fill('textarea[name="notes"]', 'Minat kuat pada pemrograman web.');
    await coordinator.click(`form[action="/counselling/${applicant.id}/sessions#record"] button[type="submit"]`);
    await coordinator.waitForLoadState();

    // The application it opened waits on the cohort page; the coordinator approves it.
    await coordinator.goto(`/cohorts/${setup.cohort}`);
    const row = coordinator.locator('tr', { hasText: 'Bayu Saputra' });
    expect(await row.textContent()).to.include('setelah konseling');
    await Promise.all([coordinator.waitForURL(/saved=enrolled/), row.locator('button', { hasText: 'Terima' }).click()]);
    expect(await mainText(coordinator)).to.include('Peserta diterima.');

    // The trainee starts learning and finishes the first lesson.
    await trainee.goto('/learning');
    expect(await mainText(trainee)).to.include('0 dari 3 materi selesai');
    await Promise.all([trainee.waitForURL('**/lessons/**'), trainee.click('a.button:has-text("Mulai")')]);
    expect(await trainee.locator('h1').textContent()).to.equal('Materi 1.1');
    await trainee.click('#completion-form button');
    await trainee.waitForFunction(() => document.getElementById('lesson-status')?.textContent?.includes('Materi selesai'));
    await trainee.goto('/learning');
    await trainee.waitForFunction(() => document.querySelector('main')?.textContent?.includes('1 dari 3 materi selesai'));
    expect(await mainText(trainee)).to.include('Lanjutkan: Materi 1.2');

    // The roster shows the coordinator the same progress.
    await coordinator.goto(`/cohorts/${setup.cohort}/roster`);
    expect(await mainText(coordinator))
      .to.include('Bayu Saputra')
      .and.include('1 dari 3 materi selesai');
  });
});
