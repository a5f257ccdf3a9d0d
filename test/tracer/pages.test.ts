import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import supertest from 'supertest';
import type { Actor } from '../../src/platform/permissions.js';
import { syncTrainee } from '../../src/tracer/creation.js';
import { TracerSurvey } from '../../src/tracer/model.js';
import { addMonths } from '../../src/tracer/schedule.js';
import { answerSurvey } from '../../src/tracer/service.js';
import { buildTestApp, loggedInAgent, submitForm } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';
import { makeInstitution, makeSector, makeUser } from '../support/factories.js';
import { ago, day, jobAnswers, graduate as makeGraduate } from './graduates.js';
import { insertRecord } from './records.js';

const csvRows = (text: string) => parse(text.replace(/^\uFEFF/, '')) as string[][];

describe('employment tracer: pages, reminders and the report', () => {
  useTestDatabase(import.meta.url);
  let app: ReturnType<typeof buildTestApp>;
  let institution: string;
  let sector: string;
  let coordinator: Awaited<ReturnType<typeof makeUser>>;
  before(async () => {
    app = buildTestApp();
    institution = (await makeInstitution({ name: 'BLK Jejak Kerja' })).id;
    sector = (await makeSector()).code;
    coordinator = await makeUser('coordinator', institution);
  });
  const graduate = (options: Parameters<typeof makeGraduate>[1] = {}) => makeGraduate(institution, options);
  const job = (overrides: Record<string, string> = {}) => jobAnswers(sector, overrides);

  it('brings a graduate from the dashboard card to the form, and keeps the answers for changing', async () => {
    const one = await graduate();
    const agent = await loggedInAgent(app, one.user.email, one.user.password);
    const dashboard = await agent.get('/dashboard');
    expect(dashboard.text).to.include(`href="/tracer/surveys/${one.survey}"`);
    expect(dashboard.text).to.include('Survei 3 bulan setelah pelatihan Junior Web Programmer menunggu jawaban Anda');
    expect(dashboard.text).to.not.include('role="alert"');
    const list = await agent.get('/tracer');
    expect(list.status).to.equal(200);
    expect(list.text).to.include(`data-survey="${one.survey}" data-state="open"`);
    expect(list.text).to.include(`data-survey="${one.wave6}" data-state="upcoming"`);
    const page = await agent.get(`/tracer/surveys/${one.survey}`);
    expect(page.status).to.equal(200);
    expect(page.text).to.include('name="situation" id="situation-employed"');

    const sent = await submitForm(agent, `/tracer/surveys/${one.survey}`, job());
    expect(sent.status).to.equal(303);
    expect(sent.headers.location).to.equal(`/tracer/surveys/${one.survey}?saved=1`);
    const saved = await agent.get(sent.headers.location!);
    expect(saved.text).to.include('Terima kasih! Jawaban Anda tersimpan.');
    expect(saved.text).to.include('value="PT Sinar Terang"');
    expect(saved.text).to.match(/id="situation-employed" value="employed" checked/);
    expect(saved.text).to.include('Simpan perubahan');
    expect((await agent.get('/dashboard')).text).to.not.include(`href="/tracer/surveys/${one.survey}"`);
    expect((await TracerSurvey.findById(one.survey).lean())?.answeredVia).to.equal('app');
  });

  it('turns the card into a notice once the survey waits past its reminder day', async () => {
    const one = await graduate({ extraDays: 15 });
    const agent = await loggedInAgent(app, one.user.email, one.user.password);
    const dashboard = await agent.get('/dashboard');
    expect(dashboard.text).to.match(/class="tracer-card overdue alert error"[^>]*role="alert"/);
    expect(dashboard.text).to.include('Pengingat: survei 3 bulan setelah pelatihan Junior Web Programmer belum Anda jawab');
  });
  it('keeps answers editable until the next survey opens, then shows them read-only and refuses changes', async () => {
    const one = await graduate({ monthsAgo: 6, extraDays: 1 });
    // Answered while it was open...
    await answerSurvey(
      one.actor,
      one.survey,
      job({ jobStartedOn: ago(one.approvedAt, -10).toISOString().slice(0, 10) }),
      addMonths(one.approvedAt, 4),
    );
    const agent = await loggedInAgent(app, one.user.email, one.user.password);
    // ...and closed since the six-month survey opened.
    const page = await agent.get(`/tracer/surveys/${one.survey}`);
    expect(page.status).to.equal(200);
    expect(page.text).to.include('Jawaban tidak dapat diubah lagi.');
    expect(page.text).to.include('PT Sinar Terang');
    expect(page.text).to.not.include('name="situation"');
    const refused = await submitForm(agent, `/tracer/surveys/${one.survey}`, job({ employer: 'PT Lain' }));
    expect(refused.status).to.equal(409);
    expect(refused.text).to.include('Survei ini sudah ditutup; jawabannya tidak dapat diubah lagi.');
    const viaLink = await submitForm(supertest.agent(app), `/tracer/s/${one.token}`, job({ employer: 'PT Lain' }), 'en');
    expect(viaLink.status).to.equal(409);
    expect(viaLink.text).to.include('This survey has closed; its answers can no longer be changed.');
    expect((await TracerSurvey.findById(one.survey).lean())?.answers).to.include({ employer: 'PT Sinar Terang' });
    // The six-month survey is the one open now.
    expect((await agent.get('/dashboard')).text).to.include(`href="/tracer/surveys/${one.wave6}"`);
  });

  it('gives the coordinator a list to remind, with WhatsApp or mail ready, and marks a reminder sent', async () => {
    const withPhone = await graduate({ name: 'Rina Marlina', phone: '0813 1111 2222', extraDays: 16 });
    const withoutPhone = await graduate({ name: 'Tono Sugiarto', extraDays: 16 });
    const agent = await loggedInAgent(app, coordinator.email, coordinator.password);
    const page = await agent.get('/tracer/reminders');
    expect(page.status).to.equal(200);
    const entry = (survey: string) => new RegExp(`data-remind="${survey}">([\\s\\S]*?)</li>`).exec(page.text)?.[1] ?? '';
    const rina = entry(withPhone.survey);
    const link = `/tracer/s/${withPhone.token}`;
    expect(rina).to.include('Rina Marlina');
    expect(rina).to.include('href="https://wa.me/6281311112222?text=Halo%20Rina%2C%20salam%20dari%20BLK%20Jejak%20Kerja.');
    expect(rina).to.include(encodeURIComponent(link));
    expect(rina).to.match(new RegExp(`<code data-link>http://127\\.0\\.0\\.1:\\d+${link}</code>`));
    const tono = entry(withoutPhone.survey);
    expect(tono).to.not.include('wa.me');
    expect(tono).to.include(
      `href="mailto:${withoutPhone.user.email}?subject=Survei%20kebekerjaan%203%20bulan&amp;body=Halo%20Tono`,
    );
    // The link in the message opens the survey.
    const opened = await supertest(app).get(link);
    expect(opened.status).to.equal(200);
    expect(opened.text).to.include('Halo, Rina!');

    const marked = await submitForm(agent, `/tracer/reminders/${withPhone.survey}`, {});
    expect(marked.status).to.equal(303);
    const after = await agent.get(marked.headers.location!);
    expect(after.text).to.include('Ditandai sudah diingatkan.');
    expect(after.text).to.not.include(`data-remind="${withPhone.survey}"`);
    expect(after.text).to.include(`data-reminded="${withPhone.survey}"`);
    expect((await TracerSurvey.findById(withPhone.survey).lean())?.remindedBy?.toString()).to.equal(coordinator.id);
  });

  it('shows the report and exports it as CSV, read back cell by cell', async () => {
    const other = (await makeInstitution({ name: 'BLK Ekspor' })).id;
    const boss = await makeUser('coordinator', other);
    const make = async (name: string) => {
      const user = await makeUser('trainee', other, { name });
      const approvedAt = ago(addMonths(new Date(), -3), 3);
      const record = await insertRecord({
        institution: other,
        trainee: user.id,
        cohort: '65f000000000000000000001',
        program: '65f000000000000000000002',
        approvedAt,
        cohortName: '=Angkatan Ekspor',
        programTitle: 'Teknisi Komputer',
        cohortStartsOn: ago(approvedAt, 60).toISOString().slice(0, 10),
      });
      await syncTrainee(user.id, new Date());
      return { actor: { id: user.id, role: 'trainee', institution: other } as Actor, survey: `${record.enrollment}:3` };
    };
    const [ani, budi] = [await make('Ani'), await make('Budi'), await make('Cici')];
    await answerSurvey(ani.actor, ani.survey, job({ wageBand: '5to10' }));
    await answerSurvey(budi.actor, budi.survey, {
      situation: 'seeking',
      seekingSince: new Date(Date.now() - 5 * day).toISOString().slice(0, 10),
    });
    const agent = await loggedInAgent(app, boss.email, boss.password);
    const approvedYear = new Date(ago(addMonths(new Date(), -3), 3).getTime() + 7 * 3_600_000).getUTCFullYear();
    const page = await agent.get(`/tracer/report?year=${approvedYear}`);
    expect(page.status).to.equal(200);
    expect(page.text).to.include('BLK Ekspor');
    const cohortRow = /data-row="65f000000000000000000001:3">([\s\S]*?)<\/tr>/.exec(page.text)?.[1] ?? '';
    expect(cohortRow).to.match(/data-invited>3</);
    expect(cohortRow).to.match(/data-answered>2</);
    expect(cohortRow).to.match(/data-rate>66,7 %</);
    expect(cohortRow).to.match(/data-outcome="employed">1</);
    expect(cohortRow).to.match(/data-outcome="seeking">1</);
    expect(page.text).to.match(/data-band="5to10">[\s\S]*?data-wage="3">1</);

    const csv = await agent.get(`/tracer/report.csv?year=${approvedYear}`);
    expect(csv.status).to.equal(200);
    expect(csv.headers['content-type']).to.equal('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).to.equal(`attachment; filename=kompeten-tracer-${approvedYear}.csv`);
    expect(csv.text.startsWith('\uFEFF')).to.equal(true);
    expect(csv.text).to.include('\r\n');
    const rows = csvRows(csv.text);
    expect(rows[0]).to.deep.equal([
      'Cakupan',
      'Nama',
      'Program',
      'Gelombang (bulan)',
      'Diundang',
      'Menjawab',
      'Tingkat respons (%)',
      'Belum dibuka',
      'Bekerja',
      'Berwirausaha',
      'Melanjutkan studi',
      'Mencari kerja',
      'Upah: Di bawah Rp1 juta',
      'Upah: Rp1–3 juta',
      'Upah: Rp3–5 juta',
      'Upah: Rp5–10 juta',
      'Upah: Di atas Rp10 juta',
      'Upah: Tidak ingin menyebutkan',
      'Pendapatan usaha: Di bawah Rp1 juta',
      'Pendapatan usaha: Rp1–3 juta',
      'Pendapatan usaha: Rp3–5 juta',
      'Pendapatan usaha: Rp5–10 juta',
      'Pendapatan usaha: Di atas Rp10 juta',
      'Pendapatan usaha: Tidak ingin menyebutkan',
    ]);
    expect(rows.slice(1)).to.deep.equal([
      [
        'Seluruh lulusan',
        'BLK Ekspor',
        '',
        '3',
        '3',
        '2',
        '66.7',
        '0',
        '1',
        '0',
        '0',
        '1',
        '0',
        '0',
        '0',
        '1',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
      ],
      [
        'Seluruh lulusan',
        'BLK Ekspor',
        '',
        '6',
        '0',
        '0',
        '',
        '3',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
      ],
      [
        'Program',
        'Teknisi Komputer',
        'Teknisi Komputer',
        '3',
        '3',
        '2',
        '66.7',
        '0',
        '1',
        '0',
        '0',
        '1',
        '0',
        '0',
        '0',
        '1',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
      ],
      [
        'Program',
        'Teknisi Komputer',
        'Teknisi Komputer',
        '6',
        '0',
        '0',
        '',
        '3',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
      ],
      // A cohort name a spreadsheet would run as a formula stays text.
      [
        'Angkatan',
        "'=Angkatan Ekspor",
        'Teknisi Komputer',
        '3',
        '3',
        '2',
        '66.7',
        '0',
        '1',
        '0',
        '0',
        '1',
        '0',
        '0',
        '0',
        '1',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
      ],
      [
        'Angkatan',
        "'=Angkatan Ekspor",
        'Teknisi Komputer',
        '6',
        '0',
        '0',
        '',
        '3',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
      ],
    ]);
  });

  it('keeps each institution’s report, and each graduate’s survey, to those it belongs to', async () => {
    const one = await graduate();
    const other = await graduate({ name: 'Umar Said' });
    const elsewhere = (await makeInstitution()).id;
    const strangerCoordinator = await makeUser('coordinator', elsewhere);
    const instructor = await makeUser('instructor', institution);
    const stranger = await loggedInAgent(app, strangerCoordinator.email, strangerCoordinator.password);
    expect((await stranger.get(`/tracer/report?institution=${institution}`)).status).to.equal(403);
    expect((await stranger.get(`/tracer/report.csv?institution=${institution}`)).status).to.equal(403);
    expect((await stranger.get(`/tracer/reminders?institution=${institution}`)).status).to.equal(403);
    expect((await submitForm(stranger, `/tracer/reminders/${one.survey}`, {})).status).to.equal(403);
    const own = await stranger.get('/tracer/report');
    expect(own.status).to.equal(200);
    expect(own.text).to.not.include('BLK Jejak Kerja');

    const teacher = await loggedInAgent(app, instructor.email, instructor.password);
    expect((await teacher.get('/tracer/report')).status).to.equal(403);
    expect((await teacher.get('/tracer')).status).to.equal(403);

    const trainee = await loggedInAgent(app, one.user.email, one.user.password);
    expect((await trainee.get('/tracer/report')).status).to.equal(403);
    expect((await trainee.get(`/tracer/surveys/${other.survey}`)).status).to.equal(403);
    expect((await submitForm(trainee, `/tracer/surveys/${other.survey}`, job())).status).to.equal(403);
    const csrf = /name="_csrf" value="([^"]+)"/.exec((await trainee.get('/tracer')).text)?.[1] ?? '';
    const api = await trainee.put(`/api/v1/tracer/surveys/${other.survey}`).set('x-csrf-token', csrf).send(job());
    expect(api.status).to.equal(403);
    expect((await TracerSurvey.findById(other.survey).lean())?.answers).to.equal(null);
    const mine = await trainee.get('/api/v1/tracer/surveys');
    expect(mine.status).to.equal(200);
    expect((mine.body as { items: { id: string }[] }).items.map((item) => item.id)).to.deep.equal([one.survey, one.wave6]);
    const answered = await trainee.put(`/api/v1/tracer/surveys/${one.survey}`).set('x-csrf-token', csrf).send(job());
    expect(answered.status).to.equal(200);
    expect(answered.body).to.deep.include({ id: one.survey, state: 'answered' });
  });
});
