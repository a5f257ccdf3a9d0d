/// <reference lib="dom" />
import { expect } from 'chai';
import { Cohort } from '../../src/cohorts/model.js';
import { applyOnBehalf } from '../../src/enrolment/service.js';
import { createSession } from '../../src/live/service.js';
import { logIn, useBrowserSession } from '../support/browser.js';
import { makeCohortSetup } from '../support/cohorts.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';

const day = 86_400_000;
const wibDay = (date: Date) => new Date(date.getTime() + 7 * 3600_000).toISOString().slice(0, 10);

describe('browser: scheduling live sessions', function () {
  this.timeout(60_000);
  useTestDatabase(import.meta.url);
  const session = useBrowserSession();

  for (const viewport of [
    { width: 360, height: 740 },
    { width: 1280, height: 800 },
  ]) {
    it(`lets an instructor schedule and cancel a session, and reminds the trainee (${viewport.width} px)`, async () => {
      const setup = await makeCohortSetup();
      await Cohort.updateOne({ _id: setup.cohort }, { $set: { startsOn: new Date(Date.now() - day) } });
      const trainee = await makeUser('trainee', setup.institution, { name: 'Rina Live' });
      await applyOnBehalf(setup.coordinator, setup.cohort, trainee.id, { source: 'staff', enrolNow: true });
      const page = await (await session.newContext({ viewport })).newPage();

      await logIn(page, setup.instructorUser.email, setup.instructorUser.password);
      await page.goto(`/cohorts/${setup.cohort}`);
      await page.getByRole('link', { name: 'Kelas langsung' }).click();
      expect(await page.getByLabel('Judul sesi').first().isVisible()).to.equal(false);
      await page.getByText('Jadwalkan sesi').click();
      await page.getByLabel('Judul sesi').first().fill('Praktik formulir HTML');
      await page.getByLabel('Tanggal', { exact: true }).fill(wibDay(new Date(Date.now() + 2 * day)));
      await page.getByLabel('Jam mulai (WIB)').fill('19:30');
      await page.getByLabel('Tautan rapat video (opsional)').first().fill('javascript:alert(1)');
      await page.getByRole('button', { name: 'Jadwalkan', exact: true }).click();
      expect(await page.getByText('Tautan rapat harus alamat http:// atau https://').first().isVisible()).to.equal(true);
      await page.getByLabel('Tautan rapat video (opsional)').first().fill('https://meet.jit.si/kompeten-html');
      await page.getByRole('button', { name: 'Jadwalkan', exact: true }).click();
      expect(await page.getByRole('status').first().textContent()).to.include('Sesi dijadwalkan.');
      const item = page.locator('.live-session', { hasText: 'Praktik formulir HTML' });
      expect(await item.textContent()).to.include('19.30 WIB');

      await item.locator('summary', { hasText: 'Batalkan' }).click();
      await item.getByRole('button', { name: 'Ya, batalkan sesi' }).click();
      expect(await page.getByRole('status').first().textContent()).to.include('Sesi dibatalkan.');
      expect(await page.locator('.live-session', { hasText: 'Praktik formulir HTML' }).textContent()).to.include('Dibatalkan');
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width, 'nothing sticks out sideways').to.be.at.most(viewport.width);
      await page.context().close();

      await createSession(setup.instructor, setup.cohort, {
        title: 'Kelas pagi',
        startsAt: new Date(Date.now() + 10 * 60_000),
        durationMinutes: 60,
        module: '',
        meetingUrl: 'https://meet.jit.si/pagi',
      });
      const traineePage = await (await session.newContext({ viewport })).newPage();
      await logIn(traineePage, trainee.email, trainee.password);
      await traineePage.goto('/dashboard');
      const reminder = traineePage.locator('.live-reminder');
      expect(await reminder.textContent()).to.include('Kelas pagi');
      expect(await reminder.getByRole('link', { name: 'Gabung sekarang' }).isVisible()).to.equal(true);
      expect(await traineePage.getByText('dibatalkan.').first().isVisible()).to.equal(true);
      await traineePage.context().close();
    });
  }
});
