import mongoose, { type InferSchemaType } from 'mongoose';

const { ObjectId } = mongoose.Schema.Types;

/**
 * A program (curriculum) is edited as a draft: the Program with its Modules and Lessons.
 * Publishing freezes the draft into a numbered ProgramVersion, a self-contained snapshot that
 * cohorts run; later edits change only the draft, so trainees never see content change under them.
 */
const programSchema = new mongoose.Schema(
  {
    code: { type: String, required: true, trim: true, uppercase: true },
    title: { type: String, required: true, trim: true },
    description: { type: String, default: '' },
    sector: { type: String, default: '' },
    /** KKNI level, 1 (operator) to 9. */
    level: { type: Number, min: 1, max: 9, required: true },
    /** The competency units the program covers, in order. */
    units: [{ type: ObjectId, ref: 'CompetencyUnit' }],
    prerequisites: { type: String, default: '' },
    instructors: [{ type: ObjectId, ref: 'User' }],
    institution: { type: ObjectId, ref: 'Institution', required: true },
    /** The newest published version's number; 0 while never published. */
    publishedVersion: { type: Number, default: 0 },
    /** When the draft last changed, to tell whether it differs from the published version. */
    draftChangedAt: { type: Date, default: () => new Date() },
    /** What the public catalogue lists: a summary of the newest published version. */
    published: {
      version: { type: Number, default: 0 },
      at: { type: Date, default: null },
      code: { type: String, default: '' },
      title: { type: String, default: '' },
      summary: { type: String, default: '' },
      sector: { type: String, default: '' },
      level: { type: Number, default: null },
      hours: { type: Number, default: 0 },
      province: { type: String, default: '' },
      institutionName: { type: String, default: '' },
      units: { type: Number, default: 0 },
      modules: { type: Number, default: 0 },
      words: { type: [String], default: [] },
    },
    /**
     * Stamped by every write that changes what the in-memory listings show (the catalogue, the
     * list of all programs), so each process reads just the changed programs (listings.ts).
     */
    revision: { type: Number, default: 0 },
    /** The modules in order, and the revision that guards changes of the order (order.ts). */
    moduleOrder: [{ type: ObjectId, ref: 'Module' }],
    orderRevision: { type: Number, default: 0 },
    /** The completion rules of the draft (completionRules.ts); absent in programs saved before them. */
    completion: {
      type: new mongoose.Schema(
        {
          allUnitsCompetent: { type: Boolean, default: true },
          minAttendancePercent: { type: Number, min: 0, max: 100, default: 80 },
          requiredModules: [{ type: ObjectId, ref: 'Module' }],
        },
        { _id: false },
      ),
      default: undefined,
    },
  },
  { timestamps: true },
);
programSchema.index({ institution: 1, code: 1 }, { unique: true });
programSchema.index({ revision: 1 });
programSchema.index({ instructors: 1 });
export type ProgramDoc = InferSchemaType<typeof programSchema> & { _id: mongoose.Types.ObjectId };
export const Program = mongoose.model('Program', programSchema);

const moduleSchema = new mongoose.Schema(
  {
    program: { type: ObjectId, ref: 'Program', required: true },
    title: { type: String, required: true, trim: true },
    description: { type: String, default: '' },
    /** Planned learning hours (jam pelajaran); the program's total is their sum. */
    hours: { type: Number, min: 0, default: 0 },
    /**
     * The place of a module saved before its program kept the order (`moduleOrder`): read only to
     * place such modules until the program's order lists them (order.ts).
     */
    position: { type: Number },
    units: [{ type: ObjectId, ref: 'CompetencyUnit' }],
    /** Elements covered, as "unitCode#elementNo"; empty means the whole of each unit. */
    elements: { type: [String], default: [] },
    /** The lessons in order, and the revision that guards changes of the order (order.ts). */
    lessonOrder: [{ type: ObjectId, ref: 'Lesson' }],
    orderRevision: { type: Number, default: 0 },
  },
  { timestamps: true },
);
// Serves finding a program's modules (the GIN twin serves `program` alone).
moduleSchema.index({ program: 1, position: 1 });
export type ModuleDoc = InferSchemaType<typeof moduleSchema> & { _id: mongoose.Types.ObjectId };
export const Module = mongoose.model('Module', moduleSchema);

