import type { Request, Response } from 'express';
import { z } from 'zod';
import type { FeatureContext } from '../app.js';
import { requireLogin, requirePermission } from '../auth/passport.js';
import { openCohortsOf } from '../cohorts/service.js';
import { enrollmentOf } from '../enrolment/service.js';
import { listInstitutions, listSectors } from '../institutions/service.js';
import { NotFoundError } from '../platform/errors.js';
import { form, showForm } from '../platform/http/forms.js';
import { imageMarkdown } from '../platform/markdown.js';
import { can } from '../platform/permissions.js';
import { parseInput } from '../platform/validation.js';
import { unitRef } from '../units/refs.js';
import { pickUnits, visibleUnitsByCode } from '../units/service.js';
import { activeInstructorsOf } from '../users/directory.js';
import { catalogueInstitutions, catalogueProgram, listCatalogue } from './catalogue.js';
import { draftRules } from './completionRules.js';
import { registerCompletionRuleRoutes } from './completionRulesRoutes.js';
import {
  attachImage,
  attachToLesson,
  createLesson,
  createModule,
  deleteLesson,
  deleteModule,
  detachFromLesson,
  editableLesson,
  imageProblemsOf,
  moveLesson,
  moveModule,
  updateLesson,
  updateModule,
} from './content.js';
import { diffSnapshots } from './diff.js';
import { Module } from './model.js';
import {
  buildSnapshot,
  draftLessonPreview,
  getVersion,
  type LessonInSnapshot,
  lessonFileIds,
  listVersions,
  publishedLesson,
  publishProgram,
  type Snapshot,
} from './publishing.js';
import {
  asksForUnitSearch,
  catalogueQuery,
  lessonImageSchema,
  lessonSchema,
  moduleSchema,
  moveSchema,
  programSchema,
  unitPickerForm,
} from './schemas.js';
import { createProgram, editableProgram, listEditablePrograms, loadDraft, updateProgram } from './service.js';

const id = (req: Request, name = 'id') => String(req.params[name]);

/** Choices for the program form: sectors, instructors of the institution, institutions for admins. */
async function programChoices(req: Request, institution: string | null) {
  const [sectors, institutions, instructors] = await Promise.all([
    listSectors(),
    can(req.actor, 'institution.chooseAny') ? listInstitutions(req.actor!) : Promise.resolve([]),
    activeInstructorsOf(institution),
  ]);
  return { sectors, institutions, instructors };
}

/** How many units a search of the unit picker shows (the rest: "narrow the search"). */
const unitResultsShown = 20;

/**
 * The unit picker of the program form (views/partials/unitPicker.ejs): the chosen units in order,
 * with their titles (from the posted form when it comes back, else `storedCodes`), and the results
 * of a search asked for without JavaScript. A code that names no unit the actor may see stays in
 * the list, ticked and marked, so the instructor sees which one the error is about.
 */
async function unitPickerLocals(req: Request, storedCodes: string[]) {
  const posted = req.method === 'POST' ? unitPickerForm.safeParse(req.body ?? {}) : undefined;
  const picker = posted?.success ? posted.data : { ...unitPickerForm.parse({}), units: storedCodes };
  const codes = [...new Set(picker.units)];
  const [known, results] = await Promise.all([
    visibleUnitsByCode(req.actor!, codes),
    posted?.success && asksForUnitSearch(picker)
      ? pickUnits(req.actor!, { text: picker.unitQuery, sector: picker.unitSector, limit: unitResultsShown })
      : null,
  ]);
  return {
    unitPicker: {
      chosen: codes.map((code) => ({ code, unit: known.get(code) ?? null })),
      query: picker.unitQuery,
      sector: picker.unitSector,
      results: results && { ...results, items: results.items.map((unit) => ({ ...unit, chosen: codes.includes(unit.code) })) },
    },
  };
}

/**
 * Shows the program form again with the unit search's results when that is what was asked
 * ("Cari unit" without JavaScript): nothing is saved, and everything typed is kept.
 */
