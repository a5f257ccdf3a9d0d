import { expect } from 'chai';
import { createCohort } from '../../src/cohorts/service.js';
import { Enrollment } from '../../src/enrolment/model.js';
import { applyOnBehalf } from '../../src/enrolment/service.js';
import { Lesson } from '../../src/programs/model.js';
import { publishProgram } from '../../src/programs/publishing.js';
import { buildTestApp, csrfTokenOf, loggedInAgent } from '../support/app.js';
import { cohortFields, makeCohortSetup } from '../support/cohorts.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';
import { multipart, samples } from './samples.js';

describe('PDFs of a lesson shown in the browser', function () {
  this.timeout(30_000);
  useTestDatabase(import.meta.url);
  const app = buildTestApp();

  it('offers "Lihat" for a PDF, served inline for the browser’s viewer; other documents and downloads stay attachments', async () => {
    const setup = await makeCohortSetup({ shape: [1] });
    const editor = await loggedInAgent(app, setup.coordinatorUser.email, setup.coordinatorUser.password);
    const lesson = setup.program.lessons[0]!;
    for (const [filename, data] of [
      ['Lembar kerja.pdf', samples.pdf()],
      ['Tugas.docx', samples.docx()],
    ] as const) {
      const token = await csrfTokenOf(editor, `/lessons/${lesson}/edit`);
      const { contentType, body } = multipart([{ name: 'file', filename, data }]);
      await editor
        .post(`/lessons/${lesson}/files?_csrf=${encodeURIComponent(token)}`)
        .set('Content-Type', contentType)
        .send(body)
        .expect(303);
    }
    const [pdf, docx] = (await Lesson.findById(lesson).lean())!.files.map(String) as [string, string];
    await publishProgram(setup.coordinator, setup.program.id);
    const cohort = await createCohort(setup.coordinator, cohortFields(setup.program.id));
    const user = await makeUser('trainee', setup.institution);
    const enrollment = await applyOnBehalf(setup.coordinator, cohort, user.id, { source: 'staff', enrolNow: true });
    const trainee = await loggedInAgent(app, user.email, user.password);

    const page = await trainee.get(`/learn/${cohort}/lessons/${lesson}`).expect(200);
    const view = `/learn/${cohort}/files/${pdf}?view=1`;
    expect(page.text).to.include(
      `<a href="${view}" target="_blank" rel="noopener">Lihat<span class="visually-hidden">: Lembar kerja.pdf</span></a>`,
    );
    // On wide screens it can be shown in the page: the page's policy lets it frame its own files.
    expect(page.text).to.include(`<iframe src="${view}" title="Lembar kerja.pdf" loading="lazy"></iframe>`);
    expect(page.headers['content-security-policy']).to.match(/frame-src 'self'/);
    expect(page.text, 'no view link for a Word document').to.not.include(`/files/${docx}?view=1`);

    const shown = await trainee.get(view).expect(200);
    expect(shown.headers['content-type']).to.equal('application/pdf');
    expect(shown.headers['content-disposition']).to.match(/^inline; filename="Lembar kerja.pdf"/);
    expect(shown.headers['x-content-type-options']).to.equal('nosniff');
    // The browser's PDF viewer does not start in a sandboxed document, and only our pages may frame it.
    expect(shown.headers['content-security-policy']).to.equal("frame-ancestors 'self'");
    const stored = await Enrollment.findById(enrollment.id).lean();
    expect(stored?.progress?.files, 'reading it in the browser counts as having it').to.include(pdf);

    await trainee
      .get(`/learn/${cohort}/files/${pdf}?download=1`)
      .expect(200)
      .expect('content-disposition', /^attachment; filename="Lembar kerja.pdf"/);
    const word = await trainee.get(`/learn/${cohort}/files/${docx}?view=1`).expect(200);
    expect(word.headers['content-disposition']).to.match(/^attachment/);
    expect(word.headers['content-security-policy']).to.include('sandbox');

    // The draft preview and the published version offer the same.
    const preview = await editor.get(`/programs/${setup.program.id}/preview/lessons/${lesson}`).expect(200);
    expect(preview.text).to.include(`/programs/${setup.program.id}/preview/files/${pdf}?view=1`);
    await editor
      .get(`/programs/${setup.program.id}/v/2/files/${pdf}?view=1`)
      .expect(200)
      .expect('content-disposition', /^inline/);
  });
});
