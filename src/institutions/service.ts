import mongoose from 'mongoose';
import { ConflictError, isDuplicateKeyError, NotFoundError, ValidationError } from '../platform/errors.js';
import { type Actor, authorize, scope } from '../platform/permissions.js';
import { Institution, type InstitutionDoc, Sector, type SectorDoc } from './model.js';
import type { InstitutionInput, InstitutionView, SectorInput, SectorView } from './schemas.js';

type WithId<T> = T & { _id: mongoose.Types.ObjectId };

function toInstitutionView(doc: WithId<InstitutionDoc>): InstitutionView {
  return {
    id: String(doc._id),
    name: doc.name,
    type: doc.type,
    province: doc.province,
    city: doc.city ?? '',
    sectors: (doc.sectors ?? []).map(String),
    active: doc.active ?? true,
  };
}

function toSectorView(doc: WithId<SectorDoc>): SectorView {
  return { id: String(doc._id), code: doc.code, name: { id: doc.name?.id ?? '', en: doc.name?.en ?? '' } };
}

export async function listSectors(): Promise<SectorView[]> {
  const sectors = await Sector.find().sort({ code: 1 }).lean<WithId<SectorDoc>[]>();
  return sectors.map(toSectorView);
}

export async function createSector(actor: Actor | null, input: SectorInput): Promise<SectorView> {
  authorize(actor, 'sector.manage');
  try {
    const sector = await Sector.create({ code: input.code, name: { id: input.nameId, en: input.nameEn } });
    return toSectorView(sector.toObject() as WithId<SectorDoc>);
  } catch (error) {
    if (isDuplicateKeyError(error)) throw new ConflictError('validation.codeTaken', 'code');
    throw error;
  }
}

/** Institutions the actor may see: all for admins; their own for staff. */
export async function listInstitutions(actor: Actor | null): Promise<InstitutionView[]> {
  authorize(actor, 'institution.list');
  const institutions = await Institution.find(scope(actor, 'institutions')).sort({ name: 1 }).lean<WithId<InstitutionDoc>[]>();
  return institutions.map(toInstitutionView);
}

export async function getInstitution(actor: Actor | null, id: string): Promise<InstitutionView> {
  if (!mongoose.isValidObjectId(id)) throw new NotFoundError();
  authorize(actor, 'institution.view', { id });
  const institution = await Institution.findById(id).lean<WithId<InstitutionDoc>>();
  if (!institution) throw new NotFoundError();
  return toInstitutionView(institution);
}

async function assertSectorsExist(sectors: string[]): Promise<void> {
  const unique = [...new Set(sectors)];
  if ((await Sector.countDocuments({ _id: { $in: unique } })) !== unique.length) {
    throw new ValidationError([{ field: 'sectors', key: 'validation.choice' }]);
  }
}

function translateDuplicate(error: unknown): never {
  if (isDuplicateKeyError(error)) throw new ConflictError('validation.nameTaken', 'name');
  throw error;
}

export async function createInstitution(actor: Actor | null, input: InstitutionInput): Promise<InstitutionView> {
  authorize(actor, 'institution.manage');
  await assertSectorsExist(input.sectors);
  try {
    const institution = await Institution.create(input);
    return toInstitutionView(institution.toObject() as WithId<InstitutionDoc>);
  } catch (error) {
    translateDuplicate(error);
  }
}

export async function updateInstitution(actor: Actor | null, id: string, input: InstitutionInput): Promise<InstitutionView> {
  authorize(actor, 'institution.manage');
  if (!mongoose.isValidObjectId(id)) throw new NotFoundError();
  await assertSectorsExist(input.sectors);
  try {
    const updated = await Institution.findByIdAndUpdate(
      id,
      { $set: input },
      { returnDocument: 'after', runValidators: true },
    ).lean<WithId<InstitutionDoc>>();
    if (!updated) throw new NotFoundError();
    return toInstitutionView(updated);
  } catch (error) {
    translateDuplicate(error);
  }
}

/** Institution names by id, for showing references in lists. */
export async function institutionNames(): Promise<Map<string, string>> {
  const all = await Institution.find({}, { name: 1 }).lean<WithId<{ name: string }>[]>();
  return new Map(all.map((institution) => [String(institution._id), institution.name]));
}
