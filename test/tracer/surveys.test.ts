import { expect } from 'chai';
import { CompletionRecord } from '../../src/completion/model.js';
import { revokeCompletion } from '../../src/completion/service.js';
import { AppError, ForbiddenError } from '../../src/platform/errors.js';
import type { Actor } from '../../src/platform/permissions.js';
import { createTracerSurveys, syncCohort, syncTrainee } from '../../src/tracer/creation.js';
import { TracerSurvey } from '../../src/tracer/model.js';
import { addMonths, waveDates } from '../../src/tracer/schedule.js';
import { answerSurvey, dueSurveysFor, mySurveys, surveyOf } from '../../src/tracer/service.js';
import { makeApprovedRecord } from '../support/completion.js';
import { useTestDatabase } from '../support/database.js';
import { makeInstitution, makeSector } from '../support/factories.js';
import { insertCohort, insertRecord, revokeRecord } from './records.js';

const approvedAt = new Date('2025-01-15T03:00:00Z'); // 10:00 WIB
const minute = 60_000;
const day = 86_400_000;
const later = (date: Date, ms: number) => new Date(date.getTime() + ms);
const traineeOf = (record: { trainee: string; institution: string }): Actor => ({
  id: record.trainee,
  role: 'trainee',
  institution: record.institution,
});
const waveOf = (surveys: { wave: number }[]) => surveys.map((survey) => survey.wave);

