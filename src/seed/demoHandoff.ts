import { createBatch, handOverBatch } from '../certification/batches.js';
import { issueLspToken, lspForToken } from '../certification/delivery/credentials.js';
import { lspInput } from '../certification/lspSchemas.js';
import { createLsp } from '../certification/lsps.js';
import { CertificationProfile, HandoffBatch, Lsp } from '../certification/model.js';
import { consentTextVersion, parseProfile } from '../certification/profileSchemas.js';
import { resultId } from '../certification/results/model.js';
import { routeBack } from '../certification/results/routeBack.js';
import { recordResults } from '../certification/results/service.js';
import type { FileStorage } from '../files/index.js';
import type { Actor } from '../platform/permissions.js';
import { syncCohort } from '../tracer/creation.js';
import { surveyId } from '../tracer/model.js';
import { answerSurvey } from '../tracer/service.js';

type Graduate = 'certified' | 'notCertified' | 'reissued' | 'byHand';

export type HandoffContext = {
  now: number;
  /** A moment `days` before the seeding, at `hour`:`minute` WIB. */
  at: (days: number, hour?: number, minute?: number) => Date;
  /** The calendar day (WIB, YYYY-MM-DD) `days` before the seeding. */
  dayAgo: (days: number) => string;
  admin: Actor;
  coordinator: Actor;
  cohort: string;
  institution: string;
  graduates: Record<Graduate, Actor>;
  enrollments: Record<Graduate, string>;
  records: Record<Graduate, string>;
  /** The program's unit codes, which the LSP's scheme covers. */
  units: string[];
};

export const demoLsp = {
  name: 'LSP Teknologi Digital',
  licenceNumber: 'BNSP-LSP-2093-ID',
  scheme: 'SKM-JWP-2024',
  schemeName: 'Junior Web Programmer',
};

/** The unit the LSP found not yet competent for the graduate it did not certify. */
const notYetCompetentUnit = 'J.620100.016.01';

/**
 * Certification data of the two graduates who asked for certification. The NIKs are fictitious:
 * a real regency (3216 Kabupaten Bekasi, 9171 Kota Jayapura) with district 00, which no district
 * has, so they can belong to nobody, yet they pass the app's checks (province, date part, serial).
 */
const profiles: Partial<Record<Graduate, { nik: string; placeOfBirth: string; dateOfBirth: string; daysAgo: number }>> = {
  // A woman: her day of birth plus 40 (14 → 54).
  certified: { nik: '3216005403010007', placeOfBirth: 'Bekasi', dateOfBirth: '2001-03-14', daysAgo: 104 },
  notCertified: { nik: '9171000211990012', placeOfBirth: 'Jayapura', dateOfBirth: '1999-11-02', daysAgo: 103 },
};

/** The hand-over freezes each trainee's photo; the demo's profiles have none, so nothing is ever read from here. */
const noPhotos: FileStorage = {
  save: () => Promise.reject(new Error('The demo stores no files')),
  openReadStream: () => Promise.reject(new Error('The demo has no photos')),
  stat: () => Promise.resolve(undefined),
  remove: () => Promise.resolve(),
};

/**
 * After the finished cohort (demoCompletion.ts): an LSP with a scheme for the program, the
 * certification data of two graduates, a batch of them handed to the LSP, the LSP's results (one
 * certified, one not, routed back), and the employment surveys three months on (one answered as
 * employed, one as self-employed, two left unanswered past their reminder day). Returns the
 * records created.
 */
