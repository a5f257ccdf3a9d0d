import { expect } from 'chai';
import { CertificationProfile } from '../../src/certification/model.js';
import { StoredFile } from '../../src/files/model.js';
import { buildTestApp, loggedInAgent, submitForm } from '../support/app.js';
import { completionCohort } from '../support/completion.js';
import { useTestDatabase } from '../support/database.js';
import { makeInstitution, makeUser } from '../support/factories.js';
import { askForCertification, handoffSetup, person, photoJpeg } from './handoffFixtures.js';

describe('certification: a trainee asks for certification', () => {
  useTestDatabase(import.meta.url);
  let app: ReturnType<typeof buildTestApp>;
  let setup: Awaited<ReturnType<typeof handoffSetup>>;
  let photo: Buffer;
  const trainee = () => setup.trainees[0]!;

  before(async () => {
    app = buildTestApp();
    setup = await handoffSetup({ trainees: 2 });
    photo = await photoJpeg();
  });

  it('is offered once a completion is approved, not before', async () => {
    const fresh = (await completionCohort({ trainees: 1 })).trainees[0]!;
    const waiting = await loggedInAgent(app, fresh.email, fresh.password);
    const before = await waiting.get('/certification');
    expect(before.status).to.equal(200);
    expect(before.text).to.include('setelah penyelesaian pelatihan Anda disetujui');
    expect(before.text).not.to.include('name="nik"');
    const refused = await askForCertification(waiting, {}, photo);
    expect(refused.status).to.equal(409);
    expect(await CertificationProfile.countDocuments({ _id: fresh.id })).to.equal(0);

    const graduate = await loggedInAgent(app, trainee().email, trainee().password);
    const page = await graduate.get('/certification');
    expect(page.text).to.include('Junior Web Programmer').and.include('name="nik"').and.include('name="consent"');
    // The consent text is on the page, and the box is not ticked for them.
    expect(page.text).to.include('Lembaga Sertifikasi Profesi (LSP)');
    expect(page.text).not.to.match(/name="consent" value="true"[^>]*checked/);
  });

  it('shows bad input again with a clear message beside each field, and stores nothing', async () => {
    const agent = await loggedInAgent(app, trainee().email, trainee().password);
    const files = await StoredFile.countDocuments();
    const wrong = await askForCertification(agent, { nik: '3201 0101 0190 001', consent: '' }, photo);
    expect(wrong.status).to.equal(422);
    expect(wrong.text).to.include('NIK terdiri dari 16 angka.');
    expect(wrong.text).to.include('Centang persetujuan untuk mengajukan sertifikasi');
    expect(wrong.text).to.include('value="3201 0101 0190 001"'); // what they typed, to correct it
    const mismatch = await askForCertification(agent, { dateOfBirth: '1990-01-02' }, photo);
    expect(mismatch.status).to.equal(422);
    expect(mismatch.text).to.include('tidak sama dengan tanggal lahir yang diisi');
    const noPhoto = await askForCertification(agent, {}, null);
    expect(noPhoto.status).to.equal(409);
    expect(noPhoto.text).to.include('Pilih pas foto');
    expect(await CertificationProfile.countDocuments({ _id: trainee().id })).to.equal(0);
    expect(await StoredFile.countDocuments()).to.equal(files);
  });

  it('keeps what was given with the consent; sending it twice leaves one profile and one photo', async () => {
    const agent = await loggedInAgent(app, trainee().email, trainee().password);
    const first = await askForCertification(agent, {}, photo);
    expect(first.status, first.text.slice(0, 300)).to.equal(303);
    const again = await askForCertification(agent, {}, photo);
    expect(again.status).to.equal(303);
    const profiles = await CertificationProfile.find({ _id: trainee().id }).lean();
    expect(profiles).to.have.length(1);
    expect(profiles[0]).to.deep.include({ nik: person.man.nik, placeOfBirth: 'Bandung', dateOfBirth: '1990-01-01' });
    expect(profiles[0]?.consent.textVersion).to.equal('v1');
    expect(await StoredFile.countDocuments({ uploadedBy: trainee().id })).to.equal(1);
    const file = await StoredFile.findById(profiles[0]?.photo).lean();
    expect(file?.mimeType).to.equal('image/jpeg');
    // Their own page shows it all, whole.
    const page = await agent.get('/certification?saved=1');
    expect(page.text).to.include(person.man.nik).and.include('Permintaan sertifikasi Anda tersimpan');
    expect((await agent.get(`/certification/profiles/${trainee().id}/photo`)).status).to.equal(200);
    // A later change without a photo keeps the photo.
    const changed = await askForCertification(agent, { placeOfBirth: 'Cimahi' }, null);
    expect(changed.status).to.equal(303);
    expect((await CertificationProfile.findById(trainee().id).lean())?.photo?.toString()).to.equal(String(file?._id));
  });

  it('accepts a woman’s NIK (day plus 40)', async () => {
    const other = setup.trainees[1]!;
    const agent = await loggedInAgent(app, other.email, other.password);
    const response = await askForCertification(agent, { ...person.woman }, photo);
    expect(response.status).to.equal(303);
    expect((await CertificationProfile.findById(other.id).lean())?.nik).to.equal(person.woman.nik);
  });

  it('refuses a file that is not a JPEG or PNG photo', async () => {
    const agent = await loggedInAgent(app, trainee().email, trainee().password);
    const token = /name="_csrf" value="([^"]+)"/.exec((await agent.get('/certification')).text)?.[1] ?? '';
    const response = await agent
      .post(`/certification/profile?_csrf=${encodeURIComponent(token)}`)
      .field('nik', person.man.nik)
      .field('placeOfBirth', 'Bandung')
      .field('dateOfBirth', '1990-01-01')
      .field('consent', 'true')
      .attach('photo', Buffer.from('%PDF-1.4\n%%EOF\n'), { filename: 'foto.jpg', contentType: 'image/jpeg' });
    expect(response.status).to.equal(422);
    expect(response.text).to.match(/JPG atau PNG/);
  });

  it('shows the photo to the trainee’s coordinators, and to nobody else', async () => {
    const path = `/certification/profiles/${trainee().id}/photo`;
    const coordinator = await loggedInAgent(app, setup.coordinator.email, setup.coordinator.password);
    expect((await coordinator.get(path)).status).to.equal(200);
    const otherInstitution = await makeUser('coordinator', (await makeInstitution()).id);
    const stranger = await loggedInAgent(app, otherInstitution.email, otherInstitution.password);
    expect((await stranger.get(path)).status).to.equal(403);
    const instructor = await loggedInAgent(app, setup.instructor.email, setup.instructor.password);
    expect((await instructor.get(path)).status).to.equal(403);
    const admin = await loggedInAgent(app, setup.admin.email, setup.admin.password);
    expect((await admin.get(path)).status).to.equal(403);
    const classmate = await loggedInAgent(app, setup.trainees[1]!.email, setup.trainees[1]!.password);
    expect((await classmate.get(path)).status).to.equal(403);
  });

  it('withdraws consent: the data and the photo are gone', async () => {
    const agent = await loggedInAgent(app, trainee().email, trainee().password);
    const profile = await CertificationProfile.findById(trainee().id).lean();
    const response = await submitForm(agent, '/certification/profile/withdraw', {});
    expect(response.status).to.equal(303);
    expect(await CertificationProfile.countDocuments({ _id: trainee().id })).to.equal(0);
    expect(await StoredFile.countDocuments({ _id: profile?.photo })).to.equal(0);
    const page = await agent.get('/certification?withdrawn=1');
    expect(page.text).to.include('Persetujuan ditarik').and.not.include(person.man.nik);
    // Withdrawing twice (a retry) is fine.
    expect((await submitForm(agent, '/certification/profile/withdraw', {})).status).to.equal(303);
  });
});
