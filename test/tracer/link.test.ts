import { expect } from 'chai';
import supertest from 'supertest';
import { LoginFailure } from '../../src/auth/throttle.js';
import { linkGuessLimit } from '../../src/tracer/links.js';
import { TracerSurvey } from '../../src/tracer/model.js';
import { buildTestApp, submitForm } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';
import { makeInstitution, makeSector } from '../support/factories.js';
import { day, jobAnswers, mainOf, graduate as makeGraduate } from './graduates.js';

describe('employment tracer: the survey link', () => {
  useTestDatabase(import.meta.url);
  let app: ReturnType<typeof buildTestApp>;
  let institution: string;
  let sector: string;
  before(async () => {
    app = buildTestApp();
    institution = (await makeInstitution({ name: 'BLK Jejak Kerja' })).id;
    sector = (await makeSector()).code;
  });
  beforeEach(async () => {
    // Every test asks from the same address: each starts with its guesses forgotten.
    await LoginFailure.deleteMany({ key: /^tracer-link:/ });
  });
  const graduate = (options: Parameters<typeof makeGraduate>[1] = {}) => makeGraduate(institution, options);
  const job = (overrides: Record<string, string> = {}) => jobAnswers(sector, overrides);

  it('opens the survey through its link without a login, showing only the first name', async () => {
    const one = await graduate({ name: 'Siti Aminah Rahayu' });
    const visitor = supertest.agent(app);
    const page = await visitor.get(`/tracer/s/${one.token}`);
    expect(page.status).to.equal(200);
    expect(page.headers['cache-control']).to.equal('no-store');
    expect(page.text).to.include('Halo, Siti!');
    const main = mainOf(page.text);
    expect(main).to.not.include('Aminah');
    expect(main).to.not.include(one.user.email);
    expect(main).to.not.include('Junior Web Programmer');
    expect(main).to.not.include(one.user.id);

    const sent = await submitForm(visitor, `/tracer/s/${one.token}`, {
      situation: 'studying',
      studyInstitution: 'Politeknik Negeri Bandung',
      studyProgram: 'D3 Teknik Komputer',
    });
    expect(sent.status).to.equal(303);
    expect(sent.headers.location).to.equal(`/tracer/s/${one.token}?saved=1`);
    const stored = await TracerSurvey.findById(one.survey).lean();
    expect(stored?.answers).to.deep.equal({
      situation: 'studying',
      institution: 'Politeknik Negeri Bandung',
      program: 'D3 Teknik Komputer',
    });
    expect(stored?.answeredVia).to.equal('link');
    expect((await visitor.get(sent.headers.location!)).text).to.include('value="Politeknik Negeri Bandung"');
  });

  it('answers a tampered or guessed token with the same "link not valid" page', async () => {
    const one = await graduate();
    const last = one.token.at(-1) === 'A' ? 'B' : 'A';
    const tampered = `${one.token.slice(0, -1)}${last}`;
    const guesses = [tampered, 'AAAAAAAAAAAAAAAAAAAAAAAA', one.survey, 'short', encodeURIComponent(one.token.slice(0, 23))];
    const pages = await Promise.all(guesses.map((token) => supertest(app).get(`/tracer/s/${token}`)));
    for (const page of pages) {
      expect(page.status).to.equal(404);
      expect(mainOf(page.text)).to.equal(mainOf(pages[0]!.text));
    }
    expect(pages[0]!.text).to.include('Tautan survei ini tidak berlaku.');
    const english = await supertest(app).get(`/tracer/s/${tampered}`).set('Accept-Language', 'en');
    expect(english.text).to.include('This survey link is not valid.');
    // Sending answers to a wrong link writes nothing.
    const visitor = supertest.agent(app);
    expect((await submitForm(visitor, `/tracer/s/${tampered}`, job())).status).to.equal(404);
    expect((await TracerSurvey.findById(one.survey).lean())?.answers).to.equal(null);
  });

  it('refuses every link from an address that made too many wrong guesses', async () => {
    const one = await graduate();
    for (let guess = 0; guess < linkGuessLimit; guess += 1) {
      expect((await supertest(app).get(`/tracer/s/${'G'.repeat(23)}${guess % 10}`)).status).to.equal(404);
    }
    const blocked = await supertest(app).get(`/tracer/s/${one.token}`);
    expect(blocked.status).to.equal(429);
    expect(blocked.text).to.match(/Terlalu banyak tautan yang tidak berlaku dari alamat ini\. Coba lagi dalam \d+ menit\./);
    expect(Number(blocked.headers['retry-after'])).to.be.greaterThan(0);
    // A valid link does not count against the address.
    await LoginFailure.deleteMany({ key: /^tracer-link:/ });
    for (let visit = 0; visit < linkGuessLimit + 2; visit += 1) {
      expect((await supertest(app).get(`/tracer/s/${one.token}`)).status).to.equal(200);
    }
  });

  it('shows each wrong field with its message, in Indonesian and in English, and saves nothing', async () => {
    const one = await graduate();
    const tomorrow = new Date(Date.now() + 2 * day).toISOString().slice(0, 10);
    const cases: [string, Record<string, string>, Record<'id' | 'en', string[]>][] = [
      [
        'employed',
        job({ employer: '', jobStartedOn: tomorrow, wageBand: 'banyak' }),
        {
          id: [
            'Wajib diisi.',
            'Tanggal ini belum tiba; tulis tanggal hari ini atau sebelumnya.',
            'Pilih salah satu pilihan yang tersedia.',
          ],
          en: ['Required.', 'This date has not come yet; enter today or an earlier date.', 'Choose one of the options offered.'],
        },
      ],
      [
        'self-employed',
        { situation: 'selfEmployed', businessField: 'Bengkel las', businessStartedOn: '2001-01-01', incomeBand: '1to3' },
        { id: ['Tanggal ini sebelum pelatihan dimulai ('], en: ['This date is before the training began ('] },
      ],
      [
        'studying',
        { situation: 'studying', studyInstitution: '', studyProgram: 'D3' },
        { id: ['Wajib diisi.'], en: ['Required.'] },
      ],
      [
        'seeking',
        { situation: 'seeking', seekingSince: '31-12-2024' },
        { id: ['Tulis tanggal yang benar (tahun-bulan-tanggal).'], en: ['Enter a real date (year-month-day).'] },
      ],
      ['none', {}, { id: ['Wajib diisi.'], en: ['Required.'] }],
    ];
    for (const language of ['id', 'en'] as const) {
      const visitor = supertest.agent(app);
      for (const [name, input, messages] of cases) {
        const response = await submitForm(visitor, `/tracer/s/${one.token}`, input, language);
        expect(response.status, `${name} (${language})`).to.equal(422);
        for (const message of messages[language]) expect(response.text, `${name} (${language})`).to.include(message);
        // The form comes back with what was typed.
        if (input.employer !== undefined) expect(response.text).to.include(`value="${input.jobTitle}"`);
      }
    }
    expect((await TracerSurvey.findById(one.survey).lean())?.answers).to.equal(null);
  });
});
