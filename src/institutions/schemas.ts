import { z } from 'zod';
import { provinceCodes } from '../platform/provinces.js';
import { checkboxField, objectIdField } from '../platform/validation.js';
import { institutionTypes } from './model.js';

/** HTML forms send one checkbox as a string and several as an array. */
const idList = z.preprocess(
  (value) => (value === undefined || value === '' ? [] : Array.isArray(value) ? value : [value]),
  z.array(objectIdField).max(50),
);

export const institutionSchema = z.object({
  name: z.string().trim().min(3).max(150),
  type: z.enum(institutionTypes),
  province: z.enum(provinceCodes),
  city: z.string().trim().max(100).default(''),
  sectors: idList.default([]),
  active: checkboxField(true),
});
export type InstitutionInput = z.output<typeof institutionSchema>;

export const sectorSchema = z.object({
  code: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z][a-z0-9-]{1,39}$/, 'validation.slug'),
  nameId: z.string().trim().min(2).max(80),
  nameEn: z.string().trim().min(2).max(80),
});
export type SectorInput = z.output<typeof sectorSchema>;

export const institutionView = z.object({
  id: z.string(),
  name: z.string(),
  type: z.enum(institutionTypes),
  province: z.string(),
  city: z.string(),
  sectors: z.array(z.string()),
  active: z.boolean(),
});
export type InstitutionView = z.output<typeof institutionView>;

export const sectorView = z.object({ id: z.string(), code: z.string(), name: z.object({ id: z.string(), en: z.string() }) });
export type SectorView = z.output<typeof sectorView>;
