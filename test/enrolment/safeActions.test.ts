import { expect } from 'chai';
import supertest from 'supertest';
import { Cohort } from '../../src/cohorts/model.js';
import { Enrollment } from '../../src/enrolment/model.js';
import { seatsTaken } from '../../src/enrolment/seats.js';
import { applyOnBehalf, undoDecision, undoWindowMs } from '../../src/enrolment/service.js';
import { completeLesson } from '../../src/learning/service.js';
import type { Actor } from '../../src/platform/permissions.js';
import { type Agent, buildTestApp, csrfTokenOf, loggedInAgent, submitForm } from '../support/app.js';
import { makeCohortSetup } from '../support/cohorts.js';
import { useTestDatabase } from '../support/database.js';
import { makeInstitution, makeUser } from '../support/factories.js';

type Setup = Awaited<ReturnType<typeof makeCohortSetup>>;

/** The text a person reads on a page: tags dropped, entities and spaces folded. */
const visibleText = (html: string) =>
  html
    .replace(/<(script|style)[\s\S]*?<\/\1>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

async function cohortName(setup: Setup) {
  return (await Cohort.findById(setup.cohort, { name: 1 }).lean())!.name;
}

/** A trainee of the setup's institution with `name`, enrolled (or waiting, when the cohort is full). */
async function trainee(setup: Setup, name: string) {
  const user = await makeUser('trainee', setup.institution, { name });
  const enrollment = await applyOnBehalf(setup.coordinator, setup.cohort, user.id, { source: 'staff', enrolNow: true });
  const actor: Actor = { id: user.id, role: 'trainee', institution: setup.institution };
  return { user, actor, enrollment };
}

const statusOf = async (id: string) => (await Enrollment.findById(id, { status: 1 }).lean())?.status;
/** The Undo button's decision id on a page. */
const undoChange = (html: string) => /name="change" value="([0-9a-f-]{36})"/.exec(html)?.[1];

describe('enrolment: safe decisions (confirm, say what happened, undo)', () => {
  useTestDatabase(import.meta.url);
  const app = buildTestApp();
  let setup: Setup;
  let coordinator: Agent;

  beforeEach(async () => {
    // Seven lessons in two modules.
    setup = await makeCohortSetup({ capacity: 2, shape: [4, 3] });
    coordinator = await loggedInAgent(app, setup.coordinatorUser.email, setup.coordinatorUser.password);
  });

  it('asks before approving a completion, saying which rules are met and how many lessons are done, and changes nothing until confirmed', async () => {
    const rina = await trainee(setup, 'Rina Wulandari');
    await completeLesson(rina.actor, setup.cohort, setup.program.lessons[0]!);
    const roster = await coordinator.get(`/cohorts/${setup.cohort}/roster`);
    // The roster's button leads to the approval page, not straight to the decision.
    expect(roster.text).to.include(`href="/enrolments/${rina.enrollment.id}/complete"`);
    expect(roster.text).not.to.include(`action="/enrolments/${rina.enrollment.id}/complete"`);

    const page = await coordinator.get(`/enrolments/${rina.enrollment.id}/complete`);
    expect(page.status).to.equal(200);
    const text = visibleText(page.text);
    expect(text).to.include('Setujui kelulusan Rina Wulandari?');
    expect(text).to.include(await cohortName(setup));
    expect(text).to.include('1 dari 7 materi selesai.');
    expect(text).to.include('Semua aturan kelulusan terpenuhi.');
    expect(page.text).to.match(new RegExp(`<a class="button secondary" href="/cohorts/${setup.cohort}/completion">Batal</a>`));
    expect(await statusOf(rina.enrollment.id)).to.equal('enrolled');
  });

  it('approving a completion leads to its frozen record, offers no Undo, and an undo is refused with the reason', async () => {
    const rina = await trainee(setup, 'Rina Wulandari');
    const completed = await submitForm(coordinator, `/enrolments/${rina.enrollment.id}/complete`, {});
    expect(completed.status).to.equal(303);
    expect(completed.headers.location).to.match(/^\/completion-records\/[0-9a-f]{24}\?saved=approved$/);
    const record = visibleText((await coordinator.get(completed.headers.location!)).text);
    expect(record).to.include('Kelulusan disetujui dan catatannya dibekukan.');
    expect(await statusOf(rina.enrollment.id)).to.equal('completed');
    expect(await seatsTaken(setup.cohort)).to.equal(1);
    const roster = await coordinator.get(`/cohorts/${setup.cohort}/roster?changed=${rina.enrollment.id}`);
    expect(undoChange(roster.text), 'no Undo button').to.equal(undefined);

    const change = (await Enrollment.findById(rina.enrollment.id).lean())!.lastChange!.id;
    const refused = await submitForm(coordinator, `/enrolments/${rina.enrollment.id}/undo`, { change });
    expect(refused.status).to.equal(409);
    expect(visibleText(refused.text)).to.include('Kelulusan Rina Wulandari sudah dicatat dalam catatan kelulusan yang dibekukan');
    expect(await statusOf(rina.enrollment.id)).to.equal('completed');
    const stored = await Enrollment.findById(rina.enrollment.id).lean();
    expect(stored!.history.map((entry) => `${entry.action}:${entry.from}>${entry.to}`)).to.deep.equal([
      'complete:enrolled>completed',
    ]);
  });

  it('refuses an undo after another change, or after the time allowed, saying why', async () => {
    const rina = await trainee(setup, 'Rina Wulandari');
    await submitForm(coordinator, `/enrolments/${rina.enrollment.id}/withdraw`, { reason: 'Pindah kota' });
    const first = undoChange((await coordinator.get(`/cohorts/${setup.cohort}/roster?changed=${rina.enrollment.id}`)).text)!;
    await submitForm(coordinator, `/enrolments/${rina.enrollment.id}/undo`, { change: first });
    // Withdrawn again: the first decision's Undo is stale now.
    await submitForm(coordinator, `/enrolments/${rina.enrollment.id}/withdraw`, { reason: 'Pindah kota lagi' });
    const stale = await submitForm(coordinator, `/enrolments/${rina.enrollment.id}/undo`, { change: first });
    expect(stale.status).to.equal(409);
    expect(visibleText(stale.text)).to.include(
      'Keputusan tentang Rina Wulandari tidak dapat diurungkan lagi: statusnya sudah berubah',
    );
    expect(await statusOf(rina.enrollment.id)).to.equal('withdrawn');

    const second = (await Enrollment.findById(rina.enrollment.id).lean())!.lastChange!.id;
    const later = new Date(Date.now() + undoWindowMs + 60_000);
    let refusal: unknown;
    await undoDecision(setup.coordinator, rina.enrollment.id, second, later).catch((error) => {
      refusal = error;
    });
    expect(refusal).to.have.property('key', 'enrolment.undo.expired');
    expect(await statusOf(rina.enrollment.id)).to.equal('withdrawn');
  });

  it('asks before withdrawing, naming who waits for the place; after the place went to them, Undo is refused with the reason', async () => {
    const rina = await trainee(setup, 'Rina Wulandari');
    await trainee(setup, 'Budi Santoso');
    const sari = await trainee(setup, 'Sari Dewi');
    expect(sari.enrollment.status).to.equal('waitlisted');

    const confirm = visibleText((await coordinator.get(`/enrolments/${rina.enrollment.id}/withdraw`)).text);
    expect(confirm).to.include('Keluarkan Rina Wulandari dari angkatan?');
    expect(confirm).to.include('diberikan kepada peserta pertama di daftar tunggu (1 orang menunggu)');
    expect(confirm).to.include('Ya, keluarkan');

    const withdrawn = await submitForm(coordinator, `/enrolments/${rina.enrollment.id}/withdraw`, { reason: 'Pindah kota' });
    expect(withdrawn.status).to.equal(303);
    const page = await coordinator.get(withdrawn.headers.location!);
    expect(visibleText(page.text)).to.include('Rina Wulandari dikeluarkan dari');
    const change = undoChange(page.text)!;
    expect(await statusOf(sari.enrollment.id)).to.equal('enrolled');

    const refused = await submitForm(coordinator, `/enrolments/${rina.enrollment.id}/undo`, { change });
    expect(refused.status).to.equal(409);
    expect(visibleText(refused.text)).to.include(
      'Rina Wulandari tidak dapat dikembalikan: kursinya sudah diberikan kepada peserta lain',
    );
    expect(await statusOf(rina.enrollment.id)).to.equal('withdrawn');
    expect(await statusOf(sari.enrollment.id)).to.equal('enrolled');
    expect(await seatsTaken(setup.cohort)).to.equal(2);
    // Still the last decision, still refusable: nothing was half-undone.
    expect((await Enrollment.findById(rina.enrollment.id).lean())!.lastChange!.undoneAt).to.equal(null);
  });

  it('puts a withdrawn trainee back in their place when it is still free', async () => {
    const rina = await trainee(setup, 'Rina Wulandari');
    await submitForm(coordinator, `/enrolments/${rina.enrollment.id}/withdraw`, { reason: '' });
    expect(await seatsTaken(setup.cohort)).to.equal(0);
    const change = undoChange((await coordinator.get(`/cohorts/${setup.cohort}/roster?changed=${rina.enrollment.id}`)).text)!;
    const undone = await submitForm(coordinator, `/enrolments/${rina.enrollment.id}/undo`, { change });
    expect(undone.status).to.equal(303);
    expect(await statusOf(rina.enrollment.id)).to.equal('enrolled');
    expect(await seatsTaken(setup.cohort)).to.equal(1);
  });

  it('puts a refused application back on the waiting list in its turn', async () => {
    await trainee(setup, 'Rina Wulandari');
    await trainee(setup, 'Budi Santoso');
    const sari = await trainee(setup, 'Sari Dewi');
    const eko = await trainee(setup, 'Eko Prasetyo');
    const page = visibleText((await coordinator.get(`/enrolments/${sari.enrollment.id}/reject`)).text);
    expect(page).to.include('Tolak pendaftaran Sari Dewi?');
    await submitForm(coordinator, `/enrolments/${sari.enrollment.id}/reject`, { reason: 'Kuota' });
    const shown = await coordinator.get(`/cohorts/${setup.cohort}?changed=${sari.enrollment.id}`);
    expect(visibleText(shown.text)).to.include('Pendaftaran Sari Dewi di');
    await submitForm(coordinator, `/enrolments/${sari.enrollment.id}/undo`, { change: undoChange(shown.text)! });
    const waiting = await Enrollment.find({ cohort: setup.cohort, status: 'waitlisted' }).sort({ waitlistedAt: 1 }).lean();
    expect(waiting.map((e) => String(e._id))).to.deep.equal([sari.enrollment.id, eko.enrollment.id]);
  });

  it("does not let another institution's coordinator undo, nor anyone without the form's CSRF token", async () => {
    const rina = await trainee(setup, 'Rina Wulandari');
    await submitForm(coordinator, `/enrolments/${rina.enrollment.id}/withdraw`, { reason: 'Pindah kota' });
    const change = undoChange((await coordinator.get(`/cohorts/${setup.cohort}/roster?changed=${rina.enrollment.id}`)).text)!;

    const other = await makeUser('coordinator', (await makeInstitution()).id);
    const outsider = await loggedInAgent(app, other.email, other.password);
    expect((await submitForm(outsider, `/enrolments/${rina.enrollment.id}/undo`, { change })).status).to.equal(403);
    expect((await outsider.get(`/enrolments/${rina.enrollment.id}/complete`)).status).to.equal(403);
    // A page of another cohort's trainee names nobody to them.
    expect(
      visibleText((await outsider.get(`/cohorts/${setup.cohort}/roster?changed=${rina.enrollment.id}`)).text),
    ).not.to.include('Rina Wulandari');

    const withoutToken = await coordinator.post(`/enrolments/${rina.enrollment.id}/undo`).type('form').send({ change });
    expect(withoutToken.status).to.equal(403);
    const wrongToken = await coordinator
      .post(`/enrolments/${rina.enrollment.id}/undo`)
      .type('form')
      .send({ change, _csrf: `${await csrfTokenOf(coordinator)}x` });
    expect(wrongToken.status).to.equal(403);
    expect(await statusOf(rina.enrollment.id)).to.equal('withdrawn');
    expect(
      (await supertest(app).post(`/enrolments/${rina.enrollment.id}/undo`).type('form').send({ change })).status,
    ).to.be.oneOf([302, 403]);
  });

  it("tells a trainee what they lose before they withdraw, and staff cannot undo the trainee's own choice", async () => {
    const rina = await trainee(setup, 'Rina Wulandari');
    const agent = await loggedInAgent(app, rina.user.email, rina.user.password);
    const learning = await agent.get('/learning');
    expect(learning.text).to.include(`href="/enrolments/${rina.enrollment.id}/withdraw"`);
    const page = visibleText((await agent.get(`/enrolments/${rina.enrollment.id}/withdraw`)).text);
    expect(page).to.include('Anda tidak dapat membuka materi angkatan ini lagi');
    expect(page).to.include('Untuk kembali, Anda harus mendaftar lagi');
    expect(page).to.include('Ya, saya mengundurkan diri');
    expect(await statusOf(rina.enrollment.id)).to.equal('enrolled');

    expect((await submitForm(agent, `/enrolments/${rina.enrollment.id}/withdraw`, { reason: '' })).headers.location).to.equal(
      '/learning?saved=withdrawn',
    );
    const change = (await Enrollment.findById(rina.enrollment.id).lean())!.lastChange!.id;
    const refused = await submitForm(coordinator, `/enrolments/${rina.enrollment.id}/undo`, { change });
    expect(refused.status).to.equal(409);
    expect(visibleText(refused.text)).to.include('Rina Wulandari mengundurkan diri sendiri');
    expect(await statusOf(rina.enrollment.id)).to.equal('withdrawn');
  });
});
