import { expect } from 'chai';
import { followActivity } from '../../src/activity/follow.js';
import { ActivityEntry } from '../../src/activity/model.js';
import { monthsPerRequest } from '../../src/activity/paging.js';
import { type ActivityQuery, myActivity, traineeActivity } from '../../src/activity/service.js';
import { completeLesson, markIncomplete, studyLesson } from '../../src/learning/service.js';
import { publish } from '../../src/platform/events.js';
import { createLogger } from '../../src/platform/logger.js';
import { type CompletionCohort, completionCohort, giveVerdicts } from '../support/completion.js';
import { useTestDatabase } from '../support/database.js';
import { activityWords, attended, day, graded, minute, placeOf, submitted } from './fixtures.js';

/** Every entry of the trainee in the cohort, newest first, following the "older" links. */
async function wholeLog(setup: CompletionCohort, query: ActivityQuery = {}, trainee = setup.trainees[0]!.id) {
  const entries = [];
  let before: string | undefined;
  for (let pages = 0; pages < 50; pages += 1) {
    const { page } = await traineeActivity(setup.coordinator.actor, setup.cohort, trainee, { ...query, before });
    entries.push(...page.entries);
    if (!page.older) return entries;
    before = page.older;
  }
  throw new Error('more than 50 pages');
}
const textsOf = (entries: Awaited<ReturnType<typeof wholeLog>>) => entries.map((entry) => activityWords(entry, 'Angkatan'));

