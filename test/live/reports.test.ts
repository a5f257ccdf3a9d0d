import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import mongoose from 'mongoose';
import { applyOnBehalf } from '../../src/enrolment/service.js';
import { LiveSession } from '../../src/live/model.js';
import { LiveParticipation, LiveSummary } from '../../src/live/reports/model.js';
import { summariseSession } from '../../src/live/reports/service.js';
import { LiveAttendance, LiveHand, LivePoll, LivePollVote, LivePost, LiveRoom } from '../../src/live/room/model.js';
import { buildTestApp, loggedInAgent } from '../support/app.js';
import { makeCohortSetup } from '../support/cohorts.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';

const minute = 60_000;

describe('live classes: attendance reports, transcripts and their CSV', () => {
  useTestDatabase(import.meta.url);
  const app = buildTestApp();

  /**
   * A cohort with three trainees and a 90-minute class that ended two hours ago (stored directly:
   * the app schedules only ahead): Siti came early, had two tabs, left at 40 and wrote, asked,
   * voted and raised her hand; the trainee with a formula for a name stayed 30 minutes; Budi never
   * came. The instructor was there throughout.
   */
  async function heldClass() {
    const setup = await makeCohortSetup();
    const trainee = async (name: string) => {
      const user = await makeUser('trainee', setup.institution, { name });
      await applyOnBehalf(setup.coordinator, setup.cohort, user.id, { source: 'staff', enrolNow: true });
      return { ...user, name };
    };
    const siti = await trainee('Siti Aminah');
    const budi = await trainee('Budi Santoso');
    const formula = await trainee('=HYPERLINK("http://x.test","Rina")');
    const startsAt = new Date(Math.floor((Date.now() - 4 * 3600_000) / minute) * minute);
    const at = (m: number) => new Date(startsAt.getTime() + m * minute);
    const session = await LiveSession.create({
      cohort: setup.cohort,
      title: 'Praktik HTML',
      startsAt,
      durationMinutes: 90,
      createdBy: setup.instructor.id,
    });
    const id = String(session._id);
    const attend = (user: { id: string; name: string }, role: string, connection: string, from: number, to: number | null) =>
      LiveAttendance.insertMany([
        { session: id, user: user.id, userName: user.name, role, connection, kind: 'join', at: at(from) },
        ...(to === null
          ? []
          : [{ session: id, user: user.id, userName: user.name, role, connection, kind: 'leave', at: at(to) }]),
      ]);
    await attend(siti, 'trainee', 'siti-laptop', -10, 40);
    await attend(siti, 'trainee', 'siti-phone', 15, 25); // a second tab: counted once
    await attend(formula, 'trainee', 'rina-1', 60, null); // lost in a crash: ends at the class's end
    await attend({ id: setup.instructorUser.id, name: 'Pak Instruktur' }, 'instructor', 'teacher', -20, 95);
    const post = (user: { id: string; name: string }, kind: 'message' | 'question', text: string, extra: object = {}) =>
      LivePost.create({
        session: id,
        kind,
        author: user.id,
        authorName: user.name,
        authorRole: 'trainee',
        text,
        clientId: `c-${text}`.slice(0, 60),
        ...extra,
      });
    await post(siti, 'message', 'Selamat pagi semua');
    await post(siti, 'message', 'Pesan yang dihapus', { deletedAt: at(5), deletedBy: setup.instructor.id });
    await post(siti, 'question', 'Apa beda div dan span?', { answeredAt: at(20) });
    const poll = await LivePoll.create({
      session: id,
      question: 'Sudah paham flexbox?',
      options: ['Sudah', 'Belum'],
      createdBy: setup.instructor.id,
      clientId: 'poll-1',
      open: false,
      resultsShown: false,
    });
    await LivePollVote.create({ session: id, poll: poll._id, voter: siti.id, option: 0 });
    await LivePollVote.create({ session: id, poll: poll._id, voter: formula.id, option: 1 });
    await LiveHand.create({
      session: id,
      user: siti.id,
      userName: siti.name,
      raisedAt: at(10),
      loweredAt: at(12),
      openKey: 'x1',
    });
    await LiveHand.create({ session: id, user: siti.id, userName: siti.name, raisedAt: at(30) });
    return { setup, id, siti, budi, formula, at, startsAt };
  }

  const staffAgent = (setup: Awaited<ReturnType<typeof makeCohortSetup>>) =>
    loggedInAgent(app, setup.instructorUser.email, setup.instructorUser.password);
  const rowOf = (html: string, user: string) => html.match(new RegExp(`<tr data-trainee="${user}".*?</tr>`, 's'))?.[0] ?? '';
  const csvOf = (text: string) => {
    expect(text.startsWith('\uFEFF'), 'a byte-order mark, as Excel opens UTF-8').to.equal(true);
    expect(text).to.include('\r\n');
    return parse(text.slice(1)) as string[][];
  };

  it('shows the staff each trainee’s minutes of the class, their engagement, the staff present and the poll results', async () => {
    const { setup, id, siti, budi, formula } = await heldClass();
    const page = await (await staffAgent(setup)).get(`/live/${id}/report`).set('Accept-Language', 'id');
    expect(page.status).to.equal(200);
    const sitiRow = rowOf(page.text, siti.id);
    expect(sitiRow, 'early arrival and the second tab add nothing: 0–40').to.include('40 / 90');
    expect(sitiRow).to.include('data-count="messages">1<'); // the deleted message does not count
    expect(sitiRow).to.include('data-count="questions">1<');
    expect(sitiRow).to.include('data-count="votes">1<');
    expect(sitiRow).to.include('data-count="hands">2<');
    expect(rowOf(page.text, formula.id), 'joined at 60, lost without a leave: to the end').to.include('30 / 90');
    const budiRow = rowOf(page.text, budi.id);
    expect(budiRow).to.include('0 / 90');
    expect(budiRow).to.include('tidak hadir');
    expect(page.text).to.include('2 dari 3 peserta hadir');
    expect(page.text).to.match(/id="live-staff">[^<]*\([^)]*90 menit\)/);
    expect(page.text).to.include('Sudah paham flexbox?');
    expect(page.text).to.include('1 (50%)');
    expect(page.text).to.include('&#34;http://x.test&#34;'); // the formula name is escaped on the page too
    // Made lazily: the class ended without anyone ending the room.
    expect(await LiveParticipation.countDocuments({ session: id })).to.equal(3);
  });

  it('refuses the report to a trainee, and shows them the transcript without deleted messages or others’ attendance', async () => {
    const { setup, id, siti } = await heldClass();
    const agent = await loggedInAgent(app, siti.email, siti.password);
    for (const path of [
      `/live/${id}/report`,
      `/live/${id}/report.csv`,
      `/cohorts/${setup.cohort}/live/report`,
      `/cohorts/${setup.cohort}/live/report.csv`,
    ])
      expect((await agent.get(path)).status, path).to.equal(403);
    expect((await agent.get(`/api/v1/live-sessions/${id}/report`)).status).to.equal(403);
    const transcript = await agent.get(`/live/${id}/transcript`).set('Accept-Language', 'id');
    expect(transcript.status).to.equal(200);
    expect(transcript.text).to.include('Selamat pagi semua');
    expect(transcript.text).to.include('Apa beda div dan span?');
    expect(transcript.text).not.to.include('Pesan yang dihapus');
    expect(transcript.text, 'the poll, without results the staff never showed').to.include('Sudah paham flexbox?');
    expect(transcript.text).not.to.include('(50%)');
    expect(transcript.text).not.to.include('data-trainee=');
    const csv = csvOf((await agent.get(`/live/${id}/transcript.csv`).set('Accept-Language', 'id')).text);
    expect(csv.map((line) => line[3])).not.to.include('Pesan yang dihapus');

    const outsider = await makeUser('trainee', setup.institution);
    const stranger = await loggedInAgent(app, outsider.email, outsider.password);
    expect((await stranger.get(`/live/${id}/transcript`)).status, 'not of the cohort').to.equal(403);
  });

  it('shows the staff the whole transcript in time order, deleted ones marked, with attendance', async () => {
    const { setup, id, siti } = await heldClass();
    const agent = await staffAgent(setup);
    const page = await agent.get(`/live/${id}/transcript`).set('Accept-Language', 'id');
    expect(page.status).to.equal(200);
    expect(page.text.indexOf('Selamat pagi semua')).to.be.lessThan(page.text.indexOf('Apa beda div dan span?'));
    expect(page.text).to.match(/dihapus<\/span>[\s\S]*<del>Pesan yang dihapus<\/del>/);
    expect(page.text).to.include('sudah dijawab');
    expect(rowOf(page.text, siti.id)).to.include('40 / 90');
    const response = await agent.get(`/live/${id}/transcript.csv`).set('Accept-Language', 'id');
    expect(response.headers['content-disposition']).to.match(/kompeten-live-transcript-\d{4}-\d{2}-\d{2}\.csv/);
    const csv = csvOf(response.text);
    expect(csv[0]).to.deep.equal(['Waktu (WIB)', 'Jenis', 'Penulis', 'Isi', 'Dukungan', 'Keadaan / hasil']);
    expect(csv.find((line) => line[3] === 'Pesan yang dihapus')?.[5]).to.equal('dihapus');
    expect(csv.find((line) => line[1] === 'Polling')?.[5]).to.equal('Sudah: 1; Belum: 1');
  });

  it('exports the session report as CSV with a formula-looking name kept as text', async () => {
    const { setup, id, startsAt } = await heldClass();
    const response = await (await staffAgent(setup)).get(`/live/${id}/report.csv`).set('Accept-Language', 'id');
    expect(response.status).to.equal(200);
    expect(response.headers['content-type']).to.match(/^text\/csv/);
    const day = new Date(startsAt.getTime() + 7 * 3600_000).toISOString().slice(0, 10);
    expect(response.headers['content-disposition']).to.include(`kompeten-live-attendance-${day}.csv`);
    const csv = csvOf(response.text);
    expect(csv[0]).to.deep.equal([
      'Nama',
      'Email',
      'Menit hadir',
      'Menit sesi',
      'Hadir',
      'Pertama masuk (WIB)',
      'Terakhir keluar (WIB)',
      'Pesan',
      'Pertanyaan',
      'Suara polling',
      'Angkat tangan',
      'Terdaftar',
    ]);
    const byName = new Map(csv.slice(1).map((line) => [line[0], line]));
    expect(byName.get('Siti Aminah')?.slice(2, 5)).to.deep.equal(['40', '90', 'ya']);
    expect(byName.get('Siti Aminah')?.slice(7)).to.deep.equal(['1', '1', '1', '2', 'ya']);
    expect(byName.get('Budi Santoso')?.slice(2, 7)).to.deep.equal(['0', '90', 'tidak', '', '']);
    expect(byName.get(`'=HYPERLINK("http://x.test","Rina")`)?.[2], 'an apostrophe keeps it text').to.equal('30');
    expect(response.text).not.to.match(/(^|\r\n|,)"?=HYPERLINK/);
  });

  it('lists every trainee in the cohort report, absent ones with 0, and exports it', async () => {
    const { setup, id, siti, budi } = await heldClass();
    // A second held session nobody attended, and one cancelled (not held).
    const second = await LiveSession.create({
      cohort: setup.cohort,
      title: 'Praktik CSS',
      startsAt: new Date(Date.now() - 2 * 86_400_000),
      durationMinutes: 60,
      createdBy: setup.instructor.id,
    });
    await LiveSession.create({
      cohort: setup.cohort,
      title: 'Batal',
      startsAt: new Date(Date.now() - 86_400_000),
      durationMinutes: 60,
      status: 'cancelled',
      createdBy: setup.instructor.id,
    });
    const agent = await staffAgent(setup);
    const page = await agent.get(`/cohorts/${setup.cohort}/live/report`).set('Accept-Language', 'id');
    expect(page.status).to.equal(200);
    expect(page.text).not.to.include('Batal');
    const budiRow = rowOf(page.text, budi.id);
    expect(budiRow).to.include(`data-cell="${id}">0`);
    expect(budiRow).to.include(`data-cell="${second._id}">0`);
    expect(budiRow).to.include('0 dari 2');
    const sitiRow = rowOf(page.text, siti.id);
    expect(sitiRow).to.match(/data-total><strong>40</);
    expect(sitiRow).to.include('1 dari 2');

    const csv = csvOf((await agent.get(`/cohorts/${setup.cohort}/live/report.csv`).set('Accept-Language', 'id')).text);
    expect(csv[0]).to.have.length(6);
    expect(csv[0]!.slice(-2)).to.deep.equal(['Jumlah menit (dari 150)', 'Sesi dihadiri (dari 2)']);
    expect(csv.find((line) => line[0] === 'Budi Santoso')?.slice(2)).to.deep.equal(['0', '0', '0', '0']);
    const api = await agent.get(`/api/v1/cohorts/${setup.cohort}/live-report`);
    expect(api.status).to.equal(200);
    expect(api.body.held).to.equal(2);
    expect(api.body.trainees.find((row: { trainee: { name: string } }) => row.trainee.name === 'Siti Aminah')).to.include({
      totalMinutes: 40,
      attended: 1,
    });
  });

  it('summarises a session the same way twice, and again to the room’s real end once the staff end it', async () => {
    const { setup, id, siti, at } = await heldClass();
    const snapshot = async () =>
      (await LiveParticipation.find({ session: id }).lean())
        .map(({ _id, createdAt, updatedAt, ...rest }) => ({
          ...rest,
          session: String(rest.session),
          user: String(rest.user),
          cohort: String(rest.cohort),
        }))
        .sort((a, b) => a.user.localeCompare(b.user));
    await summariseSession(id);
    const first = await snapshot();
    await summariseSession(id);
    expect(await snapshot()).to.deep.equal(first);
    expect(first).to.have.length(3);
    expect(first.find((row) => row.user === siti.id)).to.include({ minutes: 40, present: true, messages: 1, hands: 2 });
    expect((await LiveSummary.findById(id).lean())?.staff.map((person) => person.minutes)).to.deep.equal([90]);

    // The staff ended the room at 75, before its scheduled end: the report summarises again, to 75.
    await LiveRoom.create({ _id: id, endedAt: at(75), endedBy: setup.instructor.id });
    const api = await (await staffAgent(setup)).get(`/api/v1/live-sessions/${id}/report`);
    expect(api.status).to.equal(200);
    expect(api.body.window.minutes).to.equal(75);
    expect(api.body.trainees.find((row: { trainee: { id: string } }) => row.trainee.id === siti.id)).to.include({ minutes: 40 });
    expect((await LiveSummary.findById(id).lean())?.minutes).to.equal(75);
    expect(
      (await LiveParticipation.findOne({ session: id, user: new mongoose.Types.ObjectId(siti.id) }).lean())?.minutes,
    ).to.equal(40);
    const rina = (api.body.trainees as { minutes: number; trainee: { name: string } }[]).find((row) =>
      row.trainee.name.startsWith('=HYPERLINK'),
    );
    expect(rina?.minutes, 'joined at 60, counted to the room’s end at 75').to.equal(15);
  });

  it('shows a class under way as it stands, storing nothing', async () => {
    const setup = await makeCohortSetup();
    const startsAt = new Date(Date.now() - 20 * minute);
    const session = await LiveSession.create({
      cohort: setup.cohort,
      title: 'Sedang berjalan',
      startsAt,
      durationMinutes: 60,
      createdBy: setup.instructor.id,
    });
    const user = await makeUser('trainee', setup.institution, { name: 'Dewi' });
    await applyOnBehalf(setup.coordinator, setup.cohort, user.id, { source: 'staff', enrolNow: true });
    await LiveAttendance.create({
      session: session._id,
      user: user.id,
      userName: 'Dewi',
      role: 'trainee',
      connection: 'dewi-1',
      kind: 'join',
      at: new Date(startsAt.getTime() + 5 * minute),
    });
    const page = await (await staffAgent(setup)).get(`/live/${session._id}/report`).set('Accept-Language', 'id');
    expect(page.status).to.equal(200);
    expect(page.text).to.include('Sesi ini sedang berlangsung');
    const row = rowOf(page.text, user.id);
    expect(row).to.match(/>1[45] \/ 60/);
    expect(row).to.include('di ruang');
    expect(await LiveParticipation.countDocuments({ session: session._id })).to.equal(0);
  });
});
