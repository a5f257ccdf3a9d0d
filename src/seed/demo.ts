import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { hashPassword } from '../auth/passwords.js';
import { Institution, Sector } from '../institutions/model.js';
import { projectRoot } from '../platform/paths.js';
import type { Role } from '../platform/permissions.js';
import { unitInput } from '../units/schemas.js';
import { saveUnits } from '../units/service.js';
import { User } from '../users/model.js';
import { seedDemoAssessments } from './demoAssessments.js';
import { seedDemoCompletion } from './demoCompletion.js';
import { seedDemoLearning } from './demoLearning.js';
import { seedDemoLive } from './demoLive.js';

/** Real SKKNI units from public decrees (their sources are named in the file). */
export async function demoUnits() {
  const file = path.join(projectRoot, 'src', 'units', 'demo-units.json');
  const items = JSON.parse(await readFile(file, 'utf8')) as unknown[];
  return items.map((item) => unitInput.parse(item));
}

/** Every demo account has this password; the seed prints it with the logins. */
export const demoPassword = 'kompeten-demo';

export const demoSectors = [
  { code: 'manufacturing', name: { id: 'Manufaktur', en: 'Manufacturing' } },
  { code: 'tourism', name: { id: 'Pariwisata', en: 'Tourism' } },
  { code: 'agriculture', name: { id: 'Pertanian', en: 'Agriculture' } },
  { code: 'ict', name: { id: 'Teknologi Informasi dan Komunikasi', en: 'Information and Communication Technology' } },
  { code: 'construction', name: { id: 'Konstruksi', en: 'Construction' } },
  { code: 'automotive', name: { id: 'Otomotif', en: 'Automotive' } },
  { code: 'creative', name: { id: 'Ekonomi Kreatif', en: 'Creative Economy' } },
];

const demoInstitutions = [
  { name: 'BBPVP Bekasi', type: 'uptp', province: '32', city: 'Bekasi', sectors: ['ict', 'manufacturing', 'automotive'] },
  { name: 'BLK Kabupaten Badung', type: 'uptd', province: '51', city: 'Badung', sectors: ['tourism', 'creative'] },
  {
    name: 'BLK Komunitas Pesantren Al-Hikmah',
    type: 'community',
    province: '35',
    city: 'Malang',
    sectors: ['agriculture', 'ict'],
  },
] as const;

type DemoUser = { name: string; email: string; role: Role; institution?: string; province: string; phone?: string };

const demoUsers: DemoUser[] = [
  { name: 'Admin Kompeten', email: 'admin@kompeten.test', role: 'admin', province: '31' },
  {
    name: 'Siti Rahmawati',
    email: 'koordinator@kompeten.test',
    role: 'coordinator',
    institution: 'BBPVP Bekasi',
    province: '32',
  },
  { name: 'Budi Santoso', email: 'instruktur1@kompeten.test', role: 'instructor', institution: 'BBPVP Bekasi', province: '32' },
  {
    name: 'Made Wirawan',
    email: 'instruktur2@kompeten.test',
    role: 'instructor',
    institution: 'BLK Kabupaten Badung',
    province: '51',
  },
  ...[
    'Andi Pratama',
    'Dewi Lestari',
    'Rizky Hidayat',
    'Putri Ayu',
    'Fajar Nugroho',
    'Nur Aini',
    'Yohanes Kambu',
    'Komang Sari',
    'Agus Salim',
    'Lina Marlina',
  ].map((name, index) => ({
    name,
    email: `peserta${index + 1}@kompeten.test`,
    role: 'trainee' as const,
    institution: index < 6 ? 'BBPVP Bekasi' : 'BLK Kabupaten Badung',
    province: index < 6 ? '32' : '51',
    phone: `+62812000000${String(index).padStart(2, '0')}`,
  })),
];

/**
 * Creates the demo institutions and accounts. Idempotent: everything is matched by its natural
 * key (sector code, institution name, email) and only inserted when missing, so running it
 * twice, or on top of data someone changed, creates nothing twice and overwrites nothing.
 */
export async function seedDemo(): Promise<{ created: number; summary: string }> {
  let created = 0;
  const count = (result: { upsertedCount: number }) => {
    created += result.upsertedCount;
  };
  for (const sector of demoSectors) {
    count(await Sector.updateOne({ code: sector.code }, { $setOnInsert: sector }, { upsert: true }));
  }
  const sectorIds = new Map((await Sector.find().lean()).map((sector) => [sector.code, sector._id]));
  for (const institution of demoInstitutions) {
    const sectors = institution.sectors.map((code) => sectorIds.get(code));
    count(
      await Institution.updateOne({ name: institution.name }, { $setOnInsert: { ...institution, sectors } }, { upsert: true }),
    );
  }
  const institutionIds = new Map((await Institution.find().lean()).map((institution) => [institution.name, institution._id]));
  const passwordHash = await hashPassword(demoPassword);
  for (const user of demoUsers) {
    const fields = {
      name: user.name,
      email: user.email,
      role: user.role,
      province: user.province,
      phone: user.phone ?? '',
      institution: user.institution ? institutionIds.get(user.institution) : null,
      passwordHash,
    };
    count(await User.updateOne({ email: user.email }, { $setOnInsert: fields }, { upsert: true }));
  }
  const admin = await User.findOne({ email: 'admin@kompeten.test' }).lean();
  if (admin) {
    const units = await demoUnits();
    const outcomes = await saveUnits({ id: String(admin._id), role: 'admin', institution: null }, units);
    created += outcomes.filter((outcome) => outcome === 'created').length;
  }
  created += await seedDemoLearning();
  created += await seedDemoAssessments();
  created += await seedDemoLive();
  created += await seedDemoCompletion();
  const lines = [
    `Demo data ready (${created} records created). Log in with password "${demoPassword}":`,
    ...demoUsers.slice(0, 5).map((user) => `  ${user.role.padEnd(12)} ${user.email}`),
    `  trainee      peserta2@kompeten.test ... peserta${demoUsers.length - 4}@kompeten.test`,
    '  graduate     peserta6@kompeten.test (JWP Dasar angkatan 0: completion record, certificate, LSP result, employment survey)',
  ];
  return { created, summary: lines.join('\n') };
}

/** Seeds on the first start of an empty embedded database; returns the logins to print. */
export async function seedDemoIfEmpty(): Promise<string | undefined> {
  if ((await User.estimatedDocumentCount()) > 0) return undefined;
  return (await seedDemo()).summary;
}
