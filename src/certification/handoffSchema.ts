import { z } from 'zod';

/**
 * The hand-off JSON, version 1: what the JSON export downloads and the webhook posts. One zod
 * schema is both the type the code builds and the published JSON Schema (draft 2020-12), so the
 * two cannot drift. A change that removes or changes a field is a new version (handoff-batch-2,
 * served beside this one); adding an optional field is not. docs/certification-handoff.md says more.
 */
export const handoffSchemaName = 'handoff-batch-1';
export const handoffSchemaPath = `/api/v1/schemas/${handoffSchemaName}.json`;

const title = z.object({ id: z.string(), en: z.string() }).meta({ description: 'Indonesian and English title' });
const dateTime = z.iso.datetime({ offset: true });

const unit = z.object({
  code: z.string().meta({ description: 'SKKNI unit code, e.g. J.620100.004.02' }),
  title,
  verdict: z
    .enum(['K', 'BK'])
    .nullable()
    .meta({ description: 'K (kompeten) or BK (belum kompeten) from the training; null: none' }),
  assessedAt: dateTime.nullable(),
  assessor: z.string().meta({ description: "The training assessor's name" }),
});

const assessee = z.object({
  record: z
    .object({
      id: z.string(),
      code: z.string().meta({ description: 'Public code of the completion record (its verification page)' }),
      hash: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .meta({ description: 'SHA-256 of the record content (RFC 8785 JSON)' }),
      approvedAt: dateTime,
    })
    .meta({ description: 'The frozen completion record this entry was made from' }),
  name: z.string(),
  email: z.string(),
  nik: z
    .string()
    .regex(/^\d{16}$/)
    .meta({ description: 'Nomor Induk Kependudukan, 16 digits, as text' }),
  sex: z.enum(['L', 'P']).meta({ description: 'From the NIK: P when its day part is 41-71' }),
  placeOfBirth: z.string(),
  dateOfBirth: z.iso.date(),
  photo: z
    .object({
      mimeType: z.enum(['image/jpeg', 'image/png']),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      // A pattern, not zod's `base64` format, which JSON Schema does not know: contentEncoding says it.
      data: z
        .string()
        .regex(/^[A-Za-z0-9+/]*={0,2}$/)
        .meta({ description: 'The photo (a 480 px wide copy), base64', contentEncoding: 'base64' }),
    })
    .nullable(),
  consent: z
    .object({ at: dateTime, textVersion: z.string() })
    .meta({ description: 'When the trainee consented to the hand-off, and to which text' }),
  program: z.object({ code: z.string(), title: z.string(), version: z.number().int() }),
  cohort: z.object({ id: z.string(), name: z.string(), startsOn: z.string(), endsOn: z.string() }),
  units: z.array(unit).meta({ description: "The scheme's units, in the scheme's order" }),
});

export const handoffPayload = z
  .object({
    schema: z.literal(handoffSchemaName),
    id: z.string().meta({ description: 'The batch id: the same id twice is the same batch (idempotency key)' }),
    handedAt: dateTime,
    institution: z.object({ id: z.string(), name: z.string() }),
    lsp: z.object({ id: z.string(), name: z.string(), licenceNumber: z.string() }),
    scheme: z.object({
      code: z.string(),
      name: z.string(),
      units: z.array(z.object({ code: z.string(), title })),
    }),
    assessees: z.array(assessee),
  })
  .meta({ title: 'Kompeten hand-off batch, version 1' });
export type HandoffPayload = z.output<typeof handoffPayload>;

/** The JSON Schema (draft 2020-12) published at `handoffSchemaPath`. */
export function handoffJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(handoffPayload, { target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `urn:kompeten:schema:${handoffSchemaName}`,
    description:
      'A batch of completion records handed by a training institution to a certification body (LSP). See docs/certification-handoff.md.',
    ...schema,
  };
}