const lessonSchema = new mongoose.Schema(
  {
    program: { type: ObjectId, ref: 'Program', required: true },
    module: { type: ObjectId, ref: 'Module', required: true },
    title: { type: String, required: true, trim: true },
    /** The place of a lesson saved before its module kept the order (`lessonOrder`); see Module. */
    position: { type: Number },
    /** Markdown, rendered and sanitised when shown. */
    body: { type: String, default: '' },
    video: {
      kind: { type: String, enum: ['none', 'upload', 'youtube', 'vimeo'], default: 'none' },
      file: { type: ObjectId, ref: 'StoredFile', default: null },
      /** The YouTube or Vimeo video id, taken from the link the author pasted. */
      embedId: { type: String, default: '' },
    },
    files: [{ type: ObjectId, ref: 'StoredFile' }],
    /** Pictures shown in the text (`![alt](gambar:<file>)`), each with the alt text required at upload. */
    images: [
      new mongoose.Schema(
        { file: { type: ObjectId, ref: 'StoredFile', required: true }, alt: { type: String, required: true } },
        { _id: false },
      ),
    ],
    estimatedMinutes: { type: Number, min: 0, default: 10 },
  },
  { timestamps: true },
);
// Serves finding a module's lessons (the GIN twin serves `module` alone).
lessonSchema.index({ module: 1, position: 1 });
lessonSchema.index({ program: 1 });
export type LessonDoc = InferSchemaType<typeof lessonSchema> & { _id: mongoose.Types.ObjectId };
export const Lesson = mongoose.model('Lesson', lessonSchema);

/**
 * Published versions and their lessons are read by `_id`, made of the program and version
 * numbers: the primary index on any backend. Once complete they never change, so each process
 * keeps the ones it reads in a bounded cache (publishedCache.ts). The `_id` is also what lets only
 * one publisher create version N (versionStore.ts).
 */
export const versionId = (program: unknown, version: number) => `${String(program)}:${version}`;
export const publishedLessonId = (program: unknown, version: number, lesson: string) => `${String(program)}:${version}:${lesson}`;

const versionSchema = new mongoose.Schema({
  _id: { type: String, required: true },
  program: { type: ObjectId, ref: 'Program', required: true },
  version: { type: Number, required: true },
  publishedBy: { type: ObjectId, ref: 'User', required: true },
  /** Denormalised for the catalogue's filters. */
  institution: { type: ObjectId, ref: 'Institution', required: true },
  province: { type: String, default: '' },
  sector: { type: String, default: '' },
  /** The program's outline as published, without lesson texts (see publishing.ts for its shape). */
  snapshot: { type: mongoose.Schema.Types.Mixed, required: true },
  publishedAt: { type: Date, default: () => new Date() },
  /** Set once all its lessons are stored; a version a crash left half-written is never shown. */
  complete: { type: Boolean, default: false },
  /**
   * Where its publish is (versionStore.ts): `writing` its lessons, `whole` (complete, the program
   * may not point at it yet), `published` (it does), or `abandoned` (stopped half-way, being
   * removed). Versions stored before this field count as published when complete.
   */
  state: { type: String, enum: ['writing', 'whole', 'published', 'abandoned'], default: 'writing' },
  /** The publish that wrote it: a random token its lessons' texts carry too (absent in versions stored before). */
  attempt: { type: String },
  /** Renewed by its publish while it writes; silent for long, the publish has stopped. */
  heartbeatAt: { type: Date, default: () => new Date() },
});
versionSchema.index({ program: 1 });
// The clean-up finds publishes that stopped: versions not complete, and whole ones not yet pointed at.
versionSchema.index({ complete: 1 });
versionSchema.index({ state: 1 });
export type VersionDoc = InferSchemaType<typeof versionSchema>;
export const ProgramVersion = mongoose.model('ProgramVersion', versionSchema);

/** A lesson's text in one published version, rendered once at publishing (the markdown stays in the draft). */
const publishedLessonSchema = new mongoose.Schema({
  _id: { type: String, required: true },
  html: { type: String, default: '' },
  /** The publish that wrote it (its version's `attempt`); absent in texts stored before. */
  attempt: { type: String },
});
export const PublishedLesson = mongoose.model('PublishedLesson', publishedLessonSchema);
