import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import supertest from 'supertest';
import { Cohort } from '../../src/cohorts/model.js';
import { upcomingSessions } from '../../src/cohorts/schedule.js';
import { dayEnd, dayOf, dayStart } from '../../src/cohorts/service.js';
import { Intake } from '../../src/counselling/model.js';
import { Enrollment } from '../../src/enrolment/model.js';
import { applyOnBehalf, approveEnrollment, withdrawEnrollment } from '../../src/enrolment/service.js';
import { User } from '../../src/users/model.js';
import { buildTestApp, loggedInAgent, submitForm } from '../support/app.js';
import { cohortForm, makeCohortSetup } from '../support/cohorts.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

describe('cohorts: pages for coordinators, instructors and applicants', () => {
  useTestDatabase(import.meta.url);
  const app = buildTestApp();

  it('lets a coordinator create a cohort through the form, with each mistake named beside its field', async () => {
    const setup = await makeCohortSetup();
    const agent = await loggedInAgent(app, setup.coordinatorUser.email, setup.coordinatorUser.password);
    const fields = {
      name: 'Angkatan Uji Form',
      program: setup.program.id,
      startsOn: day(20),
      endsOn: day(10),
      enrolmentOpens: day(0),
      enrolmentCloses: day(5),
      capacity: '0',
      mode: 'online',
      status: 'open',
      scheduleDays: ['2', '4'],
      scheduleStart: '',
      scheduleEnd: '',
    };
    const refused = await submitForm(agent, '/cohorts', fields);
    expect(refused.status).to.equal(422);
    expect(refused.text).to.include('Harus setelah waktu mulai.');
    expect(refused.text).to.include('Isi jam mulai dan jam selesai kelas langsung.');
    expect(refused.text).to.include('Minimal 1');
    expect(refused.text).to.include('value="Angkatan Uji Form"');
    // The coordinator switches the interface to English.
    await User.updateOne({ _id: setup.coordinatorUser.id }, { $set: { language: 'en' } });
    const english = await submitForm(agent, '/cohorts', fields);
    expect(english.text).to.include('This must come after the start.');
    expect(english.text).to.include('Give the start and end time of the live classes.');
    await User.updateOne({ _id: setup.coordinatorUser.id }, { $set: { language: 'id' } });
    expect(await Cohort.countDocuments({ name: 'Angkatan Uji Form' }), 'nothing saved').to.equal(0);

    const created = await submitForm(agent, '/cohorts', {
      ...fields,
      endsOn: day(50),
      capacity: '25',
      scheduleStart: '19:00',
      scheduleEnd: '21:00',
    });
    expect(created.status, created.text.slice(0, 400)).to.equal(303);
    const page = await agent.get(created.headers.location!).expect(200);
    expect(page.text).to.include('Angkatan Uji Form').and.include('Selasa, Kamis, 19:00–21:00 WIB').and.include('0 / 25');
    const stored = await Cohort.findOne({ name: 'Angkatan Uji Form' }).lean();
    expect(stored?.version).to.equal(1);
    expect(stored?.enrolmentOpens.toISOString()).to.equal(dayStart(day(0)).toISOString());
  });

  it('lists cohorts to the staff who run them and to nobody else', async () => {
    const setup = await makeCohortSetup();
    const other = await makeCohortSetup();
    const coordinator = await loggedInAgent(app, setup.coordinatorUser.email, setup.coordinatorUser.password);
    const list = await coordinator.get('/cohorts').expect(200);
    const own = await Cohort.findById(setup.cohort).lean();
    const foreign = await Cohort.findById(other.cohort).lean();
    expect(list.text).to.include(own!.name).and.not.include(foreign!.name);
    const instructor = await loggedInAgent(app, setup.instructorUser.email, setup.instructorUser.password);
    expect((await instructor.get('/cohorts')).text).to.include(own!.name);
    await instructor.get(`/cohorts/${other.cohort}`).expect(403);
    const trainee = await makeUser('trainee', setup.institution);
    await (await loggedInAgent(app, trainee.email, trainee.password)).get('/cohorts').expect(403);
  });

  it('takes an applicant from the catalogue through the intake to an application', async () => {
    const setup = await makeCohortSetup();
    const trainee = await makeUser('trainee', null);
    const agent = await loggedInAgent(app, trainee.email, trainee.password);
    const catalogue = await supertest(app).get(`/catalogue/${setup.program.id}`).expect(200);
    expect(catalogue.text).to.include(`/cohorts/${setup.cohort}/apply`).and.include('Angkatan yang membuka pendaftaran');
    const before = await agent.get(`/cohorts/${setup.cohort}/apply`).expect(200);
    expect(before.text).to.include(`/intake?cohort=${setup.cohort}`);
    const early = await submitForm(agent, `/cohorts/${setup.cohort}/apply`, {});
    expect(early.status).to.equal(409);
    expect(early.text).to.include('Isi formulir asesmen awal sebelum mendaftar.');
    await Intake.create({ _id: trainee.id, institution: setup.institution, education: 'sma', schedule: ['weekend'] });
    const applied = await submitForm(agent, `/cohorts/${setup.cohort}/apply`, {});
    expect(applied.headers.location).to.equal('/learning?saved=applied');
    const mine = await agent.get(applied.headers.location!).expect(200);
    expect(mine.text).to.include('Pendaftaran terkirim.').and.include('Pendaftaran Anda menunggu keputusan koordinator.');
    expect((await agent.get(`/cohorts/${setup.cohort}/apply`)).text).to.include('Anda sudah mendaftar: Mendaftar.');
  });

  it('enrols a registered trainee by email and says clearly when the email is unknown', async () => {
    const setup = await makeCohortSetup({ capacity: 1 });
    const agent = await loggedInAgent(app, setup.coordinatorUser.email, setup.coordinatorUser.password);
    const unknown = await submitForm(agent, `/cohorts/${setup.cohort}/enrolments`, { email: 'tidak.ada@example.test' });
    expect(unknown.status).to.equal(422);
    expect(unknown.text).to.include('Tidak ada akun peserta dengan email ini.');
    const [first, second] = [await makeUser('trainee', setup.institution), await makeUser('trainee', setup.institution)];
    expect((await submitForm(agent, `/cohorts/${setup.cohort}/enrolments`, { email: first.email })).headers.location).to.match(
      /saved=enrolled$/,
    );
    const full = await submitForm(agent, `/cohorts/${setup.cohort}/enrolments`, { email: second.email });
    expect(full.headers.location).to.match(/saved=waitlisted$/);
    const page = await agent.get(full.headers.location!).expect(200);
    expect(page.text).to.include('Kuota penuh: peserta masuk daftar tunggu.').and.include(second.email);
    expect(await Enrollment.countDocuments({ cohort: setup.cohort })).to.equal(2);
  });

  it('lists the next live classes of a weekly schedule within the cohort dates, in WIB', () => {
    const cohort = {
      schedule: { days: [1, 3], start: '19:00', end: '21:00' },
      startsOn: new Date('2026-12-01T00:00:00+07:00'), // a Tuesday
      endsOn: new Date('2026-12-09T23:59:59+07:00'),
    };
    const sessions = upcomingSessions(cohort, new Date('2026-11-20T00:00:00Z'), 5);
    expect(sessions.map((session) => session.start.toISOString())).to.deep.equal([
      '2026-12-02T12:00:00.000Z', // Wednesday 19:00 WIB
      '2026-12-07T12:00:00.000Z', // Monday
      '2026-12-09T12:00:00.000Z', // Wednesday, the last day
    ]);
    // During a class, that class is still upcoming; after its end, it is not.
    expect(upcomingSessions(cohort, new Date('2026-12-02T13:00:00Z'))[0]?.start.toISOString()).to.equal(
      '2026-12-02T12:00:00.000Z',
    );
    expect(upcomingSessions(cohort, new Date('2026-12-02T14:30:00Z'))[0]?.start.toISOString()).to.equal(
      '2026-12-07T12:00:00.000Z',
    );
    expect(upcomingSessions({ ...cohort, schedule: { days: [], start: '', end: '' } }, new Date())).to.deep.equal([]);
  });
});

