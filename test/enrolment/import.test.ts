import { expect } from 'chai';
import mongoose from 'mongoose';
import supertest from 'supertest';
import { verifyPassword } from '../../src/auth/passwords.js';
import { Cohort } from '../../src/cohorts/model.js';
import { enrolmentBatchSize, importEnrolments, startEnrolmentImport } from '../../src/enrolment/import.js';
import { decodeCsv, detectDelimiter, parseEnrolmentCsv } from '../../src/enrolment/importCsv.js';
import { Enrollment } from '../../src/enrolment/model.js';
import { applyOnBehalf, withdrawEnrollment } from '../../src/enrolment/service.js';
import { findJob, type JobView } from '../../src/platform/jobs.js';
import { createLogger } from '../../src/platform/logger.js';
import { User } from '../../src/users/model.js';
import { type Agent, buildTestApp, csrfTokenOf, loggedInAgent, submitForm } from '../support/app.js';
import { makeCohortSetup } from '../support/cohorts.js';
import { useTestDatabase } from '../support/database.js';
import { makeInstitution, makeUser } from '../support/factories.js';

const silent = createLogger('silent');
const noProgress = async () => undefined;
let sequence = 0;
/** A fresh address for each test, so tests sharing a database do not meet each other's trainees. */
const email = (name: string) => {
  sequence += 1;
  return `${name}.${sequence}@peserta.test`;
};
const csv = (rows: string[][], separator = ',') => `${rows.map((row) => row.join(separator)).join('\r\n')}\r\n`;