async function showUnitSearch(req: Request, res: Response, locals: (req: Request) => Promise<Record<string, unknown>>) {
  if (!asksForUnitSearch(parseInput(unitPickerForm, req.body))) return false;
  const given = (await locals(req)) as { values?: object };
  const { _csrf: _token, ...typed } = req.body as Record<string, unknown>;
  res.render('programs/form', { ...given, values: { ...given.values, ...typed }, errors: {} });
  return true;
}

/** The program's units, for the module form's checkboxes. */
async function moduleChoices(req: Request, programId: string) {
  const draft = await loadDraft(req.actor!, programId);
  return { draft, units: draft.units, unitRef };
}

export function registerProgramRoutes({ web, api, files, highlights }: FeatureContext): void {
  highlights.add('trainees', 'catalogue.highlight');
  highlights.add('instructors', 'programs.highlight');
  // --- editing programs ---------------------------------------------------------------------
  web.get('/programs', requirePermission('program.edit'), async (req, res) => {
    res.render('programs/list', { title: req.t('programs.title'), programs: await listEditablePrograms(req.actor!) });
  });

  const newLocals = async (req: Request) => ({
    title: req.t('programs.new.title'),
    program: null,
    ...(await programChoices(req, req.actor!.institution)),
    ...(await unitPickerLocals(req, [])),
  });
  web.get(
    '/programs/new',
    requirePermission('program.create'),
    showForm('programs/form', async (req) => ({
      ...(await newLocals(req)),
      values: { level: 2, instructors: req.actor!.role === 'instructor' ? [req.actor!.id] : [] },
    })),
  );
  web.post('/programs', requirePermission('program.create'), form('programs/form', newLocals), async (req, res) => {
    if (await showUnitSearch(req, res, newLocals)) return;
    const programId = await createProgram(req.actor!, parseInput(programSchema, req.body));
    res.redirect(303, `/programs/${programId}`);
  });

  web.get('/programs/:id', requireLogin, async (req, res) => {
    const draft = await loadDraft(req.actor!, id(req));
    res.render('programs/show', { title: draft.program.title, draft, rules: draftRules(draft.program), saved: req.query.saved });
  });
  const editLocals = async (req: Request) => {
    const program = await editableProgram(req.actor!, id(req));
    const draft = await loadDraft(req.actor!, id(req));
    const units = draft.units.map((unit) => unit.code);
    return {
      title: req.t('programs.edit.title'),
      program,
      values: { ...program, units, instructors: program.instructors.map(String) },
      ...(await programChoices(req, String(program.institution))),
      ...(await unitPickerLocals(req, units)),
    };
  };
  web.get('/programs/:id/edit', requireLogin, showForm('programs/form', editLocals));
  registerCompletionRuleRoutes(web);
  web.post('/programs/:id', requireLogin, form('programs/form', editLocals), async (req, res) => {
    if (await showUnitSearch(req, res, editLocals)) return;
    await updateProgram(req.actor!, id(req), parseInput(programSchema, req.body));
    res.redirect(303, `/programs/${id(req)}?saved=program`);
  });

  const showLocals = async (req: Request) => {
    const draft = await loadDraft(req.actor!, id(req));
    return { title: req.t('programs.title'), draft, rules: draftRules(draft.program), saved: null };
  };
  web.post('/programs/:id/publish', requireLogin, form('programs/show', showLocals), async (req, res) => {
    const version = await publishProgram(req.actor!, id(req));
    res.redirect(303, `/programs/${id(req)}?saved=published&version=${version}`);
  });
  web.get('/programs/:id/changes', requireLogin, async (req, res) => {
    const program = await editableProgram(req.actor!, id(req));
    const draft = await buildSnapshot(program);
    const published = program.publishedVersion ? (await getVersion(id(req), 'latest')).snapshot : null;
    res.render('programs/changes', {
      title: req.t('programs.changes.title'),
      program,
      changes: published ? diffSnapshots(published, draft) : null,
      versions: await listVersions(req.actor!, id(req)),
    });
  });

  // --- modules and lessons --------------------------------------------------------------------
  const newModuleLocals = async (req: Request) => ({
    title: req.t('programs.module.new'),
    module: null,
    ...(await moduleChoices(req, id(req))),
  });
  web.get('/programs/:id/modules/new', requireLogin, showForm('programs/moduleForm', newModuleLocals));
  web.post('/programs/:id/modules', requireLogin, form('programs/moduleForm', newModuleLocals), async (req, res) => {
    await createModule(req.actor!, id(req), parseInput(moduleSchema, req.body));
    res.redirect(303, `/programs/${id(req)}?saved=module`);
  });
  const editModuleLocals = async (req: Request) => {
    const module = await Module.findById(id(req)).lean();
    if (!module) throw new NotFoundError();
    const choices = await moduleChoices(req, String(module.program));
    const unitCodes = choices.draft.modules.find((candidate) => String(candidate._id) === id(req))?.unitCodes ?? [];
    return { title: module.title, module, values: { ...module, units: unitCodes }, ...choices };
  };
  web.get('/modules/:id/edit', requireLogin, showForm('programs/moduleForm', editModuleLocals));
  web.post('/modules/:id', requireLogin, form('programs/moduleForm', editModuleLocals), async (req, res) => {
    await updateModule(req.actor!, id(req), parseInput(moduleSchema, req.body));
    const module = await Module.findById(id(req), { program: 1 }).lean();
    res.redirect(303, `/programs/${module?.program}?saved=module`);
  });
  web.post('/modules/:id/delete', requireLogin, async (req, res) => {
    res.redirect(303, `/programs/${await deleteModule(req.actor!, id(req))}?saved=module`);
  });
  web.post('/modules/:id/move', requireLogin, async (req, res) => {
    const { direction } = parseInput(moveSchema, req.body);
    res.redirect(303, `/programs/${await moveModule(req.actor!, id(req), direction)}#module-${id(req)}`);
  });

  const newLessonLocals = async (req: Request) => {
    const module = await Module.findById(id(req)).lean();
    if (!module) throw new NotFoundError();
    await editableProgram(req.actor!, String(module.program));
    return { title: req.t('programs.lesson.new'), module, lesson: null, files: [] };
  };
  web.get(
    '/modules/:id/lessons/new',
    requireLogin,
    showForm('programs/lessonForm', async (req) => ({ ...(await newLessonLocals(req)), values: { estimatedMinutes: 10 } })),
  );
  web.post('/modules/:id/lessons', requireLogin, form('programs/lessonForm', newLessonLocals), async (req, res) => {
    const lessonId = await createLesson(req.actor!, id(req), parseInput(lessonSchema, req.body));
    res.redirect(303, `/lessons/${lessonId}/edit?saved=lesson`);
  });
  const editLessonLocals = async (req: Request) => {
    const lesson = await editableLesson(req.actor!, id(req));
    const snapshot = await buildSnapshot(await editableProgram(req.actor!, String(lesson.program)));
    const published = snapshot.modules.flatMap((module) => module.lessons).find((candidate) => candidate.id === id(req));
    const imageIssue = imageProblemsOf(lesson);
    return {
      title: lesson.title,
      lesson,
      module: await Module.findById(lesson.module).lean(),
      values: { ...lesson, videoLink: '' },
      video: published?.video,
      files: published?.files ?? [],
      // Each image with the Markdown that shows it: the Insert button's text, and what to copy without JavaScript.
      images: (published?.images ?? []).map((image) => ({ ...image, markdown: imageMarkdown(image) })),
      imageMaxMb: files.maxMb.image,
      // A saved text showing images readers would not see (from before this check): said at once, not at the next save.
      ...(imageIssue ? { errors: { body: req.t(imageIssue.key, imageIssue.params) } } : {}),
      saved: req.query.saved,
    };
  };
  web.get('/lessons/:id/edit', requireLogin, showForm('programs/lessonForm', editLessonLocals));
  web.post('/lessons/:id', requireLogin, form('programs/lessonForm', editLessonLocals), async (req, res) => {
    await updateLesson(req.actor!, id(req), parseInput(lessonSchema, req.body));
    res.redirect(303, `/lessons/${id(req)}/edit?saved=lesson`);
  });
  web.post('/lessons/:id/delete', requireLogin, async (req, res) => {
    res.redirect(303, `/programs/${await deleteLesson(req.actor!, id(req))}?saved=lesson`);
  });
  web.post('/lessons/:id/move', requireLogin, async (req, res) => {
    const { direction } = parseInput(moveSchema, req.body);
    res.redirect(303, `/programs/${await moveLesson(req.actor!, id(req), direction)}#lesson-${id(req)}`);
  });
  // Uploads: the lesson is checked before the file is read, so nobody else can fill the disk.
  const editableLessonFirst = async (req: Request, _res: Response, next: (error?: unknown) => void) => {
    editableLesson(req.actor ?? null, id(req)).then(() => next(), next);
  };
  web.post(
    '/lessons/:id/video',
    requireLogin,
    editableLessonFirst,
    form('programs/lessonForm', editLessonLocals),
    files.acceptUpload({ field: 'video', kinds: ['video'] }),
    async (req, res) => {
      await attachToLesson(req.actor!, id(req), req.storedFile!.id, 'video');
      res.redirect(303, `/lessons/${id(req)}/edit?saved=video`);
    },
  );
  web.post(
    '/lessons/:id/files',
    requireLogin,
    editableLessonFirst,
    form('programs/lessonForm', editLessonLocals),
    files.acceptUpload({ field: 'file', kinds: ['document', 'image'] }),
    async (req, res) => {
      await attachToLesson(req.actor!, id(req), req.storedFile!.id, 'file');
      res.redirect(303, `/lessons/${id(req)}/edit?saved=file`);
    },
  );
  web.post(
    '/lessons/:id/images',
    requireLogin,
    editableLessonFirst,
    form('programs/lessonForm', editLessonLocals),
    // The alt text is checked before the image is kept: without it nothing is stored.
    files.acceptUpload({
      field: 'image',
      kinds: ['image'],
      webImage: true,
      checkFields: (req) => parseInput(lessonImageSchema, req.body ?? {}),
    }),
    async (req, res) => {
      const { alt } = parseInput(lessonImageSchema, req.body);
      await attachImage(req.actor!, id(req), req.storedFile!.id, alt);
      res.redirect(303, `/lessons/${id(req)}/edit?saved=image#lesson-images`);
    },
  );
  web.post('/lessons/:id/files/:fileId/remove', requireLogin, async (req, res) => {
    await detachFromLesson(req.actor!, id(req), id(req, 'fileId'));
    res.redirect(303, `/lessons/${id(req)}/edit?saved=file`);
  });

  // --- reading lessons --------------------------------------------------------------------------
  const renderLesson = (
    res: Response,
    snapshot: Snapshot,
    found: LessonInSnapshot & { html: string },
    base: string,
    preview: boolean,
  ) => res.render('programs/lesson', { title: found.lesson.title, snapshot, ...found, base, preview });
  web.get('/programs/:id/v/:version/lessons/:lessonId', requireLogin, async (req, res) => {
    const version = Number(req.params.version);
    if (!Number.isInteger(version) || version < 1) throw new NotFoundError();
    const found = await publishedLesson(req.actor!, id(req), version, id(req, 'lessonId'));
    renderLesson(res, found.version.snapshot, found, `/programs/${id(req)}/v/${version}`, false);
  });
  web.get('/programs/:id/preview/lessons/:lessonId', requireLogin, async (req, res) => {
    const found = await draftLessonPreview(req.actor!, id(req), id(req, 'lessonId'));
    renderLesson(res, found.snapshot, found, `/programs/${id(req)}/preview`, true);
  });

  /** A lesson's file is served only to who may see that lesson, and only if the lesson has it. */
  const sendLessonFile = async (req: Request, res: Response, snapshot: Snapshot) => {
    const fileId = id(req, 'fileId');
    const lessonFiles = snapshot.modules.flatMap((module) => module.lessons.flatMap(lessonFileIds));
    if (!lessonFiles.includes(fileId)) throw new NotFoundError();
    await files.sendRequestedFile(req, res, await files.findStoredFile(fileId));
  };
  web.get('/programs/:id/v/:version/files/:fileId', requireLogin, async (req, res) => {
    const version = Number(req.params.version);
    if (!Number.isInteger(version) || version < 1) throw new NotFoundError();
    const found = await getVersion(id(req), version);
    if (!can(req.actor, 'lesson.view', { published: true, program: found.ref })) throw new NotFoundError();
    await sendLessonFile(req, res, found.snapshot);
  });
  web.get('/programs/:id/preview/files/:fileId', requireLogin, async (req, res) => {
    const program = await editableProgram(req.actor!, id(req));
    await sendLessonFile(req, res, await buildSnapshot(program));
  });

  // --- the public catalogue -----------------------------------------------------------------
  web.get('/catalogue', async (req, res) => {
    const query = parseInput(catalogueQuery, req.query);
    const [result, sectors, institutions] = await Promise.all([listCatalogue(query), listSectors(), catalogueInstitutions()]);
    res.render('catalogue/list', { title: req.t('catalogue.title'), result, query, sectors, institutions });
  });
  web.get('/catalogue/:id', async (req, res) => {
    const [found, sectors, cohorts] = await Promise.all([catalogueProgram(id(req)), listSectors(), openCohortsOf(id(req))]);
    // A trainee sees where they stand in each cohort instead of being offered to apply again.
    const mine = can(req.actor, 'enrolment.apply')
      ? await Promise.all(cohorts.map((cohort) => enrollmentOf(req.actor!.id, cohort.id)))
      : cohorts.map(() => null);
    res.render('catalogue/program', {
      title: found.snapshot.title,
      found,
      sectors,
      cohorts: cohorts.map((cohort, index) => ({ ...cohort, mine: mine[index]?.status ?? null })),
      readsLessons: can(req.actor, 'lesson.view', { published: true, program: found.ref }),
    });
  });

  api.endpoint(
    {
      method: 'get',
      path: '/catalogue',
      summary: 'Published programs, filterable by sector, institution, province and words',
      tag: 'Programs',
      access: 'public',
      query: catalogueQuery,
      response: z.object({
        items: z.array(
          z.object({
            id: z.string(),
            code: z.string(),
            title: z.string(),
            summary: z.string(),
            sector: z.string(),
            level: z.number().nullable(),
            hours: z.number(),
            province: z.string(),
            institutionName: z.string(),
            units: z.number(),
            modules: z.number(),
          }),
        ),
        page: z.number(),
        hasMore: z.boolean(),
        /** The catalogue is counted in memory (catalogue.ts), so its total is always known. */
        total: z.number(),
      }),
    },
    async ({ query }) => listCatalogue(query),
  );
  api.endpoint(
    {
      method: 'get',
      path: '/catalogue/{id}',
      summary: 'The newest published version of a program: units, modules, lessons and hours',
      tag: 'Programs',
      access: 'public',
      response: z.object({ version: z.number(), publishedAt: z.string(), program: z.record(z.string(), z.unknown()) }),
    },
    async ({ params }) => {
      const found = await catalogueProgram(String(params.id));
      const { modules, ...program } = found.snapshot;
      // The catalogue shows the outline; lesson content is for those who may see lessons.
      const outline = modules.map(({ lessons, ...module }) => ({
        ...module,
        lessons: lessons.map((lesson) => ({ id: lesson.id, title: lesson.title, estimatedMinutes: lesson.estimatedMinutes })),
      }));
      return { version: found.version, publishedAt: found.publishedAt.toISOString(), program: { ...program, modules: outline } };
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/programs/{id}/publish',
      summary: "Publish the program's draft as its next version (its editors)",
      tag: 'Programs',
      access: 'user',
      permission: 'program.edit',
      response: z.object({ version: z.number() }),
      status: 201,
    },
    async ({ actor, params }) => ({ version: await publishProgram(actor, String(params.id)) }),
  );
}