export async function seedDemoHandoff(context: HandoffContext): Promise<number> {
  const { at, dayAgo, admin, coordinator, graduates, records } = context;
  let created = 0;

  // --- the LSP: it pulls its batches through the API (no webhook, so nothing tries to reach it) --
  const existing = await Lsp.findOne({ licenceNumber: demoLsp.licenceNumber }, { _id: 1 }).lean();
  const lspId = existing
    ? String(existing._id)
    : (
        await createLsp(
          admin,
          lspInput.parse({
            name: demoLsp.name,
            licenceNumber: demoLsp.licenceNumber,
            contactName: 'Rina Kusumawati',
            contactEmail: 'sertifikasi@lsp-teknologidigital.test',
            contactPhone: '+62 21 5550 2093',
            schemes: [{ code: demoLsp.scheme, name: demoLsp.schemeName, units: context.units }],
            webhookUrl: '',
            active: true,
          }),
        )
      ).id;
  created += existing ? 0 : 1;

  // --- certification data --------------------------------------------------------------------------
  // Checked as the request form checks it; stored here because saveProfile needs an uploaded
  // photo (a file the seed has no storage for) and stamps consent with the moment of the call.
  // The hand-off takes a profile without a photo (the batch says so); the graduate adds one when
  // she next saves the form, which asks for it.
  for (const [key, data] of Object.entries(profiles) as [Graduate, NonNullable<(typeof profiles)[Graduate]>][]) {
    const given = parseProfile({ ...data, consent: 'on' });
    const when = at(data.daysAgo, 19, 30);
    await new CertificationProfile({
      _id: graduates[key].id,
      nik: given.nik,
      placeOfBirth: given.placeOfBirth,
      dateOfBirth: given.dateOfBirth,
      consent: { at: when, textVersion: consentTextVersion, ip: '' },
      createdAt: when,
      updatedAt: when,
    }).save({ validateBeforeSave: false, timestamps: false });
    created += 1;
  }

  // --- the batch, handed over ------------------------------------------------------------------------
  const batchId = await createBatch(coordinator, {
    lsp: lspId,
    scheme: demoLsp.scheme,
    records: [records.certified, records.notCertified],
    requestKey: `demo-${context.cohort}`,
  });
  await handOverBatch(coordinator, batchId, noPhotos);
  // The batch stamps its making and hand-over with the moment of the call: moved back to when they happened.
  await HandoffBatch.collection.updateOne(
    { _id: (await HandoffBatch.findById(batchId, { _id: 1 }).lean())!._id },
    { $set: { createdAt: at(100, 9), handedAt: at(100, 10, 15), updatedAt: at(100, 10, 15) } },
  );
  created += 1;

  // --- the LSP's results, through its API token ----------------------------------------------------
  const token = await issueLspToken(admin, lspId, at(99, 11));
  const lsp = await lspForToken(token, at(74, 15).getTime());
  if (!lsp) throw new Error('The demo LSP token does not resolve');
  const issuedOn = dayAgo(76);
  const validUntil = `${Number(issuedOn.slice(0, 4)) + 3}${issuedOn.slice(4)}`;
  await recordResults(
    lsp,
    batchId,
    {
      results: [
        {
          record: records.certified,
          outcome: 'certified',
          certificateNumber: `62010 2416 3 0000731 ${issuedOn.slice(0, 4)}`,
          issuedOn,
          validUntil,
        },
        { record: records.notCertified, outcome: 'notCertified', units: [notYetCompetentUnit] },
      ],
    },
    at(74, 15),
  );
  created += 2;
  await routeBack(
    coordinator,
    resultId(batchId, records.notCertified),
    { note: 'Ikut kelas penguatan penulisan kode bersama angkatan 1, lalu uji ulang di LSP.' },
    at(72, 10),
  );

  // --- the employment surveys, three months after the approval --------------------------------------
  created += (await syncCohort(context.cohort, context.institution, new Date(context.now))).created;
  await answerSurvey(
    graduates.certified,
    surveyId(context.enrollments.certified, 3),
    {
      situation: 'employed',
      employer: 'PT Sinar Data Nusantara',
      sector: 'ict',
      jobTitle: 'Junior Web Developer',
      jobStartedOn: dayAgo(45),
      wageBand: '3to5',
    },
    at(17, 20),
  );
  await answerSurvey(
    graduates.reissued,
    surveyId(context.enrollments.reissued, 3),
    {
      situation: 'selfEmployed',
      businessField: 'Jasa pembuatan situs web untuk UMKM',
      businessStartedOn: dayAgo(80),
      incomeBand: '1to3',
    },
    at(12, 21),
  );
  return created;
}
