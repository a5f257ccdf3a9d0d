import type { RecordContent } from '../completion/model.js';
import type { RecordView } from '../completion/records.js';
import { isDuplicateKeyError } from '../platform/errors.js';
import { translator } from '../platform/i18n.js';
import { provinceName } from '../platform/provinces.js';
import { credentialsContext, issuerProfileReference, openBadgesContext } from './issuer.js';
import { IssuedCredential, type IssuedCredentialDoc } from './model.js';
import { type Json, signCredential, stamp } from './signing.js';
import { statusEntry } from './statusList.js';
import { achievementUrl, verifyUrl } from './urls.js';

/** A province as people read it: the record keeps its code. */
export const provinceOf = (content: RecordContent) => provinceName(content.institution.province) || content.institution.province;

/** The completion rules of the record's program version, said in both languages (Indonesian first). */
export function criteriaNarrative(content: RecordContent): string {
  const said = (language: 'id' | 'en') => {
    const t = translator(language);
    const lines = [
      content.rules.allUnitsCompetent ? t('certificates.criteria.units') : null,
      content.rules.minAttendancePercent > 0
        ? t('certificates.criteria.attendance', { percent: content.rules.minAttendancePercent })
        : null,
      content.rules.requiredModules.length > 0
        ? t('certificates.criteria.modules', { count: content.rules.requiredModules.length })
        : null,
    ].filter((line): line is string => line !== null);
    return [
      `**${t('certificates.criteria.heading')}**`,
      ...(lines.length ? lines : [t('certificates.criteria.approval')]).map((line) => `- ${line}`),
    ].join('\n');
  };
  return `${said('id')}\n\n${said('en')}`;
}

function achievementDescription(content: RecordContent): string {
  const said = (language: 'id' | 'en') =>
    translator(language)('certificates.badge.description', {
      program: content.program.title,
      version: content.program.version,
      hours: content.hours,
      units: content.units.length,
      institution: content.institution.name,
    });
  return `${said('id')}\n\n${said('en')}`;
}

/**
 * The record as an Open Badges 3.0 OpenBadgeCredential (VC data model 2.0), unsigned: the program
 * version is the achievement, aligned to each SKKNI unit it covers; the trainee is named (not
 * hashed: the certificate prints the name too, and the verification page shows it); the credential's
 * id is the record's public verification page.
 */
export function openBadgeCredential(record: RecordView, base: string): Json {
  const { content } = record;
  return {
    '@context': [credentialsContext, openBadgesContext],
    id: verifyUrl(base, record.code),
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    issuer: issuerProfileReference(base, { id: record.institution, name: content.institution.name }),
    validFrom: stamp(record.approvedAt),
    name: content.program.title,
    credentialSubject: {
      type: ['AchievementSubject'],
      identifier: [{ type: 'IdentityObject', identityType: 'name', hashed: false, identityHash: content.trainee.name }],
      activityStartDate: `${content.cohort.startsOn.slice(0, 10)}T00:00:00Z`,
      activityEndDate: `${content.cohort.endsOn.slice(0, 10)}T00:00:00Z`,
      achievement: {
        id: achievementUrl(base, record.program, content.program.version),
        type: ['Achievement'],
        achievementType: 'CertificateOfCompletion',
        humanCode: content.program.code,
        version: String(content.program.version),
        name: content.program.title,
        description: achievementDescription(content),
        criteria: { narrative: criteriaNarrative(content) },
        alignment: content.units.map((unit) => ({
          type: ['Alignment'],
          targetType: 'ceasn:Competency',
          targetFramework: 'SKKNI',
          targetCode: unit.code,
          targetName: unit.title.id,
          targetDescription: unit.title.en,
          targetUrl: `${base}/units/${encodeURIComponent(unit.code)}`,
        })),
      },
    },
    credentialStatus: statusEntry(base, record.institution, record.statusIndex),
  };
}

/**
 * The record's signed credential, as JSON text: signed on first need and kept, so every download
 * gives the same bytes and a credential brought back can be compared with what was handed out.
 * Two first downloads at once keep one (the loser reads the winner's).
 */
export async function issuedCredentialOf(record: RecordView, base: string, sessionSecret: string): Promise<string> {
  const kept = await IssuedCredential.findById(record.id).lean<IssuedCredentialDoc>();
  if (kept) return kept.json;
  const signed = await signCredential(openBadgeCredential(record, base), {
    base,
    institution: record.institution,
    sessionSecret,
    created: new Date(),
  });
  const json = `${JSON.stringify(signed, null, 2)}\n`;
  try {
    await IssuedCredential.create({ _id: record.id, institution: record.institution, json });
    return json;
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    return (await IssuedCredential.findById(record.id).lean<IssuedCredentialDoc>())!.json;
  }
}

/** The credential handed out for a record, if any was. */
export async function keptCredentialOf(recordId: string): Promise<Json | null> {
  const kept = await IssuedCredential.findById(recordId).lean<IssuedCredentialDoc>();
  return kept ? (JSON.parse(kept.json) as Json) : null;
}
