import { expect } from 'chai';
import { whatsAppNumber } from '../../src/platform/contactLinks.js';
import { ForbiddenError } from '../../src/platform/errors.js';
import type { Actor } from '../../src/platform/permissions.js';
import { syncTrainee } from '../../src/tracer/creation.js';
import { markReminded, reminderList } from '../../src/tracer/reminders.js';
import { tracerReport } from '../../src/tracer/report.js';
import { addMonths, reminderAfterDays } from '../../src/tracer/schedule.js';
import { answerSurvey, dueSurveysFor, linkedSurvey } from '../../src/tracer/service.js';
import { User } from '../../src/users/model.js';
import { testSessionSecret } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';
import { makeInstitution, makeSector, makeUser } from '../support/factories.js';
import { insertCohort, insertRecord, revokeRecord } from './records.js';

const approvedAt = new Date('2025-02-10T03:00:00Z');
const day = 86_400_000;
const later = (date: Date, ms: number) => new Date(date.getTime() + ms);
const dueDay = addMonths(approvedAt, 3);

describe('employment tracer: report and reminders', () => {
  useTestDatabase(import.meta.url);
  let institution: string;
  let coordinator: Actor;
  let sector: string;
  before(async () => {
    institution = (await makeInstitution({ name: 'BLK Tracer A' })).id;
    coordinator = { id: (await makeUser('coordinator', institution)).id, role: 'coordinator', institution };
    sector = (await makeSector()).code;
  });

  /** A graduate with an account (name, phone) and an approved record in `cohort`. */
  async function graduate(cohort: string, program: string, options: { name: string; phone?: string; programTitle?: string }) {
    const user = await makeUser('trainee', institution, { name: options.name });
    if (options.phone) await User.updateOne({ _id: user.id }, { $set: { phone: options.phone } });
    const record = await insertRecord({
      institution,
      cohort,
      program,
      trainee: user.id,
      approvedAt,
      cohortName: cohort === cohorts.a ? 'Angkatan A' : 'Angkatan B',
      cohortStartsOn: cohort === cohorts.a ? '2024-11-12' : '2024-11-22',
      programTitle: options.programTitle ?? 'Junior Web Programmer',
    });
    const actor: Actor = { id: user.id, role: 'trainee', institution };
    return { user, record, actor, survey: `${record.enrollment}:3` };
  }
  const cohorts = { a: '', b: '' };
  const programs = { web: '507f1f77bcf86cd799439011', tailoring: '507f1f77bcf86cd799439012' };

  it('counts invited, answered and the rate, the situations and the bands, per cohort, per program and overall', async () => {
    cohorts.a = await insertCohort(institution, later(approvedAt, -90 * day), later(approvedAt, -day));
    cohorts.b = await insertCohort(institution, later(approvedAt, -80 * day), later(approvedAt, -day));
    const a = await Promise.all(
      ['Ani', 'Budi', 'Citra', 'Dewi', 'Eko', 'Fajar'].map((name) =>
        graduate(cohorts.a, programs.web, { name: `${name} Lestari` }),
      ),
    );
    const b = await Promise.all(
      ['Gita', 'Hadi'].map((name) =>
        graduate(cohorts.b, programs.tailoring, { name: `${name} Saputra`, programTitle: 'Penjahitan Pakaian' }),
      ),
    );
    const now = later(dueDay, 20 * day);
    for (const one of [...a, ...b]) await syncTrainee(one.user.id, now);
    const answer = (one: (typeof a)[number], input: Record<string, string>) => answerSurvey(one.actor, one.survey, input, now);
    const job = (wageBand: string) => ({
      situation: 'employed',
      employer: 'PT Maju',
      sector,
      jobTitle: 'Staf',
      jobStartedOn: '2025-04-01',
      wageBand,
    });
    await answer(a[0]!, job('3to5'));
    await answer(a[1]!, job('undisclosed'));
    await answer(a[2]!, {
      situation: 'selfEmployed',
      businessField: 'Jasa web',
      businessStartedOn: '2025-03-01',
      incomeBand: '1to3',
    });
    await answer(a[3]!, { situation: 'seeking', seekingSince: '2025-02-11' });
    // a[4] does not answer; a[5] answered, then the record was revoked: not counted at all.
    await answer(a[5]!, job('above10'));
    await revokeRecord(a[5]!.record);
    await answer(b[0]!, { situation: 'studying', studyInstitution: 'Politeknik Negeri', studyProgram: 'D3 Tata Busana' });

    const report = await tracerReport(coordinator, { year: 2025 }, now);
    expect(report.institution).to.deep.equal({ id: institution, name: 'BLK Tracer A' });
    const row = (rows: typeof report.cohorts, id: string, wave: number) =>
      rows.find((r) => r.id === id && r.wave === wave)!.figures;

    const a3 = row(report.cohorts, cohorts.a, 3);
    expect(a3).to.deep.include({ invited: 5, answered: 4, rate: 0.8, upcoming: 0 });
    expect(a3.outcomes).to.deep.equal({ employed: 2, selfEmployed: 1, studying: 0, seeking: 1 });
    expect(a3.wageBands).to.deep.equal({ below1: 0, '1to3': 0, '3to5': 1, '5to10': 0, above10: 0, undisclosed: 1 });
    expect(a3.incomeBands).to.deep.equal({ below1: 0, '1to3': 1, '3to5': 0, '5to10': 0, above10: 0, undisclosed: 0 });
    expect(row(report.cohorts, cohorts.a, 6)).to.deep.include({ invited: 0, answered: 0, rate: null, upcoming: 5 });
    expect(row(report.cohorts, cohorts.b, 3)).to.deep.include({ invited: 2, answered: 1, rate: 0.5 });
    expect(row(report.cohorts, cohorts.b, 3).outcomes.studying).to.equal(1);
    expect(report.cohorts.map((r) => [r.name, r.program, r.wave])).to.deep.equal([
      ['Angkatan B', 'Penjahitan Pakaian', 3],
      ['Angkatan B', 'Penjahitan Pakaian', 6],
      ['Angkatan A', 'Junior Web Programmer', 3],
      ['Angkatan A', 'Junior Web Programmer', 6],
    ]);
    expect(report.programs.map((r) => [r.name, r.wave, r.figures.invited, r.figures.answered])).to.deep.equal([
      ['Junior Web Programmer', 3, 5, 4],
      ['Junior Web Programmer', 6, 0, 0],
      ['Penjahitan Pakaian', 3, 2, 1],
      ['Penjahitan Pakaian', 6, 0, 0],
    ]);
    const total3 = row(report.totals, 'all', 3);
    expect(total3).to.deep.include({ invited: 7, answered: 5 });
    expect(total3.rate).to.be.closeTo(5 / 7, 1e-9);

    // An answer given since shows in the next report (the cohort's summary is rebuilt).
    await answer(a[4]!, { situation: 'studying', studyInstitution: 'Universitas Terbuka', studyProgram: 'S1 Manajemen' });
    const again = row((await tracerReport(coordinator, { year: 2025 }, now)).cohorts, cohorts.a, 3);
    expect(again).to.deep.include({ invited: 5, answered: 5, rate: 1 });
    expect(again.outcomes.studying).to.equal(1);

    // Graduates of another year are another report.
    expect((await tracerReport(coordinator, { year: 2024 }, now)).totals).to.deep.equal([]);
    // Three months on, the second wave has opened and nobody answered it yet.
    const laterReport = await tracerReport(coordinator, { year: 2025 }, addMonths(approvedAt, 6));
    expect(row(laterReport.totals, 'all', 6)).to.deep.include({ invited: 7, answered: 0, rate: 0, upcoming: 0 });
    expect(row(laterReport.totals, 'all', 3)).to.deep.include({ invited: 7, answered: 6 });
  });

  it('lets only the institution’s coordinators and admins see its report', async () => {
    const other = (await makeInstitution()).id;
    const otherCoordinator: Actor = { id: (await makeUser('coordinator', other)).id, role: 'coordinator', institution: other };
    const instructor: Actor = { id: (await makeUser('instructor', institution)).id, role: 'instructor', institution };
    const trainee: Actor = { id: (await makeUser('trainee', institution)).id, role: 'trainee', institution };
    const admin: Actor = { id: (await makeUser('admin')).id, role: 'admin', institution: null };
    const now = later(dueDay, 20 * day);
    for (const actor of [otherCoordinator, instructor, trainee]) {
      expect(await tracerReport(actor, { institution, year: 2025 }, now).catch((e) => e), actor.role).to.be.instanceOf(
        ForbiddenError,
      );
      expect(await reminderList(actor, { institution }, testSessionSecret, now).catch((e) => e), actor.role).to.be.instanceOf(
        ForbiddenError,
      );
    }
    // The other coordinator's own report has none of these graduates.
    expect((await tracerReport(otherCoordinator, { year: 2025 }, now)).totals).to.deep.equal([]);
    expect((await tracerReport(admin, { institution, year: 2025 }, now)).totals.length).to.equal(2);
  });

  it('lists unanswered surveys to remind from the fourteenth day, with a working link, and notes the reminder', async () => {
    const cohort = await insertCohort(institution, later(approvedAt, -90 * day), later(approvedAt, -day));
    const withPhone = await graduate(cohort, programs.web, { name: 'Intan Permata Sari', phone: '0812-3456-7890' });
    const withoutPhone = await graduate(cohort, programs.web, { name: 'Joko Widodo' });
    const answers = await graduate(cohort, programs.web, { name: 'Kartika Dewi' });
    const remindDay = later(dueDay, reminderAfterDays * day);
    const mine = (list: Awaited<ReturnType<typeof reminderList>>['toRemind']) =>
      list.filter((entry) => [withPhone, withoutPhone, answers].some((one) => one.survey === entry.survey));

    // The day before: nobody to remind; the graduate's card is the ordinary one.
    const before = await reminderList(coordinator, {}, testSessionSecret, later(remindDay, -60_000));
    expect(mine(before.toRemind)).to.deep.equal([]);
    expect((await dueSurveysFor(withPhone.actor, later(remindDay, -60_000))).map((s) => s.state)).to.deep.equal(['open']);

    await answerSurvey(answers.actor, answers.survey, { situation: 'seeking', seekingSince: '2025-03-01' }, later(dueDay, day));
    const list = await reminderList(coordinator, {}, testSessionSecret, remindDay);
    const due = mine(list.toRemind);
    expect(due.map((entry) => [entry.name, entry.firstName, entry.phone, entry.wave])).to.deep.equal([
      ['Intan Permata Sari', 'Intan', '0812-3456-7890', 3],
      ['Joko Widodo', 'Joko', '', 3],
    ]);
    // The card turns into a notice, and the link in the list opens the survey.
    expect((await dueSurveysFor(withPhone.actor, remindDay)).map((s) => s.state)).to.deep.equal(['overdue']);
    const linked = await linkedSurvey(testSessionSecret, due[0]!.token, '10.0.0.1', remindDay);
    expect(linked?.survey.id).to.equal(withPhone.survey);
    expect(linked?.firstName).to.equal('Intan');

    await markReminded(coordinator, withPhone.survey, later(remindDay, 60_000));
    const after = await reminderList(coordinator, {}, testSessionSecret, later(remindDay, 120_000));
    expect(mine(after.toRemind).map((entry) => entry.name)).to.deep.equal(['Joko Widodo']);
    const reminded = after.reminded.find((entry) => entry.survey === withPhone.survey);
    expect(reminded?.remindedAt?.toISOString()).to.equal(later(remindDay, 60_000).toISOString());
    // Once answered, off both lists; once closed, too.
    await answerSurvey(
      withPhone.actor,
      withPhone.survey,
      { situation: 'seeking', seekingSince: '2025-03-01' },
      later(remindDay, day),
    );
    const answered = await reminderList(coordinator, {}, testSessionSecret, later(remindDay, 2 * day));
    expect(answered.reminded.some((entry) => entry.survey === withPhone.survey)).to.equal(false);
    const closed = await reminderList(coordinator, {}, testSessionSecret, addMonths(approvedAt, 6));
    expect(mine(closed.toRemind)).to.deep.equal([]);

    // Another institution's coordinator may not mark it.
    const other = (await makeInstitution()).id;
    const stranger: Actor = { id: (await makeUser('coordinator', other)).id, role: 'coordinator', institution: other };
    expect(await markReminded(stranger, withoutPhone.survey).catch((e) => e)).to.be.instanceOf(ForbiddenError);
  });

  it('writes phone numbers as wa.me takes them', () => {
    expect(whatsAppNumber('0812-3456-7890')).to.equal('6281234567890');
    expect(whatsAppNumber('+62 812 3456 7890')).to.equal('6281234567890');
    expect(whatsAppNumber('6281234567890')).to.equal('6281234567890');
    expect(whatsAppNumber('')).to.equal(null);
    expect(whatsAppNumber('12345')).to.equal(null);
  });
});