describe('cohorts: capacity changes on the cohort form', () => {
  useTestDatabase(import.meta.url);
  const app = buildTestApp();

  it('lowers the capacity below places once numbered above it without filling past it, and refuses below the places taken', async () => {
    const setup = await makeCohortSetup({ capacity: 6 });
    const people = await Promise.all(Array.from({ length: 9 }, () => makeUser('trainee', setup.institution)));
    const applications = [];
    for (const person of people) {
      applications.push(await applyOnBehalf(setup.coordinator, setup.cohort, person.id, { source: 'staff' }));
    }
    for (const application of applications.slice(0, 6)) await approveEnrollment(setup.coordinator, application.id);
    // The first three leave: the places of the last three stay taken.
    for (const application of applications.slice(0, 3)) await withdrawEnrollment(setup.coordinator, application.id, 'pindah');
    const agent = await loggedInAgent(app, setup.coordinatorUser.email, setup.coordinatorUser.password);
    const stored = (await Cohort.findById(setup.cohort).lean())!;
    const fields = (capacity: number) => ({
      name: stored.name,
      program: setup.program.id,
      startsOn: dayOf(stored.startsOn),
      endsOn: dayOf(stored.endsOn),
      enrolmentOpens: dayOf(stored.enrolmentOpens),
      enrolmentCloses: dayOf(stored.enrolmentCloses),
      capacity: String(capacity),
      mode: 'online',
      status: 'open',
      instructors: [setup.instructor.id],
    });
    expect((await submitForm(agent, `/cohorts/${setup.cohort}`, fields(4))).status).to.equal(303);
    // Three more approved on the cohort page: one place is free, the others wait.
    for (const application of applications.slice(6)) {
      expect((await submitForm(agent, `/enrolments/${application.id}/approve`, {})).status).to.equal(303);
    }
    const page = await agent.get(`/cohorts/${setup.cohort}`).expect(200);
    expect(page.text).to.include('<strong>4 / 4</strong>');
    expect(await Enrollment.countDocuments({ cohort: setup.cohort, status: 'enrolled' })).to.equal(4);
    expect(await Enrollment.countDocuments({ cohort: setup.cohort, status: 'waitlisted' })).to.equal(2);
    const refused = await submitForm(agent, `/cohorts/${setup.cohort}`, fields(3));
    expect(refused.status).to.equal(422);
    expect(refused.text).to.include('Sudah 4 kursi terisi; kuota tidak boleh lebih kecil.');
    await User.updateOne({ _id: setup.coordinatorUser.id }, { $set: { language: 'en' } });
    const english = await submitForm(agent, `/cohorts/${setup.cohort}`, fields(3), 'en');
    expect(english.text).to.include('4 places are already taken; the capacity cannot be lower.');
    expect((await Cohort.findById(setup.cohort).lean())?.capacity, 'nothing saved').to.equal(4);
  });
});

