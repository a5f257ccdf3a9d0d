import { randomBytes } from 'node:crypto';
import { hashPassword } from '../../src/auth/passwords.js';
import { Institution, type InstitutionType, Sector } from '../../src/institutions/model.js';
import type { Role } from '../../src/platform/permissions.js';
import { User } from '../../src/users/model.js';

export const defaultPassword = 'rahasia-123';
let passwordHash: Promise<string> | undefined;

const unique = () => randomBytes(4).toString('hex');

export async function makeSector(code = `sector-${unique()}`) {
  const sector = await Sector.create({ code, name: { id: `Sektor ${code}`, en: `Sector ${code}` } });
  return { id: String(sector._id), code };
}

export async function makeInstitution(overrides: Partial<{ name: string; province: string; type: InstitutionType }> = {}) {
  const institution = await Institution.create({
    name: overrides.name ?? `BLK ${unique()}`,
    type: overrides.type ?? 'uptd',
    province: overrides.province ?? '32',
  });
  return { id: String(institution._id), name: institution.name };
}

export async function makeUser(
  role: Role,
  institution: string | null = null,
  overrides: Partial<{ email: string; name: string }> = {},
) {
  passwordHash ??= hashPassword(defaultPassword);
  const email = overrides.email ?? `${role}-${unique()}@example.test`;
  const user = await User.create({
    name: overrides.name ?? `${role} ${unique()}`,
    email,
    role,
    institution,
    province: '32',
    passwordHash: await passwordHash,
  });
  return { id: String(user._id), email, password: defaultPassword, role, institution };
}
