/// <reference lib="dom" />
import path from 'node:path';
import { expect } from 'chai';
import { pino } from 'pino';
import type { BrowserContext, Download, Page } from 'playwright-core';
import { verifySignature } from '../../src/certification/delivery/signature.js';
import { deliveryWorker } from '../../src/certification/delivery/start.js';
import type { DeliveryWorker } from '../../src/certification/delivery/worker.js';
import type { HandoffPayload } from '../../src/certification/handoffSchema.js';
import { pdfText } from '../certificates/pdfText.js';
import { startReceiver } from '../certification/deliveryFixtures.js';
import { askForCertification, makeAdmin, person, photoJpeg } from '../certification/handoffFixtures.js';
import { loggedInAgent } from '../support/app.js';
import { logIn, onPhone, until, useBrowserSession } from '../support/browser.js';
import { type CompletionCohort, completionCohort, completionUnits, giveVerdicts } from '../support/completion.js';
import { useTestDatabase } from '../support/database.js';

/** JOURNEY_SHOTS=1 keeps a picture of each key step in .scratch/shots/journey12-<step>.png. */
const shotsDir = process.env.JOURNEY_SHOTS ? path.resolve('.scratch/shots') : null;
const shot = async (page: Page, name: string) => {
  if (shotsDir) await page.screenshot({ path: path.join(shotsDir, `journey12-${name}.png`), fullPage: true });
};

/** Whether the page is no wider than its viewport (nothing to scroll sideways on a phone). */
const fitsWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
/** What a person reads in the page's main part, spaces folded. */
const mainText = async (page: Page) => (await page.locator('main').innerText()).replace(/\s+/g, ' ');

const desk = { viewport: { width: 1280, height: 800 } };
const lspName = 'LSP Nusantara Digital';
const schemeLabel = `${lspName} – JWP Junior Web Programmer`;
const certificateNumber = 'No. 62090 2512 3 0001234 2026';

