import mongoose, { type InferSchemaType } from 'mongoose';
import { declareSmallCollection } from '../platform/db/queryGuard.js';
import { provinceCodes } from '../platform/provinces.js';

export const institutionTypes = ['uptp', 'uptd', 'community', 'private_lpk'] as const;
export type InstitutionType = (typeof institutionTypes)[number];

const sectorSchema = new mongoose.Schema(
  {
    // A stable slug ("ict"), so code and imports can name a sector in any language.
    code: { type: String, required: true, unique: true, lowercase: true, trim: true },
    name: {
      id: { type: String, required: true, trim: true },
      en: { type: String, required: true, trim: true },
    },
  },
  { timestamps: true },
);
export type SectorDoc = InferSchemaType<typeof sectorSchema>;
export const Sector = mongoose.model('Sector', sectorSchema);
declareSmallCollection(Sector, 'tens of sectors, listed whole on forms');

const institutionSchema = new mongoose.Schema(
  {
    name: { type: String, required: true, trim: true, unique: true },
    type: { type: String, required: true, enum: institutionTypes },
    province: { type: String, required: true, enum: provinceCodes },
    city: { type: String, trim: true, default: '' },
    sectors: [{ type: mongoose.Schema.Types.ObjectId, ref: 'Sector' }],
    active: { type: Boolean, default: true },
  },
  { timestamps: true },
);
institutionSchema.index({ province: 1, name: 1 });
export type InstitutionDoc = InferSchemaType<typeof institutionSchema>;
export const Institution = mongoose.model('Institution', institutionSchema);
// Some hundred public centres and a few thousand private ones nationally: listed whole on forms.
declareSmallCollection(Institution, 'listed whole on forms and filters');