describe('cohorts: dates, instructors, required choices and applicant links', () => {
  useTestDatabase(import.meta.url);
  const app = buildTestApp();

  const formOf = (setup: Awaited<ReturnType<typeof makeCohortSetup>>, overrides: Record<string, string | string[]> = {}) =>
    cohortForm(setup.program.id, { name: 'Angkatan Cek', status: 'planned', ...overrides });
  /** The message under a field of the form, if any. */
  const fieldError = (html: string, field: string) => new RegExp(`id="f-${field}-error">([^<]*)<`).exec(html)?.[1];

  it('refuses a cohort that ended yesterday with the reason beside its end date, and saves nothing', async () => {
    const setup = await makeCohortSetup();
    const agent = await loggedInAgent(app, setup.coordinatorUser.email, setup.coordinatorUser.password);
    const past = formOf(setup, {
      name: 'Angkatan Lalu',
      startsOn: day(-30),
      endsOn: day(-1),
      enrolmentOpens: day(-40),
      enrolmentCloses: day(-31),
    });
    const refused = await submitForm(agent, '/cohorts', past);
    expect(refused.status).to.equal(422);
    expect(fieldError(refused.text, 'endsOn')).to.equal(
      'Tanggal ini sudah lewat: angkatan harus berakhir hari ini atau sesudahnya.',
    );
    // The coordinator switches the interface to English.
    await User.updateOne({ _id: setup.coordinatorUser.id }, { $set: { language: 'en' } });
    const english = await submitForm(agent, '/cohorts', past);
    await User.updateOne({ _id: setup.coordinatorUser.id }, { $set: { language: 'id' } });
    expect(fieldError(english.text, 'endsOn')).to.equal('This date has already passed: a cohort must end today or later.');
    expect(await Cohort.countDocuments({ name: 'Angkatan Lalu' }), 'nothing saved').to.equal(0);

    // Moving an existing cohort's end into the past is refused too, and leaves it as it was.
    const before = (await Cohort.findById(setup.cohort).lean())!;
    const moved = await submitForm(agent, `/cohorts/${setup.cohort}`, {
      ...past,
      name: before.name,
      instructors: [setup.instructor.id],
    });
    expect(moved.status).to.equal(422);
    expect(fieldError(moved.text, 'endsOn')).to.equal(
      'Tanggal ini sudah lewat: angkatan harus berakhir hari ini atau sesudahnya.',
    );
    const after = (await Cohort.findById(setup.cohort).lean())!;
    expect([after.name, after.endsOn.toISOString()]).to.deep.equal([before.name, before.endsOn.toISOString()]);

    // A cohort that really has finished stays editable while its dates stay as they are.
    await Cohort.updateOne(
      { _id: setup.cohort },
      {
        $set: {
          startsOn: dayStart(day(-60)),
          endsOn: dayEnd(day(-2)),
          enrolmentOpens: dayStart(day(-70)),
          enrolmentCloses: dayEnd(day(-61)),
        },
      },
    );
    const finished = await submitForm(agent, `/cohorts/${setup.cohort}`, {
      ...formOf(setup, {
        name: 'Angkatan Selesai',
        startsOn: day(-60),
        endsOn: day(-2),
        enrolmentOpens: day(-70),
        enrolmentCloses: day(-61),
      }),
      status: 'finished',
      instructors: [setup.instructor.id],
    });
    expect(finished.status, finished.text.slice(0, 400)).to.equal(303);
    expect((await Cohort.findById(setup.cohort).lean())?.name).to.equal('Angkatan Selesai');
  });

  it('saves a cohort without an instructor and warns on its page, with a link to assign one', async () => {
    const setup = await makeCohortSetup();
    const agent = await loggedInAgent(app, setup.coordinatorUser.email, setup.coordinatorUser.password);
    const warning = 'Angkatan ini belum punya instruktur.';
    expect((await agent.get(`/cohorts/${setup.cohort}`).expect(200)).text, 'a cohort with an instructor').not.to.include(warning);
    const created = await submitForm(agent, '/cohorts', formOf(setup, { name: 'Angkatan Tanpa Instruktur' }));
    expect(created.status, created.text.slice(0, 400)).to.equal(303);
    const page = await agent.get(created.headers.location!).expect(200);
    const id = created.headers.location!.split('/')[2]!.split('?')[0];
    expect(page.text).to.include(warning).and.include(`<a href="/cohorts/${id}/edit">Tetapkan instruktur</a>`);
  });

  it('says an empty program choice is required, in Indonesian and English', async () => {
    const setup = await makeCohortSetup();
    const agent = await loggedInAgent(app, setup.coordinatorUser.email, setup.coordinatorUser.password);
    const fields = formOf(setup, { name: 'Angkatan Tanpa Program', program: '' });
    const refused = await submitForm(agent, '/cohorts', fields);
    expect(refused.status).to.equal(422);
    expect(fieldError(refused.text, 'program')).to.equal('Wajib diisi.');
    await User.updateOne({ _id: setup.coordinatorUser.id }, { $set: { language: 'en' } });
    expect(fieldError((await submitForm(agent, '/cohorts', fields)).text, 'program')).to.equal('Required.');
    await User.updateOne({ _id: setup.coordinatorUser.id }, { $set: { language: 'id' } });
    // A choice that is given but is no id is still "not valid".
    expect(fieldError((await submitForm(agent, '/cohorts', { ...fields, program: 'abc' })).text, 'program')).to.equal(
      'Isian tidak valid.',
    );
    expect(await Cohort.countDocuments({ name: 'Angkatan Tanpa Program' })).to.equal(0);
  });

  it('links applicant names to their intake and counselling history where the viewer may open it', async () => {
    const setup = await makeCohortSetup();
    const counselled = await makeUser('trainee', null);
    await Intake.create({ _id: counselled.id, institution: setup.institution, education: 'sma', schedule: ['weekend'] });
    const withoutIntake = await makeUser('trainee', setup.institution);
    for (const person of [counselled, withoutIntake])
      await applyOnBehalf(setup.coordinator, setup.cohort, person.id, { source: 'staff' });
    const coordinator = await loggedInAgent(app, setup.coordinatorUser.email, setup.coordinatorUser.password);
    const page = (await coordinator.get(`/cohorts/${setup.cohort}`).expect(200)).text;
    const user = (await User.findById(counselled.id).lean())!;
    expect(page).to.include(`<a href="/counselling/${counselled.id}">${user.name}</a>`);
    expect(page, 'no record to open').not.to.include(`/counselling/${withoutIntake.id}`);
    expect((await coordinator.get(`/counselling/${counselled.id}`).expect(200)).text).to.include(user.name);
    // The cohort's instructor sees the applicants but may not open counselling records.
    const instructor = await loggedInAgent(app, setup.instructorUser.email, setup.instructorUser.password);
    const instructorPage = (await instructor.get(`/cohorts/${setup.cohort}`).expect(200)).text;
    expect(instructorPage).to.include(user.name).and.not.include('/counselling/');
  });

  it('styles secondary and danger buttons alike on links and on buttons', async () => {
    const css = await readFile(new URL('../../public/css/app.css', import.meta.url), 'utf8');
    const rules = [...css.replace(/\/\*[\s\S]*?\*\//g, '').matchAll(/([^{}]+)\{([^}]*)\}/g)].map(([, selectors, body]) => ({
      selectors: selectors!.split(',').map((selector) => selector.trim()),
      body: body!.trim(),
    }));
    for (const variant of ['secondary', 'danger']) {
      const forLink = rules.find((rule) => rule.selectors.includes(`.button.${variant}`));
      const forButton = rules.find((rule) => rule.selectors.includes(`button.${variant}`));
      expect(forLink?.body, `.button.${variant}`).to.be.a('string');
      expect(forButton?.body, `button.${variant}`).to.equal(forLink?.body);
    }
  });
});