describe('browser journey: completion, hand-off to an LSP, its results, and the certificate verified', function () {
  // One journey, step by step: each step starts where the previous one left the people in it.
  this.timeout(120_000);

  // Stopped before the database is dropped and the browser closed (after hooks run in the order
  // they are registered): the worker, the LSP's receiver, the people's browser contexts.
  let worker: DeliveryWorker | undefined;
  let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
  const contexts: BrowserContext[] = [];
  after(async () => {
    await worker?.stop();
    await receiver?.close();
    for (const context of contexts) await context.close();
  });
  useTestDatabase(import.meta.url);
  const session = useBrowserSession();

  let setup: CompletionCohort;
  let admin: Awaited<ReturnType<typeof makeAdmin>>;
  /** The coordinator, at a desk (the session's page). */
  let coordinator: Page;
  /** The admin, at a desk. */
  let adminPage: Page;
  /** Ani, on her phone: she asks for certification herself and gets the certificate. */
  let phone: Page;
  let lspId: string;
  let token: string;
  let secret: string;
  let batchId: string;
  let pushed: HandoffPayload;
  let code: string;

  const ani = () => setup.trainees[0]!;
  const budi = () => setup.trainees[1]!;
  const citra = () => setup.trainees[2]!;

  before(async () => {
    // The LSP's side: a webhook receiver on loopback. The app's side: the delivery worker, as server.ts runs it.
    receiver = await startReceiver();
    worker = deliveryWorker(pino({ level: 'silent' }));
    worker.start(60_000);
    setup = await completionCohort({ trainees: 3, institutionName: 'BLK Kota Bandung' });
    // Ani and Budi have K in every unit (every rule met); Citra has no verdict yet.
    await giveVerdicts(setup, ani().id);
    await giveVerdicts(setup, budi().id);
    admin = await makeAdmin();
    coordinator = session.page;
    await coordinator.setViewportSize(desk.viewport);
    const adminContext = await session.newContext(desk);
    const phoneContext = await session.newContext(onPhone);
    contexts.push(adminContext, phoneContext);
    adminPage = await adminContext.newPage();
    phone = await phoneContext.newPage();
  });

  it('1. the coordinator approves the two proposed completions together and sees their records', async () => {
    await logIn(coordinator, setup.coordinator.email, setup.coordinator.password);
    await coordinator.goto(`/cohorts/${setup.cohort}`);
    await Promise.all([
      coordinator.waitForURL(`**/cohorts/${setup.cohort}/completion`),
      coordinator.getByRole('link', { name: 'Kelulusan', exact: true }).click(),
    ]);
    const proposed = coordinator.locator('section[aria-labelledby="proposed-heading"]');
    expect(await proposed.locator('h2').innerText()).to.equal('Diusulkan lulus (2)');
    expect(await proposed.getByLabel(ani().name).isChecked()).to.equal(true);
    expect(await proposed.getByLabel(budi().name).isChecked()).to.equal(true);
    expect(await proposed.innerText()).to.include('Unit kompeten: 2 dari 2');
    const pending = coordinator.locator('section[aria-labelledby="pending-heading"]');
    expect(await pending.locator('h2').innerText()).to.equal('Belum memenuhi aturan (1)');
    expect(await pending.innerText()).to.include(citra().name);
    expect(await pending.innerText()).to.include('Unit kompeten: 0 dari 2');
    await shot(coordinator, '1-proposed-desktop');

    await Promise.all([
      coordinator.waitForURL(/approved=2/),
      coordinator.getByRole('button', { name: 'Setujui kelulusan yang dicentang' }).click(),
    ]);
    expect(await coordinator.getByRole('status').innerText()).to.include('2 catatan kelulusan disetujui.');
    expect(await proposed.locator('h2').innerText()).to.equal('Diusulkan lulus (0)');
    const records = coordinator.locator('section[aria-labelledby="records-heading"]');
    expect(await records.locator('h2').innerText()).to.equal('Catatan kelulusan (2)');
    const rows = records.locator('tbody tr');
    expect(await rows.count()).to.equal(2);
    const listed = await rows.allInnerTexts();
    for (const trainee of [ani(), budi()]) {
      const row = listed.find((text) => text.includes(trainee.name));
      expect(row, `${trainee.name} listed`).to.match(/[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/);
      expect(row).to.include('berlaku');
    }
    expect(listed.join(' ')).not.to.include(citra().name);
    expect(await fitsWidth(coordinator)).to.equal(true);
    await shot(coordinator, '1-approved-desktop');
  });

  it('2. an admin registers the LSP and its API credentials; Ani asks for certification on her phone', async () => {
    // The LSP register, at a desk.
    await logIn(adminPage, admin.email, admin.password);
    await adminPage.goto('/lsps');
    await Promise.all([adminPage.waitForURL('**/lsps/new'), adminPage.getByRole('link', { name: 'LSP baru' }).click()]);
    await adminPage.getByLabel('Nama LSP').fill(lspName);
    await adminPage.getByLabel('Nomor lisensi BNSP').fill(`BNSP-LSP-${Date.now().toString(36).toUpperCase()}`);
    await adminPage.getByLabel('Nama', { exact: true }).fill('Sekretariat LSP');
    await adminPage.getByLabel('Email', { exact: true }).fill('sekretariat@lsp.example.test');
    await adminPage.locator('#f-schemeCode-0').fill('JWP');
    await adminPage.locator('#f-schemeName-0').fill('Junior Web Programmer');
    await adminPage.locator('#f-schemeUnits-0').fill(completionUnits.map((unit) => unit.code).join('\n'));
    await adminPage.getByLabel('Alamat webhook').fill(receiver!.url);
    await Promise.all([adminPage.waitForURL(/\/lsps\/[0-9a-f]{24}$/), adminPage.getByRole('button', { name: 'Simpan' }).click()]);
    lspId = /\/lsps\/([0-9a-f]{24})$/.exec(adminPage.url())![1]!;
    expect(await adminPage.getByLabel('Nama LSP').inputValue()).to.equal(lspName);
    expect(await adminPage.locator('#f-schemeUnits-0').inputValue()).to.equal(completionUnits.map((unit) => unit.code).join(' '));

    // Its token and webhook secret: each shown once, on the page that issued it.
    await Promise.all([
      adminPage.waitForURL(`**/lsps/${lspId}/credentials`),
      adminPage.getByRole('link', { name: 'Kredensial API dan webhook' }).click(),
    ]);
    await Promise.all([
      adminPage.waitForURL(`**/lsps/${lspId}/credentials/token`),
      adminPage.getByRole('button', { name: 'Terbitkan token' }).click(),
    ]);
    expect(await adminPage.getByRole('status').innerText()).to.include('token tidak akan ditampilkan lagi');
    token = (await adminPage.locator('.alert.success code.secret').innerText()).trim();
    expect(token).to.match(/^lsp_/);
    await Promise.all([
      adminPage.waitForURL(`**/lsps/${lspId}/credentials/secret`),
      adminPage.getByRole('button', { name: 'Terbitkan rahasia' }).click(),
    ]);
    secret = (await adminPage.locator('.alert.success code.secret').innerText()).trim();
    expect(secret).to.match(/^whsec_/);
    expect(await mainText(adminPage), 'the token is not shown again').not.to.include(token);
    await shot(adminPage, '2-credentials-desktop');

    // Ani, on her phone: the menu, then Sertifikasi.
    await logIn(phone, ani().email, ani().password);
    await phone.getByText('Menu', { exact: true }).click();
    await Promise.all([
      phone.waitForURL('**/certification'),
      phone.locator('.nav-menu').getByRole('link', { name: 'Sertifikasi' }).click(),
    ]);
    expect(await phone.locator('h1').innerText()).to.equal('Sertifikasi kompetensi');
    expect(await mainText(phone)).to.include('Junior Web Programmer');
    await phone.getByLabel('NIK (Nomor Induk Kependudukan)').fill(person.man.nik);
    await phone.getByLabel('Tempat lahir').fill(person.man.placeOfBirth);
    await phone.getByLabel('Tanggal lahir').fill(person.man.dateOfBirth);
    const photo = { name: 'pas-foto.jpg', mimeType: 'image/jpeg', buffer: await photoJpeg() };
    await phone.getByLabel('Pas foto').setInputFiles(photo);
    // Sent without ticking consent: told why, beside the box, and nothing kept.
    await Promise.all([
      phone.waitForURL('**/certification/profile**'),
      phone.getByRole('button', { name: 'Ajukan sertifikasi' }).click(),
    ]);
    expect(await phone.locator('#f-consent-error').innerText()).to.include('Centang persetujuan untuk mengajukan sertifikasi');
    expect(await phone.getByLabel('NIK (Nomor Induk Kependudukan)').inputValue()).to.equal(person.man.nik);
    await shot(phone, '2-consent-missing-phone');
    await phone.getByLabel('Pas foto').setInputFiles(photo);
    await phone.getByLabel('Saya telah membaca dan menyetujui penyerahan data saya').check();
    await Promise.all([
      phone.waitForURL(/\/certification\?saved=1/),
      phone.getByRole('button', { name: 'Ajukan sertifikasi' }).click(),
    ]);
    expect(await phone.getByRole('status').first().innerText()).to.include('Permintaan sertifikasi Anda tersimpan');
    const given = await phone.locator('section[aria-labelledby="given-heading"]').innerText();
    expect(given).to.include(person.man.nik);
    expect(given).to.include(person.man.placeOfBirth);
    expect(await fitsWidth(phone)).to.equal(true);
    await shot(phone, '2-requested-phone');

    // Budi sends the same form from his own device.
    const budiAgent = await loggedInAgent(session.baseUrl, budi().email, budi().password);
    expect((await askForCertification(budiAgent, { ...person.woman }, await photoJpeg())).status).to.equal(303);
  });

  it('3. the coordinator makes a hand-off batch for the LSP, hands it over, and the LSP receives it signed', async () => {
    await coordinator.goto('/dashboard');
    await Promise.all([
      coordinator.waitForURL('**/certification/batches'),
      coordinator.locator('.nav-inline').getByRole('link', { name: 'Serah terima LSP' }).click(),
    ]);
    await Promise.all([
      coordinator.waitForURL('**/certification/batches/new'),
      coordinator.getByRole('link', { name: 'Batch serah terima baru' }).click(),
    ]);
    await coordinator.getByLabel('LSP dan skema').selectOption({ label: schemeLabel });
    await coordinator.getByLabel('Angkatan').selectOption(setup.cohort);
    await Promise.all([
      coordinator.waitForURL(/\/certification\/batches\/new\?target=/),
      coordinator.getByRole('button', { name: 'Tampilkan peserta' }).click(),
    ]);
    const candidates = coordinator.locator('ul.candidates > li');
    expect(await candidates.count()).to.equal(2);
    const ready = coordinator.locator('ul.candidates input[name="records"]');
    for (const [trainee, nik] of [
      [ani(), person.man.nik],
      [budi(), person.woman.nik],
    ] as const) {
      // The list names them with their NIK masked (enough to tell them apart); the batch shows it whole.
      const row = candidates.filter({ hasText: trainee.name });
      expect(await row.innerText()).to.include(`${nik.slice(0, 4)}••••••••${nik.slice(12)}`);
      expect(await row.locator('input[name="records"]').isEnabled()).to.equal(true);
    }
    // Ticked (they are, when ready): both.
    for (const box of await ready.all()) await box.check();
    await shot(coordinator, '3-candidates-desktop');
    await Promise.all([
      coordinator.waitForURL(/\/certification\/batches\/[0-9a-f]{24}$/),
      coordinator.getByRole('button', { name: 'Buat batch' }).click(),
    ]);
    batchId = /\/certification\/batches\/([0-9a-f]{24})$/.exec(coordinator.url())![1]!;
    expect(await coordinator.locator('h1').innerText()).to.equal(`${lspName} · JWP`);
    expect(await coordinator.locator('.badge.draft').innerText()).to.equal('Draf');

    await Promise.all([coordinator.waitForURL(/handed=1/), coordinator.getByRole('button', { name: 'Serahkan batch' }).click()]);
    expect(await coordinator.getByRole('status').first().innerText()).to.include('Batch diserahkan.');
    expect(await coordinator.locator('.badge.handed').first().innerText()).to.equal('Diserahkan');
    const items = coordinator.locator('table.batch-items tbody tr');
    expect(await items.count()).to.equal(2);
    expect(await items.filter({ hasText: ani().name }).locator('td.nik').innerText()).to.include(person.man.nik);
    expect(await items.filter({ hasText: budi().name }).locator('td.nik').innerText()).to.include(person.woman.nik);
    expect(await coordinator.getByRole('link', { name: 'Daftar asesi (.xlsx)' }).isVisible()).to.equal(true);

    // The LSP's receiver gets the batch, signed with the secret the admin gave it.
    await until('the LSP receives the pushed batch', async () => receiver!.received.length > 0);
    const push = receiver!.received[0]!;
    expect(verifySignature(push.headers['kompeten-signature'] as string, push.body, secret)).to.equal(true);
    expect(verifySignature(push.headers['kompeten-signature'] as string, push.body, `${secret}x`)).to.equal(false);
    expect(push.headers['idempotency-key']).to.equal(batchId);
    pushed = JSON.parse(push.body) as HandoffPayload;
    expect(pushed.id).to.equal(batchId);
    expect(pushed.assessees.map((assessee) => assessee.nik).sort()).to.deep.equal([person.man.nik, person.woman.nik].sort());
    // …and the coordinator sees it was received.
    await until('the batch page says the push was received', async () => {
      await coordinator.reload();
      return (await coordinator.locator('section.deliveries').innerText()).includes('Diterima');
    });
    expect(await fitsWidth(coordinator)).to.equal(true);
    await shot(coordinator, '3-handed-desktop');
  });

  it('4. the LSP reports its results with its token; Ani and the coordinator read them', async () => {
    const api = (route: string, init: RequestInit = {}) =>
      fetch(`${session.baseUrl}/api/v1${route}`, {
        ...init,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...init.headers },
      });
    // What the LSP can pull with its token is what it was pushed.
    const pulled = await api(`/lsp/batches/${batchId}`);
    expect(pulled.status).to.equal(200);
    expect(((await pulled.json()) as HandoffPayload).assessees.map((assessee) => assessee.record.id).sort()).to.deep.equal(
      pushed.assessees.map((assessee) => assessee.record.id).sort(),
    );
    const of = (name: string) => pushed.assessees.find((assessee) => assessee.name === name)!;
    const reported = await api(`/lsp/batches/${batchId}/results`, {
      method: 'POST',
      body: JSON.stringify({
        results: [
          {
            recordCode: of(ani().name).record.code,
            outcome: 'certified',
            certificateNumber,
            issuedOn: '2026-02-02',
            validUntil: '2029-02-01',
          },
          { record: of(budi().name).record.id, outcome: 'notCertified', units: [completionUnits[1].code] },
        ],
      }),
    });
    expect(reported.status).to.equal(200);
    const { results } = (await reported.json()) as { results: { outcome: string; change: string }[] };
    expect(results.map((result) => `${result.outcome}:${result.change}`)).to.deep.equal([
      'certified:recorded',
      'notCertified:recorded',
    ]);
    // A token that is not one an admin issued reaches nothing.
    expect(
      (await api(`/lsp/batches/${batchId}/results`, { method: 'POST', headers: { Authorization: 'Bearer lsp_x' }, body: '{}' }))
        .status,
    ).to.equal(401);

    await phone.goto('/certification');
    const mine = phone.locator('section.certification-results');
    await mine.waitFor();
    const mineText = await mine.innerText();
    expect(mineText).to.include('Kompeten (bersertifikat)');
    expect(mineText).to.include(certificateNumber);
    expect(mineText).to.include(lspName);
    expect(await fitsWidth(phone)).to.equal(true);
    await shot(phone, '4-result-phone');

    await coordinator.goto(`/certification/batches/${batchId}`);
    const cards = coordinator.locator('section.certification-results article');
    expect(await cards.count()).to.equal(2);
    const certified = await cards.filter({ hasText: ani().name }).innerText();
    expect(certified).to.include('Kompeten (bersertifikat)');
    expect(certified).to.include(certificateNumber);
    const notYet = await cards.filter({ hasText: budi().name }).innerText();
    expect(notYet).to.include('Belum kompeten');
    expect(notYet).to.include(completionUnits[1].code);
    expect(notYet).not.to.include(completionUnits[0].code);
    await shot(coordinator, '4-results-desktop');
  });

  it('5. Ani downloads her certificate, anyone verifies its code, and after revocation the page says so', async () => {
    await phone.goto('/dashboard');
    await phone.getByText('Menu', { exact: true }).click();
    await Promise.all([
      phone.waitForURL('**/learning'),
      phone.locator('.nav-menu').getByRole('link', { name: 'Belajar' }).click(),
    ]);
    await Promise.all([
      phone.waitForURL('**/completion'),
      phone.getByRole('link', { name: 'Kelulusan dan sertifikat saya' }).click(),
    ]);
    expect(await phone.locator('h1').innerText()).to.equal('Kelulusan saya');
    await Promise.all([
      phone.waitForURL(/\/completion-records\/[0-9a-f]{24}$/),
      phone.getByRole('link', { name: 'Junior Web Programmer' }).click(),
    ]);
    expect(await phone.locator('h1').innerText()).to.include(`Catatan kelulusan ${ani().name}`);
    code = (await phone.locator('[data-code]').innerText()).trim();
    expect(code).to.match(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(await fitsWidth(phone)).to.equal(true);
    await shot(phone, '5-record-phone');

    const [download] = (await Promise.all([
      phone.waitForEvent('download'),
      phone.getByRole('link', { name: 'Unduh sertifikat (PDF)' }).click(),
    ])) as [Download, unknown];
    expect(download.suggestedFilename()).to.match(/\.pdf$/);
    const chunks: Buffer[] = [];
    for await (const chunk of await download.createReadStream()) chunks.push(chunk as Buffer);
    const pdf = Buffer.concat(chunks);
    await download.delete();
    expect(pdf.subarray(0, 5).toString('latin1')).to.equal('%PDF-');
    const text = (await pdfText(pdf)).replace(/\s+/g, ' ');
    expect(text).to.include(ani().name);
    expect(text).to.include(code);
    expect(text).to.include('SERTIFIKAT PELATIHAN');

    // Anyone with the code, on a phone, without an account.
    const stranger = await session.newContext(onPhone);
    contexts.push(stranger);
    const verifier = await stranger.newPage();
    await verifier.goto('/verify');
    await verifier.getByLabel('Kode verifikasi').fill(code);
    await Promise.all([verifier.waitForURL(`**/verify/${code}`), verifier.getByRole('button', { name: 'Periksa kode' }).click()]);
    expect(await verifier.locator('.certificate-result h2').innerText()).to.equal('Sertifikat sah');
    expect(await verifier.locator('.certificate-result').innerText()).to.include('masih berlaku');
    expect(await verifier.locator('.certificate-name').innerText()).to.equal(ani().name);
    expect(await fitsWidth(verifier)).to.equal(true);
    await shot(verifier, '5-verify-valid-phone');

    // A code mistyped: said plainly, nobody's data shown.
    const wrong = code.startsWith('Z') ? `Y${code.slice(1)}` : `Z${code.slice(1)}`;
    await verifier.getByLabel('Kode verifikasi').fill(wrong);
    await Promise.all([
      verifier.waitForURL(`**/verify/${wrong}`),
      verifier.getByRole('button', { name: 'Periksa kode' }).click(),
    ]);
    expect(await verifier.locator('.certificate-result h2').innerText()).to.equal('Kode tidak dikenal');
    expect(await verifier.locator('.certificate-result').innerText()).to.include('Tidak ada sertifikat dengan kode ini');
    expect(await verifier.locator('.certificate-name').count()).to.equal(0);
    await shot(verifier, '5-verify-unknown-phone');

    // The coordinator revokes the record, with a reason, from its page.
    await coordinator.goto(`/cohorts/${setup.cohort}/completion`);
    await Promise.all([
      coordinator.waitForURL(/\/completion-records\/[0-9a-f]{24}$/),
      coordinator.locator('section[aria-labelledby="records-heading"]').getByRole('link', { name: ani().name }).click(),
    ]);
    await Promise.all([
      coordinator.waitForURL(/\/revoke$/),
      coordinator.getByRole('link', { name: 'Cabut catatan ini' }).click(),
    ]);
    const reason = 'Nama peserta salah ketik pada pendaftaran';
    await coordinator.getByLabel('Alasan pencabutan').fill(reason);
    await coordinator.getByLabel('Terbitkan catatan pengganti dari data saat ini').uncheck();
    await Promise.all([
      coordinator.waitForURL(/saved=revoked/),
      coordinator.getByRole('button', { name: 'Cabut catatan' }).click(),
    ]);
    expect(await coordinator.locator('h1 .badge').innerText()).to.equal('dicabut');

    await verifier.getByLabel('Kode verifikasi').fill(code);
    await Promise.all([verifier.waitForURL(`**/verify/${code}`), verifier.getByRole('button', { name: 'Periksa kode' }).click()]);
    expect(await verifier.locator('.certificate-result h2').innerText()).to.equal('Sertifikat dicabut');
    expect(await verifier.locator('.certificate-revocation').innerText()).to.include(reason);
    expect(await verifier.locator('.certificate-name').innerText()).to.equal(ani().name);
    expect(await fitsWidth(verifier)).to.equal(true);
    await shot(verifier, '5-verify-revoked-phone');

    // Ani's record page says it too, and offers no certificate any more.
    await phone.reload();
    expect(await phone.locator('h1 .badge').innerText()).to.equal('dicabut');
    expect(await mainText(phone)).to.include(reason);
    expect(await phone.getByRole('link', { name: 'Unduh sertifikat (PDF)' }).count()).to.equal(0);
    await shot(phone, '5-record-revoked-phone');
  });
});
