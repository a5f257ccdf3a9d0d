import { expect } from 'chai';
import supertest from 'supertest';
import { applyOnBehalf, withdrawEnrollment } from '../../src/enrolment/service.js';
import { buildTestApp, loggedInAgent } from '../support/app.js';
import { makeCohortSetup } from '../support/cohorts.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';

describe('catalogue: a trainee’s own place in an open cohort', () => {
  useTestDatabase(import.meta.url);
  const app = buildTestApp();

  it('shows an enrolled trainee their status instead of "Daftar", and offers to apply again after withdrawing', async () => {
    const setup = await makeCohortSetup();
    const trainee = await makeUser('trainee', setup.institution);
    const agent = await loggedInAgent(app, trainee.email, trainee.password);
    const page = () => agent.get(`/catalogue/${setup.program.id}`).set('Accept-Language', 'id').expect(200);

    expect((await page()).text).to.include(`href="/cohorts/${setup.cohort}/apply"`);

    const enrolment = await applyOnBehalf(setup.coordinator, setup.cohort, trainee.id, { source: 'staff', enrolNow: true });
    const enrolled = (await page()).text;
    expect(enrolled).to.include('Status Anda di angkatan ini: Diterima');
    expect(enrolled).not.to.include(`href="/cohorts/${setup.cohort}/apply"`);

    await withdrawEnrollment(setup.coordinator, enrolment.id, 'pindah');
    const withdrawn = (await page()).text;
    expect(withdrawn).to.include('Mengundurkan diri');
    expect(withdrawn).to.include('Daftar lagi');

    // Visitors still see the plain offer.
    const visitor = await supertest(app).get(`/catalogue/${setup.program.id}`).expect(200);
    expect(visitor.text).to.include(`href="/cohorts/${setup.cohort}/apply"`).and.not.include('Status Anda');
  });
});
