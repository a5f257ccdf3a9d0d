import { expect } from 'chai';
import mongoose from 'mongoose';
import supertest from 'supertest';
import { Institution, Sector } from '../../src/institutions/model.js';
import { loadConfig } from '../../src/platform/config.js';
import { createLogger } from '../../src/platform/logger.js';
import { demoPassword, seedDemo, seedDemoIfEmpty } from '../../src/seed/demo.js';
import { startServer } from '../../src/server.js';
import { CompetencyUnit } from '../../src/units/model.js';
import { User } from '../../src/users/model.js';
import { buildTestApp, loggedInAgent } from '../support/app.js';
import { testDatabaseUri, useTestDatabase } from '../support/database.js';

const log = createLogger('silent');

async function counts() {
  return {
    users: await User.countDocuments(),
    institutions: await Institution.countDocuments(),
    sectors: await Sector.countDocuments(),
  };
}

describe('demo data', () => {
  useTestDatabase(import.meta.url);

  it('creates institutions, an admin, a coordinator, two instructors and ten trainees', async () => {
    await seedDemo();
    const roles: Record<string, number> = {};
    for (const user of await User.find({}, { role: 1 }).lean()) roles[user.role] = (roles[user.role] ?? 0) + 1;
    expect(roles).to.deep.equal({
      admin: 1,
      coordinator: 1,
      instructor: 2,
      trainee: 10,
    });
    expect(await Institution.countDocuments()).to.be.at.least(2);
    expect(await Sector.distinct('code')).to.include.members(['manufacturing', 'tourism', 'agriculture', 'ict', 'construction']);
  });

  it('includes real SKKNI units of four sectors, approved, some with elements and criteria', async () => {
    const units = await CompetencyUnit.find().lean();
    expect(units.length).to.be.at.least(16);
    expect(new Set(units.map((unit) => unit.sector))).to.deep.equal(new Set(['ict', 'tourism', 'manufacturing', 'agriculture']));
    expect(units.every((unit) => unit.status === 'approved')).to.equal(true);
    const complete = units.filter(
      (unit) => unit.elements.length > 0 && unit.elements.every((element) => element.criteria.length > 0),
    );
    expect(new Set(complete.map((unit) => unit.sector)).size).to.equal(4);
  });

  it('is idempotent: a second run creates nothing and overwrites nothing', async () => {
    const before = await counts();
    await User.updateOne({ email: 'peserta1@kompeten.test' }, { $set: { name: 'Diubah Pengguna' } });
    const { created } = await seedDemo();
    expect(created).to.equal(0);
    expect(await counts()).to.deep.equal(before);
    expect((await User.findOne({ email: 'peserta1@kompeten.test' }).lean())?.name).to.equal('Diubah Pengguna');
  });

  it('prints logins that work', async () => {
    const app = buildTestApp();
    for (const email of [
      'admin@kompeten.test',
      'koordinator@kompeten.test',
      'instruktur1@kompeten.test',
      'peserta1@kompeten.test',
    ]) {
      const agent = await loggedInAgent(app, email, demoPassword);
      expect((await agent.get('/dashboard')).status).to.equal(200);
    }
  });

  it('shows each role a working training centre: figures, a cohort, counselling and progress', async () => {
    const app = buildTestApp();
    const coordinator = await loggedInAgent(app, 'koordinator@kompeten.test', demoPassword);
    const dashboard = (await coordinator.get('/dashboard')).text.replace(/\s+/g, ' ');
    // BBPVP Bekasi: six trainees, one instructor, one coordinator; one application and one intake waiting.
    expect(dashboard).to.include('<strong>6</strong> <span>Peserta</span>');
    expect(dashboard).to.include('<strong>1</strong> <span>Instruktur</span>');
    expect(dashboard).to.include('<strong>1</strong> <span>pendaftaran menunggu</span>');
    expect((await coordinator.get('/counselling')).text).to.include('Fajar Nugroho');
    const learner = await loggedInAgent(app, 'peserta1@kompeten.test', demoPassword);
    expect((await learner.get('/learning')).text)
      .to.include('Junior Web Programmer: Dasar')
      .and.include('3 dari 7 materi selesai');
    // A live class under way to walk into, and one held two days ago with its report.
    const live = (await learner.get('/dashboard')).text;
    expect(live).to.include('Kelas langsung &#34;Praktik formulir HTML&#34; sedang berlangsung.');
    expect(live).to.match(/href="\/live\/[0-9a-f]{24}\/room">Gabung sekarang</);
    const instructor = await loggedInAgent(app, 'instruktur1@kompeten.test', demoPassword);
    const cohortPage = (await instructor.get('/cohorts')).text;
    const cohortId = /href="\/cohorts\/([0-9a-f]{24})"/.exec(cohortPage)?.[1];
    const report = (await instructor.get(`/cohorts/${cohortId}/live/report.csv`)).text;
    expect(report).to.include('Pengenalan HTML');
    const applicant = await loggedInAgent(app, 'peserta4@kompeten.test', demoPassword);
    expect((await applicant.get('/learning')).text).to.include('Pendaftaran Anda menunggu keputusan koordinator.');
  });

  it('seeds an empty database only', async () => {
    await User.deleteMany({ email: 'peserta2@kompeten.test' });
    await seedDemoIfEmpty();
    expect(await User.exists({ email: 'peserta2@kompeten.test' })).to.equal(null);
  });
});

describe('demo data on a configured MONGODB_URI', () => {
  const name = `test_seed_configured_${Date.now()}`;
  after(async () => {
    await mongoose.connect(testDatabaseUri(name));
    await mongoose.connection.dropDatabase();
    await mongoose.disconnect();
  });

  it('is never created by the server', async () => {
    const config = loadConfig({
      MONGODB_URI: testDatabaseUri(name),
      SESSION_SECRET: 'a-configured-secret-of-enough-length-000',
      PORT: '0',
      LOG_LEVEL: 'silent',
    });
    const server = await startServer(config, log);
    try {
      expect((await supertest(server.url).get('/healthz')).status).to.equal(200);
      expect(await User.countDocuments()).to.equal(0);
    } finally {
      await server.stop();
    }
  });
});