async function waitForJob(jobId: string): Promise<JobView> {
  for (let attempt = 0; attempt < 600; attempt += 1) {
    const job = await findJob(jobId);
    if (job && job.status !== 'running') return job;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the import did not finish');
}

/** Uploads a file on the import page and returns the report page once the job has ended. */
async function importThroughPage(agent: Agent, cohort: string, fileName: string, content: string | Buffer) {
  const token = await csrfTokenOf(agent, `/cohorts/${cohort}/enrolments/import`);
  const started = await agent
    .post(`/cohorts/${cohort}/enrolments/import?_csrf=${encodeURIComponent(token)}`)
    .attach('file', Buffer.from(content), fileName);
  expect(started.status, started.text.slice(0, 500)).to.equal(303);
  const jobUrl = String(started.headers.location);
  const jobId = jobUrl.split('/').pop()!;
  const job = await waitForJob(jobId);
  const page = await agent.get(jobUrl);
  expect(page.status).to.equal(200);
  return { job, page, jobUrl };
}

const countsOf = async (cohort: string) => ({
  users: await User.countDocuments(),
  enrolments: await Enrollment.countDocuments({ cohort }),
});

describe('bulk enrolment from CSV', () => {
  useTestDatabase(import.meta.url);
  const app = buildTestApp();
  let setup: Awaited<ReturnType<typeof makeCohortSetup>>;
  let coordinator: Agent;

  before(async () => {
    setup = await makeCohortSetup({ capacity: 30 });
    coordinator = await loggedInAgent(app, setup.coordinatorUser.email, setup.coordinatorUser.password);
  });

  it('reads comma, semicolon and tab files, Indonesian headers, a byte-order mark and Windows-1252', () => {
    expect(detectDelimiter('nama;email;telepon\r\nA;b;c')).to.equal(';');
    expect(detectDelimiter('name,email\n"Budi; S.Kom",b@x.id')).to.equal(',');
    expect(detectDelimiter('Nama\tEmail\n')).to.equal('\t');
    const parsed = parseEnrolmentCsv(
      '\uFEFFNo;Nama Lengkap;E-mail;No. HP;Alamat\r\n1;Siti Aminah;Siti@Gmail.com;81234567890;Jl. Merdeka 1\r\n;;;;\r\n2;Budi;budi@mail.id;;\r\n',
    );
    expect(parsed.problems).to.deep.equal([]);
    expect(parsed.rows).to.deep.equal([
      { line: 2, name: 'Siti Aminah', email: 'siti@gmail.com', phone: '+6281234567890' },
      { line: 4, name: 'Budi', email: 'budi@mail.id', phone: '' },
    ]);
    expect(parsed.headers).to.deep.equal({ name: 'Nama Lengkap', email: 'E-mail', phone: 'No. HP' });
    expect(decodeCsv(Buffer.from([0x4a, 0x6f, 0x73, 0xe9]))).to.equal('José');
    expect(() => parseEnrolmentCsv('nama;telepon\r\nSiti;0812\r\n')).to.throw('enrolmentImport.errors.missingColumns');
    expect(() => parseEnrolmentCsv('nama,email\r\n')).to.throw('enrolmentImport.errors.empty');
  });

  it('reports every bad row by line, column and reason, and enrols the good ones with new accounts', async () => {
    const staff = setup.instructorUser.email;
    const good = [email('siti'), email('budi')];
    const file = csv([
      ['name', 'email', 'phone'],
      ['Siti Aminah', good[0]!, '0812-3456-7890'], // 2
      ['A', email('pendek'), ''], // 3: name too short
      ['Dewi Lestari', 'bukan-email', ''], // 4: email
      ['Rudi Hartono', email('rudi'), '12345'], // 5: phone
      ['Siti Lagi', good[0]!.toUpperCase(), ''], // 6: duplicate of line 2
      ['Instruktur', staff, ''], // 7: a staff account
      ['Contoh', 'siti.aminah@example.com', ''], // 8: the template's example row
      ['Budi Santoso', good[1]!, '+62 813 1111 2222'], // 9
      ['Ani', email('ani'), '6.28123E+11'], // 10: Excel's number
    ]);
    const { job, page } = await importThroughPage(coordinator, setup.cohort, 'peserta.csv', file);
    expect(job.counts).to.include({ created: 2, waitlisted: 0, unchanged: 0, rejected: 7, accounts: 2 });
    const lines = job.problems.map((problem) => [problem.line, problem.field, problem.key]);
    expect(lines).to.deep.equal([
      [3, 'name', 'validation.tooShort'],
      [4, 'email', 'validation.email'],
      [5, 'phone', 'validation.phone'],
      [6, 'email', 'enrolmentImport.errors.duplicateInFile'],
      [7, 'email', 'enrolmentImport.errors.staffEmail'],
      [8, 'email', 'enrolmentImport.errors.exampleRow'],
      [10, 'phone', 'enrolmentImport.errors.phoneAsNumber'],
    ]);
    expect(page.text).to.contain('<td>3</td><td><code>name</code></td><td>Minimal 2 karakter.</td>');
    expect(page.text).to.contain('<td>6</td><td><code>email</code></td><td>Email ini sudah ada di baris 2.</td>');
    expect(page.text).to.contain('Email ini milik akun staf');
    expect(page.text).to.match(/<strong data-field="created">2<\/strong>/);
    expect(page.text).to.match(/<strong data-field="rejected">7<\/strong>/);

    const siti = await User.findOne({ email: good[0] }).select('+passwordHash').lean();
    expect(siti).to.include({ name: 'Siti Aminah', role: 'trainee', phone: '+6281234567890', language: 'id' });
    expect(String(siti?.institution)).to.equal(setup.institution);
    expect(String(siti?.createdBy)).to.equal(setup.coordinator.id);
    expect(siti?.passwordHash).to.match(/^unset:/);
    expect(await verifyPassword(siti?.passwordHash, siti!.passwordHash)).to.equal(false);
    const enrolments = await Enrollment.find({ cohort: setup.cohort }).lean();
    expect(enrolments.map((enrolment) => [enrolment.status, enrolment.source])).to.deep.equal([
      ['enrolled', 'import'],
      ['enrolled', 'import'],
    ]);
    expect(await User.exists({ email: staff, role: 'instructor' })).not.to.equal(null);

    // Both new trainees get a first-login link; an account waiting for one cannot log in.
    expect(page.text).to.contain('Tautan masuk pertama (2)');
    expect(page.text.match(/\/welcome\/[\w-]{64}/g)).to.have.length(2);
    expect(page.text).to.contain('https://wa.me/6281234567890?text=Halo%20Siti%20Aminah');
    const login = await submitForm(supertest.agent(app), '/login', { email: good[0]!, password: 'unset:' });
    expect(login.status).to.equal(401);
    expect(login.text).to.contain('Email atau kata sandi salah.');
  });

  it('puts the rows beyond the capacity on the waiting list, in file order, and says so', async () => {
    const small = await makeCohortSetup({ capacity: 2 });
    const agent = await loggedInAgent(app, small.coordinatorUser.email, small.coordinatorUser.password);
    const people = ['Satu', 'Dua', 'Tiga', 'Empat'].map((name) => [`Peserta ${name}`, email(name.toLowerCase())]);
    const { job, page } = await importThroughPage(agent, small.cohort, 'kuota.csv', csv([['nama', 'email'], ...people]));
    expect(job.counts).to.include({ created: 2, waitlisted: 2, rejected: 0, accounts: 4 });
    expect(job.notes.map((note) => [note.line, note.key])).to.deep.equal([
      [4, 'enrolmentImport.notes.waitlisted'],
      [5, 'enrolmentImport.notes.waitlisted'],
    ]);
    expect(page.text).to.contain('<strong data-field="waitlisted">2</strong>');
    expect(page.text).to.contain('Kuota penuh: peserta masuk daftar tunggu');
    const statusOf = async (address: string) => {
      const user = await User.findOne({ email: address }).lean();
      return (await Enrollment.findOne({ cohort: small.cohort, trainee: user?._id }).lean())?.status;
    };
    expect(await Promise.all(people.map(([, address]) => statusOf(address!)))).to.deep.equal([
      'enrolled',
      'enrolled',
      'waitlisted',
      'waitlisted',
    ]);
  });

  it('creates nothing on a re-run of the same file and reports its rows as unchanged', async () => {
    const again = await makeCohortSetup({ capacity: 2 });
    const agent = await loggedInAgent(app, again.coordinatorUser.email, again.coordinatorUser.password);
    const file = csv([
      ['nama', 'email', 'telepon'],
      ['Rina Wati', email('rina'), '081311112222'],
      ['Joko Susilo', email('joko'), ''],
      ['Maya Sari', email('maya'), ''],
      ['X', 'salah', ''],
    ]);
    const first = await importThroughPage(agent, again.cohort, 'ulang.csv', file);
    expect(first.job.counts).to.include({ created: 2, waitlisted: 1, unchanged: 0, rejected: 1, accounts: 3 });
    const before = await countsOf(again.cohort);
    const second = await importThroughPage(agent, again.cohort, 'ulang.csv', file);
    expect(second.job.counts).to.include({ created: 0, waitlisted: 0, unchanged: 3, rejected: 1, accounts: 0 });
    expect(second.job.notes.map((note) => note.key)).to.deep.equal(['enrolmentImport.notes.stillWaitlisted']);
    expect(await countsOf(again.cohort)).to.deep.equal(before);
    // The trainees still without a password are listed again, with working links.
    expect(second.page.text).to.contain('Tautan masuk pertama (3)');
  });

  it('imports a semicolon file with Indonesian headers as Excel saves it', async () => {
    const target = await makeCohortSetup();
    const agent = await loggedInAgent(app, target.coordinatorUser.email, target.coordinatorUser.password);
    const file = `\uFEFF${csv(
      [
        ['Nama', 'Email', 'No HP', 'NIK'],
        ['Putri Ayu', email('putri'), '85712345678', '3201010101010001'],
        ['"Hendra, S.Kom"', email('hendra'), '0857 1234 5679', ''],
      ],
      ';',
    )}`;
    const { job } = await importThroughPage(agent, target.cohort, 'daftar peserta.csv', file);
    expect(job.problems).to.deep.equal([]);
    expect(job.counts).to.include({ created: 2, accounts: 2 });
    expect((await User.findOne({ name: 'Hendra, S.Kom' }).lean())?.phone).to.equal('+6285712345679');
    expect((await User.findOne({ name: 'Putri Ayu' }).lean())?.phone).to.equal('+6285712345678');
  });

  it('enrols an existing trainee account as it is, without a link, and notes a different name', async () => {
    const target = await makeCohortSetup();
    const agent = await loggedInAgent(app, target.coordinatorUser.email, target.coordinatorUser.password);
    const existing = await makeUser('trainee', null, { email: email('terdaftar'), name: 'Agus Salim' });
    const hashBefore = (await User.findById(existing.id).select('+passwordHash').lean())?.passwordHash;
    const { job, page } = await importThroughPage(
      agent,
      target.cohort,
      'ada.csv',
      csv([
        ['name', 'email'],
        ['Agus Salim', existing.email.toUpperCase()],
        ['Agus S.', existing.email],
      ]),
    );
    expect(job.counts).to.include({ created: 1, accounts: 0, rejected: 1 });
    expect(job.problems[0]?.key).to.equal('enrolmentImport.errors.duplicateInFile');
    expect((await Enrollment.findOne({ cohort: target.cohort, trainee: existing.id }).lean())?.status).to.equal('enrolled');
    const after = await User.findById(existing.id).select('+passwordHash').lean();
    expect(after).to.include({ name: 'Agus Salim', passwordHash: hashBefore });
    expect(after?.institution).to.equal(null);
    expect(page.text).to.contain('Tautan masuk pertama (0)');

    const renamed = await importThroughPage(
      agent,
      target.cohort,
      'ada.csv',
      csv([
        ['name', 'email'],
        ['Agus S.', existing.email],
      ]),
    );
    expect(renamed.job.notes.map((note) => [note.key, note.params])).to.deep.equal([
      ['enrolmentImport.notes.nameDiffers', { account: 'Agus Salim' }],
    ]);
    expect(renamed.page.text).to.contain('sudah terdaftar atas nama Agus Salim');
  });

  it('refuses emails of staff accounts, withdrawn trainees, and a finished cohort', async () => {
    const target = await makeCohortSetup();
    const admin = await makeUser('admin');
    const otherCoordinator = await makeUser('coordinator', (await makeInstitution()).id);
    const result = await importEnrolments(
      target.coordinator,
      target.cohort,
      parseEnrolmentCsv(
        csv([
          ['name', 'email'],
          ['Admin', admin.email],
          ['Koordinator Lain', otherCoordinator.email],
          ['Koordinator', target.coordinatorUser.email],
        ]),
      ),
      noProgress,
    );
    expect(result.problems.map((problem) => [problem.line, problem.key])).to.deep.equal([
      [2, 'enrolmentImport.errors.staffEmail'],
      [3, 'enrolmentImport.errors.staffEmail'],
      [4, 'enrolmentImport.errors.staffEmail'],
    ]);
    expect(await Enrollment.countDocuments({ cohort: target.cohort })).to.equal(0);

    const trainee = await makeUser('trainee', target.institution, { email: email('keluar') });
    const left = await applyOnBehalf(target.coordinator, target.cohort, trainee.id, { source: 'staff', enrolNow: true });
    await withdrawEnrollment(target.coordinator, left.id, 'pindah kerja');
    const withdrawn = await importEnrolments(
      target.coordinator,
      target.cohort,
      parseEnrolmentCsv(
        csv([
          ['name', 'email'],
          ['Keluar', trainee.email],
        ]),
      ),
      noProgress,
    );
    expect(withdrawn.problems.map((problem) => problem.key)).to.deep.equal(['enrolmentImport.errors.withdrawn']);
    expect((await Enrollment.findOne({ cohort: target.cohort, trainee: trainee.id }).lean())?.status).to.equal('withdrawn');

    await Cohort.updateOne({ _id: target.cohort }, { $set: { status: 'finished' } });
    const agent = await loggedInAgent(app, target.coordinatorUser.email, target.coordinatorUser.password);
    const token = await csrfTokenOf(agent, `/cohorts/${target.cohort}/enrolments/import`);
    const refused = await agent.post(`/cohorts/${target.cohort}/enrolments/import?_csrf=${encodeURIComponent(token)}`).attach(
      'file',
      Buffer.from(
        csv([
          ['name', 'email'],
          ['Baru Sekali', email('baru')],
        ]),
      ),
      'selesai.csv',
    );
    expect(refused.status).to.equal(409);
    expect(refused.text).to.contain('Angkatan ini sudah selesai');
  });

  it('refuses a file that is not a CSV, has no email column, or is too large, beside the file field', async () => {
    const token = await csrfTokenOf(coordinator, `/cohorts/${setup.cohort}/enrolments/import`);
    const post = () => coordinator.post(`/cohorts/${setup.cohort}/enrolments/import?_csrf=${encodeURIComponent(token)}`);
    const excel = await post().attach('file', Buffer.from('PK'), 'peserta.xlsx');
    expect(excel.status).to.equal(422);
    expect(excel.text).to.contain('Pilih berkas .csv.');
    const columns = await post().attach('file', Buffer.from('nama;telepon\r\nSiti;0812\r\n'), 'peserta.csv');
    expect(columns.status).to.equal(422);
    expect(columns.text).to.contain('Kolom wajib tidak ada: email.');
    const large = await post().attach('file', Buffer.alloc(2 * 1024 * 1024 + 1, 'a'), 'besar.csv');
    expect(large.status).to.equal(422);
    expect(large.text).to.contain('Berkas terlalu besar: maksimal 2 MB.');
    const none = await post().field('catatan', 'kosong');
    expect(none.status).to.equal(422);
    expect(none.text).to.contain('Pilih berkas CSV untuk diimpor.');
  });

  it('does not duplicate accounts or enrolments when the same file is imported twice at once', async () => {
    const target = await makeCohortSetup({ capacity: 5 });
    const rows = Array.from({ length: 12 }, (_, index) => [`Peserta Balapan ${index + 1}`, email(`balapan${index}`)]);
    const parsed = () => parseEnrolmentCsv(csv([['name', 'email'], ...rows]));
    const usersBefore = await User.countDocuments();
    const results = await Promise.all(
      [1, 2, 3].map(() => importEnrolments(target.coordinator, target.cohort, parsed(), noProgress)),
    );
    for (const result of results) expect(result.problems).to.deep.equal([]);
    expect(results.reduce((sum, result) => sum + result.counts.accounts, 0)).to.equal(12);
    expect(await User.countDocuments()).to.equal(usersBefore + 12);
    expect(await Enrollment.countDocuments({ cohort: target.cohort })).to.equal(12);
    expect(await Enrollment.countDocuments({ cohort: target.cohort, status: 'enrolled' })).to.equal(5);
    expect(await Enrollment.countDocuments({ cohort: target.cohort, status: 'waitlisted' })).to.equal(7);
  });

  it('offers a template, and the first-login links as a CSV', async () => {
    const template = await coordinator.get(`/cohorts/${setup.cohort}/enrolments/template.csv`);
    expect(template.status).to.equal(200);
    expect(template.headers['content-type']).to.match(/^text\/csv/);
    expect(template.text).to.match(/^\uFEFF?nama,email,telepon\r\n/);
    const parsedTemplate = parseEnrolmentCsv(template.text);
    expect(parsedTemplate.problems.map((problem) => problem.key)).to.deep.equal([
      'enrolmentImport.errors.exampleRow',
      'enrolmentImport.errors.exampleRow',
    ]);

    const address = email('tautan');
    const { jobUrl } = await importThroughPage(
      coordinator,
      setup.cohort,
      'tautan.csv',
      csv([
        ['name', 'email', 'phone'],
        ['=HYPERLINK("x")', address, '081299998888'],
      ]),
    );
    const links = await coordinator.get(`${jobUrl}/links.csv`);
    expect(links.status).to.equal(200);
    expect(links.headers['content-disposition']).to.match(/^attachment; filename="?kompeten-first-login-[\d-]+\.csv"?$/);
    const lines = links.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).to.equal('name,email,phone,link');
    expect(lines[1]).to.match(
      new RegExp(`^"'=HYPERLINK\\(""x""\\)",${address},\\+6281299998888,http://[^/]+/welcome/[\\w-]{64}$`),
    );
  });

  it('runs from the API: 202 with the job, then its progress and links as JSON', async () => {
    const address = email('api');
    const headers = { 'x-csrf-token': await csrfTokenOf(coordinator, `/cohorts/${setup.cohort}/enrolments/import`) };
    const started = await coordinator
      .post(`/api/v1/cohorts/${setup.cohort}/enrolment-imports`)
      .set(headers)
      .send({
        csv: csv(
          [
            ['nama', 'email'],
            ['Lewat API', address],
            ['Y', 'bukan'],
          ],
          ';',
        ),
        fileName: 'api.csv',
      });
    expect(started.status, started.text).to.equal(202);
    await waitForJob(started.body.id);
    const progress = await coordinator.get(`/api/v1/cohorts/${setup.cohort}/enrolment-imports/${started.body.id}`);
    expect(progress.status).to.equal(200);
    expect(progress.body).to.include({ status: 'done', total: 2, processed: 2, percent: 100 });
    expect(progress.body.counts).to.deep.equal({ created: 1, waitlisted: 0, unchanged: 0, rejected: 1, accounts: 1 });
    expect(progress.body.problems.map((problem: { line: number; field: string }) => [problem.line, problem.field])).to.deep.equal(
      [
        [3, 'nama'],
        [3, 'email'],
      ],
    );
    expect(progress.body.firstLogin).to.have.length(1);
    expect(progress.body.firstLogin[0]).to.include({ name: 'Lewat API', email: address });

    const empty = await coordinator
      .post(`/api/v1/cohorts/${setup.cohort}/enrolment-imports`)
      .set(headers)
      .send({ csv: 'a,b\r\n' });
    expect(empty.status).to.equal(422);
    expect(empty.body.errors).to.deep.equal([
      {
        field: 'csv',
        message: 'Kolom wajib tidak ada: name, email. Baris pertama harus berisi nama kolom, misalnya: nama;email;telepon',
      },
    ]);
  });

  it("keeps other institutions' coordinators, instructors and trainees out", async () => {
    const other = await makeUser('coordinator', (await makeInstitution()).id);
    const outsider = await loggedInAgent(app, other.email, other.password);
    const instructor = await loggedInAgent(app, setup.instructorUser.email, setup.instructorUser.password);
    const traineeAccount = await makeUser('trainee', setup.institution);
    const trainee = await loggedInAgent(app, traineeAccount.email, traineeAccount.password);
    const jobId = await startEnrolmentImport(
      setup.coordinator,
      setup.cohort,
      {
        name: 'x.csv',
        content: csv([
          ['name', 'email'],
          ['Peserta Rahasia', email('rahasia')],
        ]),
      },
      silent,
    );
    await waitForJob(jobId);
    const base = `/cohorts/${setup.cohort}/enrolments`;
    for (const agent of [outsider, instructor, trainee]) {
      for (const path of [
        `${base}/import`,
        `${base}/template.csv`,
        `${base}/imports/${jobId}`,
        `${base}/imports/${jobId}/links.csv`,
      ]) {
        expect((await agent.get(path)).status, path).to.equal(403);
      }
      expect((await agent.get(`/api/v1/cohorts/${setup.cohort}/enrolment-imports/${jobId}`)).status).to.equal(403);
    }
    const token = await csrfTokenOf(outsider, '/profile');
    const upload = await outsider.post(`${base}/import?_csrf=${encodeURIComponent(token)}`).attach(
      'file',
      Buffer.from(
        csv([
          ['name', 'email'],
          ['Penyusup', email('penyusup')],
        ]),
      ),
      'x.csv',
    );
    expect(upload.status).to.equal(403);
    const api = await outsider
      .post(`/api/v1/cohorts/${setup.cohort}/enrolment-imports`)
      .set('x-csrf-token', token)
      .send({
        csv: csv([
          ['name', 'email'],
          ['Penyusup', email('penyusup')],
        ]),
      });
    expect(api.status).to.equal(403);
    expect(await User.exists({ name: 'Penyusup' })).to.equal(null);

    const anonymous = supertest.agent(app);
    expect((await anonymous.get(`${base}/imports/${jobId}`)).status).to.equal(302);
    expect((await anonymous.get(`/api/v1/cohorts/${setup.cohort}/enrolment-imports/${jobId}`)).status).to.equal(401);
    // A job of another cohort, or an id that is no job, is not found.
    const elsewhere = await makeCohortSetup();
    const admin = await makeUser('admin');
    const adminAgent = await loggedInAgent(app, admin.email, admin.password);
    expect((await adminAgent.get(`/cohorts/${elsewhere.cohort}/enrolments/imports/${jobId}`)).status).to.equal(404);
    expect((await adminAgent.get(`${base}/imports/${new mongoose.Types.ObjectId()}`)).status).to.equal(404);
    expect((await adminAgent.get(`${base}/imports/${jobId}`)).status).to.equal(200);
  });

  it('imports many rows in batches, reporting progress as it goes', async function () {
    // ENROLMENT_IMPORT_ROWS=1000 measures a larger file; FerretDB scans a collection for each query.
    const count = Number(process.env.ENROLMENT_IMPORT_ROWS ?? 150);
    this.timeout(600_000);
    const target = await makeCohortSetup({ capacity: count - 10 });
    const rows = Array.from({ length: count }, (_, index) => [`Peserta Besar ${index + 1}`, email(`besar${index}`), '']);
    const file = csv([['name', 'email', 'phone'], ...rows]);
    const processed: number[] = [];
    const started = performance.now();
    const result = await importEnrolments(target.coordinator, target.cohort, parseEnrolmentCsv(file), async (progress) => {
      processed.push(progress.processed);
    });
    const firstSeconds = (performance.now() - started) / 1000;
    expect(result.counts).to.include({ created: count - 10, waitlisted: 10, accounts: count, rejected: 0 });
    expect(processed[0]).to.equal(0);
    expect(processed.at(-1)).to.equal(count);
    expect(processed.length).to.be.at.least(Math.ceil(count / enrolmentBatchSize) + 1);
    expect([...processed].sort((a, b) => a - b)).to.deep.equal(processed);
    const again = performance.now();
    const rerun = await importEnrolments(target.coordinator, target.cohort, parseEnrolmentCsv(file), noProgress);
    expect(rerun.counts).to.include({ unchanged: count, accounts: 0 });
    const rerunSeconds = (performance.now() - again) / 1000;
    if (process.env.ENROLMENT_IMPORT_ROWS) {
      console.log(`      ${count} rows: first import ${firstSeconds.toFixed(1)} s, re-run ${rerunSeconds.toFixed(1)} s`);
    }
  });
});
