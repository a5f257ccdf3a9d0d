import mongoose from 'mongoose';
import { type RecordView, recordsOfTrainee } from '../completion/records.js';
import { StoredFile, type StoredFileRecord } from '../files/index.js';
import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError } from '../platform/errors.js';
import { type Actor, authorize, can } from '../platform/permissions.js';
import { CertificationProfile, type CertificationProfileDoc } from './model.js';
import { maskNik } from './nik.js';
import { consentTextVersion, type ProfileInput, type ProfileView } from './profileSchemas.js';

/**
 * The personal data a trainee gives to be handed to certification: NIK, place and date of birth,
 * a photo, with their consent. Shown in full only to the trainee and the coordinators of the
 * institutions of their completion records ('certification.personalData'); masked for everyone
 * else; withdrawn with the consent (batches already handed keep their frozen copy).
 */

/** Removes a stored file (files/index.ts `removeStoredFile`), given by the route. */
export type RemoveFile = (file: { id: string; key: string }) => Promise<void>;

export async function profileOf(traineeId: string): Promise<CertificationProfileDoc | null> {
  if (!mongoose.isValidObjectId(traineeId)) return null;
  return CertificationProfile.findById(traineeId).lean<CertificationProfileDoc>();
}

/** Whether the actor may see this trainee's personal data unmasked, given the trainee's records' institutions. */
export function seesPersonalData(actor: Actor | null, trainee: string, institutions: string[]): boolean {
  return can(actor, 'certification.personalData', { trainee, institutions });
}

export function toProfileView(doc: CertificationProfileDoc, full: boolean): ProfileView {
  return {
    trainee: String(doc._id),
    nik: full ? doc.nik : maskNik(doc.nik),
    masked: !full,
    placeOfBirth: full ? doc.placeOfBirth : '•••',
    dateOfBirth: full ? doc.dateOfBirth : '••••-••-••',
    hasPhoto: Boolean(doc.photo),
    consent: { at: doc.consent.at, textVersion: doc.consent.textVersion },
    updatedAt: doc.updatedAt,
  };
}

/** The trainee's own certification page: their approved records and what they have given. */
export async function myCertification(actor: Actor | null): Promise<{
  records: RecordView[];
  eligible: boolean;
  profile: ProfileView | null;
}> {
  authorize(actor, 'certification.request');
  const [records, profile] = await Promise.all([recordsOfTrainee(actor.id), profileOf(actor.id)]);
  const approved = records.filter((record) => record.status === 'approved');
  return { records: approved, eligible: approved.length > 0, profile: profile ? toProfileView(profile, true) : null };
}

/**
 * Saves what the trainee gave, with their consent, and returns the photo it replaced (for the
 * caller to remove). The profile is one document per trainee written whole, so sending the form
 * twice (a retry on a weak line) leaves one profile, as sent last. A photo is needed the first
 * time; later ones keep the photo when none is sent.
 */
export async function saveProfile(
  actor: Actor | null,
  input: ProfileInput,
  photo: StoredFileRecord | undefined,
  context: { ip: string; removeFile: RemoveFile },
): Promise<ProfileView> {
  authorize(actor, 'certification.request');
  const records = await recordsOfTrainee(actor.id);
  if (!records.some((record) => record.status === 'approved')) throw new ConflictError('certification.request.errors.noRecord');
  const existing = await profileOf(actor.id);
  if (!photo && !existing?.photo) throw new ConflictError('certification.request.errors.photo', 'photo');
  const saved = await CertificationProfile.findOneAndUpdate(
    { _id: actor.id },
    {
      $set: {
        nik: input.nik,
        placeOfBirth: input.placeOfBirth,
        dateOfBirth: input.dateOfBirth,
        photo: photo ? photo.id : existing?.photo,
        consent: { at: new Date(), textVersion: consentTextVersion, ip: context.ip },
      },
    },
    { upsert: true, returnDocument: 'after', runValidators: true },
  ).lean<CertificationProfileDoc>();
  if (!saved) throw new NotFoundError();
  if (photo && existing?.photo && String(existing.photo) !== photo.id)
    await removePhoto(String(existing.photo), context.removeFile);
  return toProfileView(saved, true);
}

async function removePhoto(id: string, removeFile: RemoveFile): Promise<void> {
  const file = await StoredFile.findById(id).lean<{ _id: mongoose.Types.ObjectId; key: string }>();
  if (file) await removeFile({ id, key: file.key });
}

/**
 * Withdraws consent: the profile and its photo are deleted. Batches already handed over keep
 * their frozen copy (what was handed cannot be taken back from the LSP); drafts no longer can
 * hand this trainee over.
 */
export async function withdrawConsent(actor: Actor | null, removeFile: RemoveFile): Promise<void> {
  authorize(actor, 'certification.request');
  const profile = await profileOf(actor.id);
  if (!profile) return; // already withdrawn: a retry is fine
  await CertificationProfile.deleteOne({ _id: actor.id });
  if (profile.photo) await removePhoto(String(profile.photo), removeFile);
}

/** The institutions of a trainee's records: whose coordinators may see the trainee's data. */
export async function recordInstitutions(traineeId: string): Promise<string[]> {
  return [...new Set((await recordsOfTrainee(traineeId)).map((record) => record.institution))];
}

/** The trainee's photo file id, for the trainee and their coordinators only. */
export async function photoOf(actor: Actor | null, traineeId: string): Promise<string> {
  // Permission first: a refusal must not tell whether this trainee gave a photo.
  if (!actor) throw new UnauthorizedError();
  if (!mongoose.isValidObjectId(traineeId)) throw new NotFoundError();
  if (!seesPersonalData(actor, traineeId, await recordInstitutions(traineeId))) throw new ForbiddenError();
  const profile = await profileOf(traineeId);
  if (!profile?.photo) throw new NotFoundError();
  return String(profile.photo);
}
