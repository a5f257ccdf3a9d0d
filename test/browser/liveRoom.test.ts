/// <reference lib="dom" />
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { applyOnBehalf } from '../../src/enrolment/service.js';
import { LiveSession } from '../../src/live/model.js';
import { logIn, onPhone, until, useBrowserSession } from '../support/browser.js';
import { makeCohortSetup } from '../support/cohorts.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';

/** Whether the page is wider than its screen (something would need sideways scrolling). */
const overflows = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);

describe('browser: a live class with an instructor and two trainees', function () {
  this.timeout(90_000);
  useTestDatabase(import.meta.url);
  const browser = useBrowserSession();

  it('carries chat, questions, polls, hands and the end of class between three browsers, on a phone and a desktop', async () => {
    const setup = await makeCohortSetup();
    const ayu = await makeUser('trainee', setup.institution, { name: 'Ayu Lestari' });
    const budi = await makeUser('trainee', setup.institution, { name: 'Budi Santoso' });
    for (const trainee of [ayu, budi])
      await applyOnBehalf(setup.coordinator, setup.cohort, trainee.id, { source: 'staff', enrolNow: true });
    const session = await LiveSession.create({
      cohort: setup.cohort,
      title: 'Praktik formulir HTML',
      startsAt: new Date(Date.now() - 5 * 60_000),
      durationMinutes: 90,
      meetingUrl: 'https://meet.jit.si/kompeten-html',
      createdBy: setup.instructor.id,
    });
    const room = `/live/${session._id}/room`;

    const teacher = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    const phone = await (await browser.newContext(onPhone)).newPage();
    const desk = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await logIn(teacher, setup.instructorUser.email, setup.instructorUser.password);
    await logIn(phone, ayu.email, ayu.password);
    await logIn(desk, budi.email, budi.password);

    // The trainee finds the room from the cohort's schedule.
    await phone.goto(`/cohorts/${setup.cohort}/live`);
    await phone.getByRole('link', { name: /Masuk ruang kelas langsung/ }).click();
    await phone.waitForURL(`**${room}`);
    for (const page of [teacher, desk]) await page.goto(room);
    for (const page of [teacher, phone, desk])
      await until('connected', async () => (await page.locator('[data-status]').textContent()) === 'Terhubung');
    expect(await phone.getByRole('link', { name: 'Tautan rapat video' }).getAttribute('href')).to.equal(
      'https://meet.jit.si/kompeten-html',
    );
    expect(await overflows(phone), 'the phone needs no sideways scrolling').to.equal(false);

    // Slides: the instructor uploads two pictures; the phone shows the page at a size for its screen and follows page turns.
    const slide = (colour: string) =>
      sharp({ create: { width: 1600, height: 900, channels: 3, background: colour } })
        .png()
        .toBuffer();
    await teacher.getByText('Unggah slide').click();
    await teacher.getByLabel('PDF atau gambar').setInputFiles([
      { name: 'slide-1.png', mimeType: 'image/png', buffer: await slide('#0b6e4f') },
      { name: 'slide-2.png', mimeType: 'image/png', buffer: await slide('#b42318') },
    ]);
    await teacher.getByRole('button', { name: 'Unggah dan tampilkan' }).click();
    await until(
      'the phone shows slide 1',
      async () => (await phone.locator('[data-slide-page]').textContent()) === 'Slide 1 dari 2',
    );
    await until('the picture loads', async () =>
      phone.locator('[data-slide-image]').evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth > 0),
    );
    expect(
      await phone.locator('[data-slide-image]').evaluate((image: HTMLImageElement) => image.currentSrc),
      'the 480 px copy for a 360 px screen',
    ).to.match(/[?&]w=480$/);
    await teacher.getByRole('button', { name: 'Slide berikutnya' }).click();
    for (const page of [phone, desk])
      await until(
        'every trainee follows',
        async () => (await page.locator('[data-slide-page]').textContent()) === 'Slide 2 dari 2',
      );
    expect(await phone.getByRole('button', { name: 'Slide berikutnya' }).count(), 'only the instructor turns pages').to.equal(0);

    // Chat: what a trainee types shows as text everywhere, never as markup.
    await phone.getByPlaceholder('Tulis pesan').fill('<img src=x onerror=alert(1)> Apakah label wajib?');
    await phone.getByRole('button', { name: 'Kirim' }).click();
    for (const page of [teacher, desk])
      await until(
        'the message arrives',
        async () => (await page.locator('[data-chat] li').last().textContent())?.includes('Apakah label wajib?') ?? false,
      );
    expect(await desk.locator('[data-chat] img').count()).to.equal(0);
    expect(await desk.locator('[data-chat] li').last().textContent()).to.include('<img src=x onerror=alert(1)>');
    expect(await phone.getByPlaceholder('Tulis pesan').inputValue()).to.equal('');

    // Questions: Budi asks, Ayu upvotes, the instructor marks it answered.
    await desk.getByRole('tab', { name: /Tanya/ }).click();
    await desk.getByPlaceholder('Ajukan pertanyaan kepada instruktur').fill('Kapan memakai fieldset?');
    await desk.getByRole('button', { name: 'Tanya' }).click();
    await until(
      'the phone’s tab shows something new',
      async () => (await phone.locator('[data-count="questions"]').textContent()) === '1',
    );
    await phone.getByRole('tab', { name: /Tanya/ }).click();
    await phone.getByRole('button', { name: /Dukung: Kapan memakai fieldset\?/ }).click();
    await teacher.getByRole('tab', { name: /Tanya/ }).click();
    await until(
      'the vote counts',
      async () => (await teacher.locator('[data-questions] li').first().textContent())?.includes('▲ 1') ?? false,
    );
    await teacher.getByRole('button', { name: 'Tandai terjawab' }).click();
    await until(
      'answered shows for the asker',
      async () => (await desk.locator('[data-questions] li').first().textContent())?.includes('Terjawab') ?? false,
    );

    // A poll: trainees vote once; results reach them only when the instructor shows them.
    await teacher.getByRole('tab', { name: /Polling/ }).click();
    await teacher.getByText('Buat jajak pendapat').click();
    await teacher.getByLabel('Pertanyaan jajak pendapat').fill('Atribut untuk menghubungkan label?');
    await teacher.getByLabel('Pilihan, satu per baris').fill('for\nname\nid');
    await teacher.getByRole('button', { name: 'Mulai' }).click();
    for (const page of [phone, desk]) await page.getByRole('tab', { name: /Polling/ }).click();
    await phone.getByRole('button', { name: 'for', exact: true }).click();
    await desk.getByRole('button', { name: 'id', exact: true }).click();
    await until(
      'the instructor sees both votes',
      async () => (await teacher.locator('.poll').first().textContent())?.includes('2 suara') ?? false,
    );
    expect(await phone.locator('.poll').first().textContent()).to.include('Hasil belum ditampilkan.');
    expect(await phone.getByRole('button', { name: 'name', exact: true }).count(), 'one vote each').to.equal(0);
    await teacher.getByRole('button', { name: 'Tampilkan hasil' }).click();
    await until(
      'the trainee sees the results',
      async () => (await phone.locator('.poll').first().textContent())?.includes('1 · 50%') ?? false,
    );
    // The bar is drawn to its share (set through the CSSOM: the CSP refuses inline styles).
    expect(
      await phone
        .locator('.poll .bar')
        .first()
        .evaluate((bar) => getComputedStyle(bar).getPropertyValue('--share')),
    ).to.equal('50%');

    // Hands: the instructor sees them in order and lowers one.
    await phone.getByRole('tab', { name: /Peserta/ }).click();
    await phone.getByRole('button', { name: 'Angkat tangan' }).click();
    await teacher.getByRole('tab', { name: /Peserta/ }).click();
    await until(
      'the hand shows',
      async () => (await teacher.locator('[data-hands]').textContent())?.includes('Ayu Lestari') ?? false,
    );
    expect(await teacher.locator('[data-people]').textContent()).to.include('Budi Santoso');
    await teacher.locator('[data-hands]').getByRole('button', { name: 'Turunkan tangan' }).click();
    await until(
      'the hand is down on the phone',
      async () => (await phone.getByRole('button', { name: 'Angkat tangan' }).count()) === 1,
    );

    // Moderation: a muted trainee can read but not write, and is told why.
    await teacher.getByRole('button', { name: 'Bisukan: Budi Santoso' }).click();
    await desk.getByRole('tab', { name: /Obrolan/ }).click();
    await until('the composer is disabled', async () => desk.getByPlaceholder('Tulis pesan').isDisabled());
    expect(await desk.locator('[data-chat-error]').textContent()).to.include('Instruktur membisukan Anda');

    // The end: everyone is told, and nothing more can be sent.
    await teacher.getByText('Akhiri kelas', { exact: true }).click();
    await teacher.getByRole('button', { name: 'Ya, akhiri kelas' }).click();
    for (const page of [phone, desk])
      await until(
        'the end reaches every trainee',
        async () => (await page.locator('[data-closed]').textContent()) === 'Kelas ini sudah selesai.',
      );
    expect(await phone.getByRole('button', { name: 'Angkat tangan' }).isDisabled()).to.equal(true);
    expect(await overflows(phone)).to.equal(false);
    await phone.reload();
    await until(
      'a reload says it ended',
      async () => (await phone.locator('[data-closed]').textContent()) === 'Kelas ini sudah selesai.',
    );
  });
});
