import mongoose from 'mongoose';
import { ConflictError, type FieldIssue, isDuplicateKeyError, NotFoundError, ValidationError } from '../platform/errors.js';
import { type Actor, authorize } from '../platform/permissions.js';
import { visibleUnitsByCode } from '../units/service.js';
import type { LspInput, LspView } from './lspSchemas.js';
import { Lsp, type LspDoc } from './model.js';

/**
 * The register of certification bodies (LSP). National bodies: admins keep the register;
 * coordinators read it to pick one for a batch. The webhook secret is never read here but to
 * say whether one was issued (certification/delivery issues and uses it).
 */
type LspRow = LspDoc & { webhookSecret?: string };

export function toLspView(doc: LspRow): LspView {
  return {
    id: String(doc._id),
    name: doc.name,
    licenceNumber: doc.licenceNumber,
    contact: { name: doc.contact?.name ?? '', email: doc.contact?.email ?? '', phone: doc.contact?.phone ?? '' },
    schemes: (doc.schemes ?? []).map((scheme) => ({ code: scheme.code, name: scheme.name, units: [...(scheme.units ?? [])] })),
    webhookUrl: doc.webhookUrl ?? '',
    hasWebhookSecret: Boolean(doc.webhookSecret),
    active: doc.active ?? true,
  };
}

/** Every LSP, by name (a few hundred nationally: one read). Staff who hand off and admins. */
export async function listLsps(actor: Actor | null, options: { activeOnly?: boolean } = {}): Promise<LspView[]> {
  authorize(actor, 'lsp.list');
  const lsps = await Lsp.find(options.activeOnly ? { active: true } : {})
    .select('+webhookSecret')
    .sort({ name: 1 })
    .limit(2_000)
    .lean<LspRow[]>();
  return lsps.map(toLspView);
}

/** One LSP by id, or NotFoundError; no permission check (callers check theirs). */
export async function findLsp(id: string): Promise<LspView> {
  const lsp = mongoose.isValidObjectId(id) ? await Lsp.findById(id).select('+webhookSecret').lean<LspRow>() : null;
  if (!lsp) throw new NotFoundError();
  return toLspView(lsp);
}

export async function getLsp(actor: Actor | null, id: string): Promise<LspView> {
  authorize(actor, 'lsp.list');
  return findLsp(id);
}

/**
 * Each scheme's units must be approved competency units (a proposal is not yet a standard an LSP
 * can certify against); scheme codes are unique within the LSP.
 */
async function checkSchemes(actor: Actor, input: LspInput): Promise<void> {
  const codes = [...new Set(input.schemes.flatMap((scheme) => scheme.units))];
  const known = codes.length ? await visibleUnitsByCode(actor, codes) : new Map();
  const issues: FieldIssue[] = [];
  const seen = new Set<string>();
  input.schemes.forEach((scheme, index) => {
    const key = scheme.code.toUpperCase();
    if (seen.has(key)) issues.push({ field: `schemes.${index}.code`, key: 'certification.lsps.errors.schemeTwice' });
    seen.add(key);
    const unknown = scheme.units.filter((code) => known.get(code)?.status !== 'approved');
    if (unknown.length) {
      issues.push({
        field: `schemes.${index}.units`,
        key: 'certification.lsps.errors.unknownUnits',
        params: { codes: unknown.join(', ') },
      });
    }
    if (new Set(scheme.units).size !== scheme.units.length) {
      issues.push({ field: `schemes.${index}.units`, key: 'certification.lsps.errors.unitTwice' });
    }
  });
  if (issues.length) throw new ValidationError(issues);
}

const fields = (input: LspInput) => ({
  name: input.name,
  licenceNumber: input.licenceNumber,
  contact: { name: input.contactName, email: input.contactEmail, phone: input.contactPhone },
  schemes: input.schemes,
  webhookUrl: input.webhookUrl,
  active: input.active,
});

function licenceTaken(error: unknown): never {
  if (isDuplicateKeyError(error)) throw new ConflictError('certification.lsps.errors.licenceTaken', 'licenceNumber');
  throw error;
}

export async function createLsp(actor: Actor | null, input: LspInput): Promise<LspView> {
  authorize(actor, 'lsp.manage');
  await checkSchemes(actor, input);
  try {
    const created = await Lsp.create(fields(input));
    return toLspView(created.toObject() as LspRow);
  } catch (error) {
    licenceTaken(error);
  }
}

export async function updateLsp(actor: Actor | null, id: string, input: LspInput): Promise<LspView> {
  authorize(actor, 'lsp.manage');
  if (!mongoose.isValidObjectId(id)) throw new NotFoundError();
  await checkSchemes(actor, input);
  try {
    const updated = await Lsp.findByIdAndUpdate(id, { $set: fields(input) }, { returnDocument: 'after', runValidators: true })
      .select('+webhookSecret')
      .lean<LspRow>();
    if (!updated) throw new NotFoundError();
    return toLspView(updated);
  } catch (error) {
    licenceTaken(error);
  }
}