describe('activity log: entries from the domain events', () => {
  useTestDatabase(import.meta.url);
  before(() => followActivity(createLogger('silent')));

  it('records what a trainee does through the real services: lessons opened, done, reopened, done again; verdicts', async () => {
    const setup = await completionCohort();
    const trainee = setup.trainees[0]!;
    const [intro] = setup.lessons.basics;
    await studyLesson(trainee.actor, setup.cohort, intro!);
    await completeLesson(trainee.actor, setup.cohort, intro!);
    await markIncomplete(trainee.actor, setup.cohort, intro!);
    await completeLesson(trainee.actor, setup.cohort, intro!);
    await giveVerdicts(setup, trainee.id, 'K');

    const log = await wholeLog(setup);
    expect(log.map((entry) => entry.kind)).to.deep.equal([
      'verdict',
      'verdict',
      'lessonCompleted',
      'lessonReopened',
      'lessonCompleted',
      'lessonOpened',
      // The coordinator enrolled the trainee (the enrolment service: applied, then accepted).
      'enrolment',
      'enrolment',
    ]);
    expect(textsOf(log).slice(2)).to.deep.equal([
      'Menyelesaikan materi “Pengantar” (1 dari 3 materi selesai)',
      'Menandai materi “Pengantar” belum selesai',
      'Menyelesaikan materi “Pengantar” (1 dari 3 materi selesai)',
      'Membuka materi “Pengantar”',
      'Pendaftaran di Angkatan: Diterima',
      'Pendaftaran di Angkatan: Mendaftar',
    ]);
    expect(textsOf(log)[0]).to.match(/^Unit J\.620100\.\d{3}\.\d{2} .+: Kompeten \(K\)$/);
  });

  it('records submissions, grades, attendance, enrolment, completion, certification and employment in words', async () => {
    const setup = await completionCohort();
    const at = (minutes: number) => new Date(Date.now() - 60 * minute + minutes * minute);
    const place = placeOf(setup);
    await submitted(setup, at(1));
    await graded(setup, null, at(2), 8);
    await attended(setup, 'session-1', 75, at(3));
    await publish('enrolment.changed', {
      actor: setup.coordinator.id,
      enrollment: setup.trainees[0]!.enrollment,
      ...place,
      from: 'enrolled',
      to: 'completed',
      enrolledAt: at(0),
      at: at(4),
    });
    await publish('completion.approved', {
      actor: setup.coordinator.id,
      record: 'record-1',
      enrollment: setup.trainees[0]!.enrollment,
      ...place,
      at: at(5),
    });
    await publish('certification.result', {
      ...place,
      lsp: '64b000000000000000000001',
      result: 'K',
      certified: true,
      previous: null,
      at: at(6),
    });
    await publish('employment.reported', { ...place, wave: 3, employed: true, previous: null, at: at(7) });

    const texts = textsOf(await wholeLog(setup)).reverse();
    expect(texts.slice(-2), 'the enrolment, made just now').to.deep.equal([
      'Pendaftaran di Angkatan: Mendaftar',
      'Pendaftaran di Angkatan: Diterima',
    ]);
    expect(texts.slice(0, -2)).to.deep.equal([
      'Mengumpulkan kuis “Kuis Struktur Data”',
      'Nilai “Tugas membuat halaman login”: 8 dari 10 · lulus',
      'Mengikuti kelas langsung “Praktik membuat formulir”: 75 dari 90 menit',
      'Pendaftaran di Angkatan: Selesai',
      'Catatan kelulusan disetujui',
      'Hasil sertifikasi dari : K (kompeten)',
      'Menjawab survei kebekerjaan bulan ke-3: bekerja atau berwirausaha',
    ]);
  });

  it('writes an event told twice once: a class attended, a lesson done, a grade', async () => {
    const setup = await completionCohort();
    const at = new Date();
    await attended(setup, 'session-twice', 40, at);
    await attended(setup, 'session-twice', 41, new Date(at.getTime() + minute)); // the class's end processed again
    const completion = {
      ...placeOf(setup),
      lessons: [{ id: 'lesson-x', title: 'Materi X' }],
      modules: [],
      done: 1,
      total: 3,
      at,
    };
    await publish('lesson.completed', completion);
    await publish('lesson.completed', { ...completion, at: new Date(at.getTime() + 5_000) }); // two devices syncing at once
    await graded(setup, setup.instructor.id, at);
    await graded(setup, setup.instructor.id, at);

    const kinds = (await wholeLog(setup)).map((entry) => entry.kind);
    expect(kinds.filter((kind) => kind === 'attended')).to.have.length(1);
    expect(kinds.filter((kind) => kind === 'lessonCompleted')).to.have.length(1);
    expect(kinds.filter((kind) => kind === 'graded')).to.have.length(1);
  });

  it('collapses opens of the same lesson by the same trainee within 30 minutes, and only those', async () => {
    const setup = await completionCohort({ trainees: 2 });
    const [first, second] = setup.trainees;
    const [intro, structures] = setup.lessons.basics;
    const start = new Date(Date.now() - 2 * 3600_000);
    const at = (minutes: number) => new Date(start.getTime() + minutes * minute);
    for (const minutes of [0, 5, 10, 29]) await studyLesson(first!.actor, setup.cohort, intro!, at(minutes));
    const opened = { kind: 'lessonOpened' } as const;
    expect((await wholeLog(setup, opened)).length, 'reloads within half an hour').to.equal(1);

    await studyLesson(first!.actor, setup.cohort, structures!, at(30)); // another lesson
    await studyLesson(second!.actor, setup.cohort, intro!, at(30)); // another trainee
    await studyLesson(first!.actor, setup.cohort, intro!, at(31)); // 31 minutes after the last entry
    const opens = (await wholeLog(setup, opened)).map(
      (entry) => `${entry.title}@${(entry.at.getTime() - start.getTime()) / minute}`,
    );
    expect(opens).to.deep.equal(['Pengantar@31', 'Struktur data@30', 'Pengantar@0']);
    expect((await wholeLog(setup, opened, second!.id)).length).to.equal(1);
    expect(await ActivityEntry.countDocuments({ trainee: first!.id, kind: 'lessonOpened' })).to.equal(3);
  });

  it('filters by kind and by days in WIB', async () => {
    const setup = await completionCohort();
    // 31 March 23:30 WIB and 1 April 00:30 WIB (16:30 and 17:30 UTC on 31 March).
    await submitted(setup, new Date('2025-03-31T16:30:00Z'), 'Kuis Maret');
    await submitted(setup, new Date('2025-03-31T17:30:00Z'), 'Kuis April');
    await attended(setup, 'april-class', 60, new Date('2025-04-02T03:00:00Z'));

    // The fixture's enrolment (made today) is left out: these are about the March and April entries.
    const titles = async (query: ActivityQuery) =>
      (await wholeLog(setup, query)).filter((entry) => entry.kind !== 'enrolment').map((entry) => entry.title);
    expect(await titles({ from: '2025-04-01' })).to.deep.equal(['Praktik membuat formulir', 'Kuis April']);
    expect(await titles({ to: '2025-03-31' })).to.deep.equal(['Kuis Maret']);
    expect(await titles({ from: '2025-04-01', to: '2025-04-01' })).to.deep.equal(['Kuis April']);
    expect(await titles({ kind: 'attended' })).to.deep.equal(['Praktik membuat formulir']);
    expect(await titles({ kind: 'submitted', from: '2025-04-01' })).to.deep.equal(['Kuis April']);
    expect(await titles({ kind: 'verdict' })).to.deep.equal([]);
  });

  it('pages newest first by key, across months, with no entry missed or shown twice', async () => {
    const setup = await completionCohort();
    const start = new Date('2025-01-10T02:00:00Z').getTime();
    // 130 entries over three months, two of them at the very same moment.
    for (let n = 0; n < 130; n += 1) await submitted(setup, new Date(start + n * 0.7 * day), `Kuis ${n}`);
    await submitted(setup, new Date(start + 129 * 0.7 * day), 'Kuis 129 kembar');

    const first = await traineeActivity(setup.coordinator.actor, setup.cohort, setup.trainees[0]!.id, {});
    expect(first.page.entries).to.have.length(50);
    expect(first.page.older).to.be.a('string');
    // With the fixture's two enrolment entries, made today: 133.
    const all = await wholeLog(setup);
    expect(all).to.have.length(133);
    expect(new Set(all.map((entry) => entry.id)).size).to.equal(133);
    expect(all.slice(0, 4).map((entry) => entry.title)).to.include.members(['Kuis 129', 'Kuis 129 kembar']);
    const times = all.map((entry) => entry.at.getTime());
    expect(times).to.deep.equal([...times].sort((a, b) => b - a));
    expect(all.at(-1)!.title).to.equal('Kuis 0');
  });

  it(`reads at most ${monthsPerRequest} months a request: a rare kind in a long log is reached through "older" links`, async () => {
    const setup = await completionCohort();
    const start = new Date('2023-01-15T02:00:00Z').getTime();
    await attended(setup, 'first-class', 50, new Date(start));
    for (let month = 1; month <= 15; month += 1) await submitted(setup, new Date(start + month * 31 * day), `Kuis ${month}`);

    const first = await traineeActivity(setup.coordinator.actor, setup.cohort, setup.trainees[0]!.id, { kind: 'attended' });
    expect(first.page.entries, 'twelve months read, nothing of the kind in them').to.deep.equal([]);
    expect(first.page.older).to.be.a('string');
    const found = await wholeLog(setup, { kind: 'attended' });
    expect(found.map((entry) => entry.title)).to.deep.equal(['Praktik membuat formulir']);
  });

  it("shows a cohort's page only that cohort's entries; the trainee's own log has all of theirs", async () => {
    const setup = await completionCohort();
    const other = await completionCohort({ institutionName: 'BLK Lain' });
    const trainee = setup.trainees[0]!;
    await submitted(setup, new Date(), 'Kuis di sini');
    await publish('assessment.submitted', {
      trainee: trainee.id,
      cohort: other.cohort,
      institution: other.institution,
      kind: 'assignment',
      assessment: 'elsewhere',
      title: 'Tugas di lembaga lain',
      at: new Date(),
    });
    expect((await wholeLog(setup, { kind: 'submitted' })).map((entry) => entry.title)).to.deep.equal(['Kuis di sini']);
    const own = await myActivity(trainee.actor, { kind: 'submitted' });
    expect(own.page.entries.map((entry) => entry.title)).to.have.members(['Kuis di sini', 'Tugas di lembaga lain']);
    expect([...own.cohortNames.keys()]).to.have.members([setup.cohort, other.cohort]);
  });
});
