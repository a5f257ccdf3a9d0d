import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildItem } from '../../src/certification/items.js';
import { type CertificationProfileDoc, HandoffBatch, Lsp } from '../../src/certification/model.js';
import { approveCompletion } from '../../src/completion/service.js';
import type { Actor } from '../../src/platform/permissions.js';
import { completionCohort, completionUnits, giveVerdicts } from '../support/completion.js';
import { makeUser } from '../support/factories.js';

/**
 * For the delivery and results tests: a handed batch of `trainees` approved records of a new
 * institution, for a new LSP whose scheme covers the fixture's two units, frozen as hand-over
 * freezes it (the personal data given here, no photo), and an admin.
 */
export async function handedBatchFixture(options: { trainees?: number; webhookUrl?: string } = {}) {
  const setup = await completionCohort({ trainees: options.trainees ?? 2 });
  const records = [];
  for (const trainee of setup.trainees) {
    await giveVerdicts(setup, trainee.id);
    records.push(await approveCompletion(setup.coordinator.actor, trainee.enrollment));
  }
  const lsp = await makeLsp(options.webhookUrl ?? '');
  const scheme = { code: 'JWP', name: 'Junior Web Programmer', units: completionUnits.map((unit) => unit.code) };
  const items = records.map((record, index) =>
    buildItem(
      record,
      {
        nik: `32010101019000${String(index + 1).padStart(2, '0')}`,
        placeOfBirth: 'Bandung',
        dateOfBirth: '1990-01-01',
        consent: { at: new Date('2026-01-02T03:00:00Z'), textVersion: 'v1', ip: '' },
      } as unknown as CertificationProfileDoc,
      scheme,
      null,
    ),
  );
  const batch = await HandoffBatch.create({
    institution: setup.institution,
    lsp: lsp.id,
    scheme: scheme.code,
    schemeName: scheme.name,
    schemeUnits: scheme.units,
    records: records.map((record) => record.id),
    items,
    status: 'handed',
    createdBy: setup.coordinator.id,
    createdByName: setup.coordinator.name,
    handedAt: new Date(),
    handedBy: setup.coordinator.id,
    institutionName: 'BLK Uji',
    lspName: lsp.name,
    lspLicenceNumber: lsp.licenceNumber,
    requestKey: randomBytes(8).toString('hex'),
  });
  const adminUser = await makeUser('admin');
  const admin = { ...adminUser, actor: { id: adminUser.id, role: 'admin', institution: null } as Actor };
  return { ...setup, records, lsp, batch: String(batch._id), admin };
}

/** An LSP certifying the fixture's scheme. */
export async function makeLsp(webhookUrl = '') {
  const suffix = randomBytes(3).toString('hex').toUpperCase();
  const lsp = await Lsp.create({
    name: `LSP Uji ${suffix}`,
    licenceNumber: `BNSP-LSP-${suffix}`,
    schemes: [{ code: 'JWP', name: 'Junior Web Programmer', units: completionUnits.map((unit) => unit.code) }],
    webhookUrl,
  });
  return { id: String(lsp._id), name: lsp.name, licenceNumber: lsp.licenceNumber };
}

type Received = { headers: http.IncomingHttpHeaders; body: string };
type Answer = { status: number; body?: string; headers?: Record<string, string> };

/** A local webhook receiver on 127.0.0.1: answers from a script (the last answer repeats), keeps what came. */
export async function startReceiver() {
  const received: Received[] = [];
  let script: Answer[] = [{ status: 200 }];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const answer = script.length > 1 ? script.shift()! : script[0]!;
      res.writeHead(answer.status, { 'Content-Type': 'text/plain', ...answer.headers });
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/kompeten`,
    received,
    answer(...answers: Answer[]) {
      script = answers;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The i18n key of the error a service call was refused with ('' when it was not). */
export async function refusalOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return '';
  } catch (error) {
    return (error as { key?: string }).key ?? String(error);
  }
}