describe('employment tracer: surveys', () => {
  useTestDatabase(import.meta.url);
  let institution: string;
  let sector: string;
  before(async () => {
    institution = (await makeInstitution()).id;
    sector = (await makeSector()).code;
  });

  const employed = (overrides: Record<string, string> = {}) => ({
    situation: 'employed',
    employer: 'PT Maju Jaya',
    sector,
    jobTitle: 'Pengembang web',
    jobStartedOn: '2025-03-01',
    wageBand: '3to5',
    ...overrides,
  });

  it('asks a graduate three and six months after the approval, each survey in its own window', async () => {
    const record = await insertRecord({ institution, approvedAt });
    const trainee = traineeOf(record);
    const threeMonths = addMonths(approvedAt, 3);
    const sixMonths = addMonths(approvedAt, 6);
    expect(threeMonths.toISOString()).to.equal('2025-04-15T03:00:00.000Z');
    expect(sixMonths.toISOString()).to.equal('2025-07-15T03:00:00.000Z');

    // Made at once (the dashboard asked), but nobody is asked before the day.
    expect(await dueSurveysFor(trainee, later(approvedAt, 30 * day))).to.deep.equal([]);
    const made = await TracerSurvey.find({ trainee: record.trainee }).sort({ wave: 1 }).lean();
    expect(made.map((survey) => [survey.wave, survey.dueAt.toISOString(), survey.editableUntil.toISOString()])).to.deep.equal([
      [3, '2025-04-15T03:00:00.000Z', '2025-07-15T03:00:00.000Z'],
      [6, '2025-07-15T03:00:00.000Z', '2026-01-15T03:00:00.000Z'],
    ]);
    expect(made.every((survey) => survey.enrollment === record.enrollment && survey.cohortName === 'Angkatan 1')).to.equal(true);

    expect(await dueSurveysFor(trainee, later(threeMonths, -minute))).to.deep.equal([]);
    expect(waveOf(await dueSurveysFor(trainee, threeMonths))).to.deep.equal([3]);
    // Six months on the first survey closes as the second opens.
    expect(waveOf(await dueSurveysFor(trainee, later(sixMonths, -minute)))).to.deep.equal([3]);
    expect(waveOf(await dueSurveysFor(trainee, sixMonths))).to.deep.equal([6]);
    expect(await dueSurveysFor(trainee, addMonths(approvedAt, 12))).to.deep.equal([]);
    const all = await mySurveys(trainee, later(sixMonths, day));
    expect(all.map((survey) => [survey.wave, survey.state])).to.deep.equal([
      [3, 'closed'],
      [6, 'open'],
    ]);
    // Staff are never asked.
    expect(await dueSurveysFor({ id: record.trainee, role: 'coordinator', institution }, sixMonths)).to.deep.equal([]);
  });

  it('counts calendar months on the institution’s calendar, the last day for a day the month lacks', () => {
    // 31 August 10:00 WIB: three months on is 30 November, six months 28 February.
    const lastOfAugust = new Date('2025-08-31T03:00:00Z');
    expect(waveDates(lastOfAugust, 3).dueAt.toISOString()).to.equal('2025-11-30T03:00:00.000Z');
    expect(waveDates(lastOfAugust, 6).dueAt.toISOString()).to.equal('2026-02-28T03:00:00.000Z');
    // 1 March 05:00 WIB is still 28 February in UTC: the WIB date counts.
    const earlyMorning = new Date('2025-02-28T22:00:00Z');
    expect(waveDates(earlyMorning, 3).dueAt.toISOString()).to.equal('2025-05-31T22:00:00.000Z');
  });

  it('makes each survey once when the dashboard, the report and the periodic step make them at once', async () => {
    const cohort = await insertCohort(institution, later(approvedAt, -60 * day), later(approvedAt, -day));
    const records = await Promise.all([1, 2, 3].map(() => insertRecord({ institution, cohort, approvedAt })));
    const now = later(approvedAt, 10 * day);
    await Promise.all([
      ...records.flatMap((record) => [1, 2, 3, 4].map(() => syncTrainee(record.trainee, now))),
      syncCohort(cohort, institution, now),
      syncCohort(cohort, institution, now),
      createTracerSurveys(now),
    ]);
    const surveys = await TracerSurvey.find({ cohort }).lean();
    expect(surveys).to.have.length(6);
    expect(new Set(surveys.map((survey) => survey._id)).size).to.equal(6);
    // Once made, nothing is made again.
    expect((await syncCohort(cohort, institution, later(now, day))).created).to.equal(0);
  });

  it('the periodic step finds graduates nobody opened a page for, a share of the cohorts at a time', async () => {
    const other = (await makeInstitution()).id;
    const cohorts = await Promise.all(
      [1, 2, 3, 4].map(() => insertCohort(other, later(approvedAt, -60 * day), later(approvedAt, -day))),
    );
    for (const cohort of cohorts) await insertRecord({ institution: other, cohort, approvedAt });
    // An old cohort (ended two years before) is left to the pages that open it.
    const old = await insertCohort(other, addMonths(approvedAt, -30), addMonths(approvedAt, -28));
    await insertRecord({ institution: other, cohort: old, approvedAt: addMonths(approvedAt, -27) });
    const now = later(approvedAt, 2 * day);
    const first = await createTracerSurveys(now);
    const second = await createTracerSurveys(later(now, minute));
    const made = await TracerSurvey.find({ institution: other }).lean();
    expect(made.map((survey) => String(survey.cohort)).sort()).to.deep.equal(cohorts.flatMap((c) => [c, c]).sort());
    expect(first.cohorts + second.cohorts).to.be.at.least(4);
    // Within the hour a cohort is not looked at again.
    const third = await createTracerSurveys(later(now, 2 * minute));
    expect((await TracerSurvey.find({ institution: other }).lean()).length).to.equal(8);
    expect(third.created).to.equal(0);
  });

  it('makes no survey whose window closed before anyone looked', async () => {
    const now = new Date('2026-03-01T00:00:00Z');
    const longAgo = await insertRecord({ institution, approvedAt: addMonths(now, -13) });
    const sevenMonths = await insertRecord({ institution, approvedAt: addMonths(now, -7) });
    await syncTrainee(longAgo.trainee, now);
    await syncTrainee(sevenMonths.trainee, now);
    expect(await TracerSurvey.countDocuments({ trainee: longAgo.trainee })).to.equal(0);
    expect(waveOf(await TracerSurvey.find({ trainee: sevenMonths.trainee }).lean())).to.deep.equal([6]);
  });

  it('stops a revoked record’s surveys, keeps the first dates for a reissued one, and goes on when approved again', async () => {
    const now = later(addMonths(approvedAt, 3), day);
    const revoked = await insertRecord({ institution, approvedAt });
    const corrected = await insertRecord({ institution, approvedAt });
    await syncTrainee(revoked.trainee, now);
    await syncTrainee(corrected.trainee, now);
    await answerSurvey(traineeOf(corrected), `${corrected.enrollment}:3`, employed(), now);

    await revokeRecord(revoked);
    const reissued = await revokeRecord(corrected, { reissue: true, at: later(now, day) });
    expect(reissued?.approvedAt.getTime()).to.be.greaterThan(now.getTime());

    const after = later(now, 2 * day);
    expect(await dueSurveysFor(traineeOf(revoked), after)).to.deep.equal([]);
    const stopped = await TracerSurvey.find({ trainee: revoked.trainee }).lean();
    expect(stopped.map((survey) => Boolean(survey.stoppedAt && !survey.awaiting))).to.deep.equal([true, true]);
    const stoppedError = await answerSurvey(traineeOf(revoked), `${revoked.enrollment}:3`, employed(), after).catch((e) => e);
    expect(stoppedError).to.be.instanceOf(AppError).with.property('key', 'tracer.errors.stopped');

    // The corrected record's graduate keeps the surveys (and the answers) of the first approval.
    const kept = await mySurveys(traineeOf(corrected), after);
    expect(kept.map((survey) => [survey.wave, survey.dueAt.toISOString(), survey.state])).to.deep.equal([
      [3, '2025-04-15T03:00:00.000Z', 'answered'],
      [6, '2025-07-15T03:00:00.000Z', 'upcoming'],
    ]);
    expect(await TracerSurvey.countDocuments({ trainee: corrected.trainee })).to.equal(2);

    // Approved again (not a correction): the surveys go on with their first dates.
    await insertRecord({ institution, trainee: revoked.trainee, cohort: revoked.cohort, approvedAt: after });
    expect(waveOf(await dueSurveysFor(traineeOf(revoked), later(after, day)))).to.deep.equal([3]);
    const resumed = await TracerSurvey.findById(`${revoked.enrollment}:3`).lean();
    expect(resumed?.stoppedAt).to.equal(null);
    expect(resumed?.dueAt.toISOString()).to.equal('2025-04-15T03:00:00.000Z');
  });

  it('follows the completion service: approval makes the surveys, revocation stops them, a correction keeps them', async () => {
    const { record, trainee, coordinator } = await makeApprovedRecord();
    const approved = record.approvedAt;
    // Seen three months and a day later.
    const dueDay = later(addMonths(approved, 3), day);
    expect(waveOf(await dueSurveysFor(trainee.actor, dueDay))).to.deep.equal([3]);
    const { issued } = await revokeCompletion(
      coordinator.actor,
      record.id,
      { reason: 'Nama salah tulis', reissue: true },
      dueDay,
    );
    expect(issued).to.not.equal(null);
    const afterCorrection = await dueSurveysFor(trainee.actor, later(dueDay, minute));
    expect(afterCorrection.map((survey) => [survey.wave, survey.dueAt.getTime()])).to.deep.equal([
      [3, addMonths(approved, 3).getTime()],
    ]);
    await revokeCompletion(coordinator.actor, issued!.id, { reason: 'Tidak lulus', reissue: false }, later(dueDay, 2 * minute));
    expect(await dueSurveysFor(trainee.actor, later(dueDay, 3 * minute))).to.deep.equal([]);
    expect(await CompletionRecord.countDocuments({ trainee: trainee.id, status: 'approved' })).to.equal(0);
  });

  it('takes answers from the due day until the next survey opens, then refuses changes', async () => {
    const record = await insertRecord({ institution, approvedAt });
    const trainee = traineeOf(record);
    const id = `${record.enrollment}:3`;
    await syncTrainee(record.trainee, approvedAt);
    const early = await answerSurvey(trainee, id, employed(), later(addMonths(approvedAt, 3), -minute)).catch((e) => e);
    expect(early).to.be.instanceOf(AppError).with.property('key', 'tracer.errors.notYet');

    const first = later(addMonths(approvedAt, 3), day);
    const answered = await answerSurvey(trainee, id, employed(), first);
    expect(answered.state).to.equal('answered');
    expect(answered.answers).to.deep.equal({
      situation: 'employed',
      employer: 'PT Maju Jaya',
      sector,
      jobTitle: 'Pengembang web',
      startedOn: '2025-03-01',
      wageBand: '3to5',
    });
    const change = addMonths(approvedAt, 5);
    const changed = await answerSurvey(trainee, id, { situation: 'seeking', seekingSince: '2025-05-20', helpNeeded: '' }, change);
    expect(changed.answers).to.deep.equal({ situation: 'seeking', since: '2025-05-20', help: '' });
    expect(changed.answeredAt?.toISOString()).to.equal(first.toISOString());
    expect(changed.changedAt?.toISOString()).to.equal(change.toISOString());

    const closed = await answerSurvey(trainee, id, employed(), addMonths(approvedAt, 6)).catch((e) => e);
    expect(closed).to.be.instanceOf(AppError).with.property('status', 409);
    expect(closed).to.have.property('key', 'tracer.errors.closed');
    const stored = await surveyOf(trainee, id, addMonths(approvedAt, 6));
    expect(stored.state).to.equal('closed');
    expect(stored.answers?.situation).to.equal('seeking');
    // The last survey stays open six months after it fell due.
    const last = `${record.enrollment}:6`;
    await answerSurvey(trainee, last, employed(), later(addMonths(approvedAt, 12), -minute));
    const tooLate = await answerSurvey(trainee, last, employed(), addMonths(approvedAt, 12)).catch((e) => e);
    expect(tooLate).to.have.property('key', 'tracer.errors.closed');
  });

  it('checks each situation’s fields and names every wrong one', async () => {
    const record = await insertRecord({ institution, approvedAt, cohortStartsOn: '2024-10-07' });
    const trainee = traineeOf(record);
    const id = `${record.enrollment}:3`;
    const now = later(addMonths(approvedAt, 3), day); // 16 April 2025
    await syncTrainee(record.trainee, now);
    const problems = async (input: Record<string, string>) => {
      const error = await answerSurvey(trainee, id, input, now).catch((e) => e);
      expect(error, JSON.stringify(input)).to.be.instanceOf(AppError).with.property('status', 422);
      return Object.fromEntries((error as AppError).fields.map((issue) => [issue.field, issue.key]));
    };
    expect(await problems({})).to.deep.equal({ situation: 'validation.required' });
    expect(await problems({ situation: 'retired' })).to.deep.equal({ situation: 'validation.choice' });
    expect(await problems({ situation: 'employed', sector: 'nope', jobStartedOn: '2025-04-17', wageBand: 'lots' })).to.deep.equal(
      {
        employer: 'validation.required',
        sector: 'validation.choice',
        jobTitle: 'validation.required',
        jobStartedOn: 'tracer.errors.future',
        wageBand: 'validation.choice',
      },
    );
    expect(await problems(employed({ jobStartedOn: '2024-10-06' }))).to.deep.equal({
      jobStartedOn: 'tracer.errors.beforeTraining',
    });
    expect(await problems(employed({ jobStartedOn: '2025-02-30' }))).to.deep.equal({ jobStartedOn: 'tracer.errors.date' });
    expect(
      await problems({ situation: 'selfEmployed', businessField: 'Warung', businessStartedOn: '2023-01-01', incomeBand: '' }),
    ).to.deep.equal({
      businessStartedOn: 'tracer.errors.beforeTraining',
      incomeBand: 'validation.required',
    });
    expect(await problems({ situation: 'studying', studyInstitution: ' ', studyProgram: '' })).to.deep.equal({
      studyInstitution: 'validation.required',
      studyProgram: 'validation.required',
    });
    expect(await problems({ situation: 'seeking', seekingSince: '16/04/2025' })).to.deep.equal({
      seekingSince: 'tracer.errors.date',
    });
    expect(await problems({ situation: 'seeking', seekingSince: '2025-05-01' })).to.deep.equal({
      seekingSince: 'tracer.errors.future',
    });
    expect(await problems({ ...employed(), employer: 'x'.repeat(201) })).to.deep.equal({ employer: 'validation.tooLong' });
    // Nothing was written by any of them.
    expect((await TracerSurvey.findById(id).lean())?.answers).to.equal(null);
    // Today, the training's first day and other branches' leftovers are fine.
    const saved = await answerSurvey(
      trainee,
      id,
      { ...employed({ jobStartedOn: '2024-10-07' }), seekingSince: 'rubbish', studyProgram: 'x'.repeat(500) },
      now,
    );
    expect(saved.answers).to.include({ situation: 'employed', startedOn: '2024-10-07' });
    const seekingToday = await answerSurvey(
      trainee,
      id,
      { situation: 'seeking', seekingSince: '2025-04-16', helpNeeded: 'Info lowongan' },
      now,
    );
    expect(seekingToday.answers).to.deep.equal({ situation: 'seeking', since: '2025-04-16', help: 'Info lowongan' });
  });

  it('shows a graduate only their own surveys', async () => {
    const mine = await insertRecord({ institution, approvedAt });
    const theirs = await insertRecord({ institution, approvedAt });
    const now = later(addMonths(approvedAt, 3), day);
    await syncTrainee(theirs.trainee, now);
    const id = `${theirs.enrollment}:3`;
    expect(await surveyOf(traineeOf(mine), id, now).catch((e) => e)).to.be.instanceOf(ForbiddenError);
    expect(await answerSurvey(traineeOf(mine), id, employed(), now).catch((e) => e)).to.be.instanceOf(ForbiddenError);
    const coordinator: Actor = { id: mine.trainee, role: 'coordinator', institution };
    expect(await surveyOf(coordinator, id, now).catch((e) => e)).to.be.instanceOf(ForbiddenError);
    expect((await TracerSurvey.findById(id).lean())?.answers).to.equal(null);
  });
});
