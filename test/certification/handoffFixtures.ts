import sharp from 'sharp';
import { lspInput } from '../../src/certification/lspSchemas.js';
import { createLsp } from '../../src/certification/lsps.js';
import { approveCompletion } from '../../src/completion/service.js';
import type { Actor } from '../../src/platform/permissions.js';
import { type Agent, csrfTokenOf } from '../support/app.js';
import { completionCohort, completionUnits, giveVerdicts } from '../support/completion.js';
import { makeUser } from '../support/factories.js';

/** NIKs that fit the dates of birth below: a man born 1 January 1990, a woman born 12 March 1995 (day 12 + 40). */
export const person = {
  man: { nik: '3201010101900001', placeOfBirth: 'Bandung', dateOfBirth: '1990-01-01' },
  woman: { nik: '3273015203950002', placeOfBirth: 'Kota Bandung', dateOfBirth: '1995-03-12' },
} as const;

/** A real JPEG photo, 600 × 800 (so the stored copy has its 480 px variant). */
export const photoJpeg = () =>
  sharp({ create: { width: 600, height: 800, channels: 3, background: { r: 200, g: 220, b: 240 } } })
    .jpeg()
    .toBuffer();

export async function makeAdmin(): Promise<{ email: string; password: string; actor: Actor }> {
  const admin = await makeUser('admin');
  return { email: admin.email, password: admin.password, actor: { id: admin.id, role: 'admin', institution: null } };
}

/** An LSP whose scheme `JWP` covers the completion fixture's two units (or `units`). */
export async function makeLsp(admin: Actor, options: { units?: string[]; name?: string; licence?: string } = {}) {
  return createLsp(
    admin,
    lspInput.parse({
      name: options.name ?? 'LSP Teknologi Digital',
      licenceNumber: options.licence ?? `BNSP-LSP-${Math.random().toString(36).slice(2, 8).toUpperCase()}`,
      contactName: 'Sekretariat',
      contactEmail: 'lsp@example.test',
      schemes: [{ code: 'JWP', name: 'Junior Web Programmer', units: options.units ?? completionUnits.map((unit) => unit.code) }],
    }),
  );
}

/** A cohort of `trainees` graduates (K in every unit, completion approved), an admin and an LSP. */
export async function handoffSetup(options: { trainees?: number; institutionName?: string } = {}) {
  const setup = await completionCohort({ trainees: options.trainees ?? 2, institutionName: options.institutionName });
  const records = [];
  for (const trainee of setup.trainees) {
    await giveVerdicts(setup, trainee.id);
    records.push(await approveCompletion(setup.coordinator.actor, trainee.enrollment));
  }
  const admin = await makeAdmin();
  const lsp = await makeLsp(admin.actor);
  return { ...setup, records, admin, lsp };
}

/** The trainee asks for certification through the form, as a browser sends it (multipart, CSRF in the URL). */
export async function askForCertification(
  agent: Agent,
  fields: Partial<Record<'nik' | 'placeOfBirth' | 'dateOfBirth' | 'consent', string>> = {},
  photo: Buffer | null = null,
) {
  const token = await csrfTokenOf(agent, '/certification');
  const values = { ...person.man, consent: 'true', ...fields };
  let request = agent.post(`/certification/profile?_csrf=${encodeURIComponent(token)}`).set('Accept-Language', 'id');
  for (const [name, value] of Object.entries(values)) request = request.field(name, value);
  if (photo) request = request.attach('photo', photo, { filename: 'foto.jpg', contentType: 'image/jpeg' });
  return request;
}
