import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import type { FeatureContext } from '../app.js';
import { requireLogin } from '../auth/passport.js';
import { acceptTextFile } from '../files/textUpload.js';
import { ValidationError } from '../platform/errors.js';
import { form, showForm } from '../platform/http/forms.js';
import { renderMarkdown } from '../platform/markdown.js';
import { parseInput } from '../platform/validation.js';
import { unitRef } from '../units/refs.js';
import {
  bankContext,
  createQuestion,
  deleteQuestion,
  exportQuestions,
  getQuestion,
  type ImportOutcome,
  importQuestions,
  listQuestions,
  questionImageFile,
  textStart,
  unitTags,
  updateQuestion,
} from './bank.js';
import { gradeResponse, type QuestionResponse } from './grading.js';
import { type QuestionContent, questionTypes } from './questions.js';
import { registerGradebookRoutes } from './results/gradebookRoutes.js';
import { registerVerdictRoutes } from './results/verdictRoutes.js';
import {
  bankFilter,
  bankList,
  exportQuery,
  formRevision,
  formType,
  importInput,
  importReport,
  parseQuestionForm,
  type QuestionView,
  questionBody,
  questionFormFields,
  questionFormImage,
  questionImageTypes,
  questionToForm,
  questionUpdateBody,
  questionView,
} from './schemas.js';

const id = (req: Request, name = 'id') => String(req.params[name]);

/** The import file, read into memory and parsed at once (nothing is kept but the questions). */
const acceptImportFile = acceptTextFile({
  limitBytes: 5 * 1024 * 1024,
  tooLargeKey: 'assessments.bank.import.tooLarge',
  missingKey: 'assessments.bank.import.missing',
});

/** An import's problems as the page and the API show them: line, field and message, in the user's language. */
function problemLines(req: Request, outcome: ImportOutcome) {
  return outcome.problems.map((problem) => {
    const { field, ...params } = (problem.params ?? {}) as { field?: unknown };
    return {
      line: problem.line,
      field: typeof field === 'string' && field !== '_' ? field : undefined,
      message: req.t(problem.message, params),
    };
  });
}

export function registerAssessmentRoutes({ web, api, files }: FeatureContext): void {
  registerGradebookRoutes({ web, api });
  registerVerdictRoutes({ web, api });
  // --- the bank's list ----------------------------------------------------------------------------
  web.get('/programs/:id/questions', requireLogin, async (req, res) => {
    const filter = parseInput(bankFilter, req.query);
    const [context, bank] = await Promise.all([bankContext(req.actor!, id(req)), listQuestions(req.actor!, id(req), filter)]);
    res.render('assessments/bank', {
      title: req.t('assessments.bank.title'),
      ...context,
      bank,
      filter,
      textStart,
      unitTags,
      saved: req.query.saved,
      imported:
        req.query.imported === undefined
          ? null
          : { added: Number(req.query.imported), existing: Number(req.query.existing ?? 0) },
    });
  });

  // --- new and changed questions ----------------------------------------------------------------
  /**
   * The question form is multipart: it may bring the question's image. The image is taken only
   * when the rest of the form is valid (checked before the file is kept: nothing is stored for a
   * form that comes back with errors), stored resized like a lesson's images, and needs its alt
   * text. An urlencoded post (the API's clients, older pages) passes through with no image.
   */
  const acceptQuestionImage = files.acceptUpload({
    field: 'image',
    kinds: ['image'],
    types: questionImageTypes,
    webImage: true,
    required: false,
    maxFields: questionFormFields,
    checkFields: (req) => {
      const current = req.res?.locals.bankQuestion as QuestionView | undefined;
      const body = current ? { ...req.body, type: current.content.type } : req.body;
      // A placeholder id: the file is not stored yet, and only its alt text is checked here.
      const uploaded = req.file ? '0'.repeat(24) : undefined;
      parseQuestionForm(body, questionFormImage(body, { uploaded, current: current?.content.image }));
    },
  });
  /** The bank (and the question) are checked before the form is read: nobody else may make the server take a file. */
  const bankFirst = (req: Request, _res: Response, next: NextFunction) =>
    bankContext(req.actor ?? null, id(req)).then(() => next(), next);
  const questionFirst = (req: Request, res: Response, next: NextFunction) =>
    getQuestion(req.actor ?? null, id(req)).then(({ question }) => {
      res.locals.bankQuestion = question;
      next();
    }, next);
  /** Said beside the image field when the form comes back: the file chosen was not kept, and must be chosen again. */
  const imageNotKept = (req: Request) => req.method === 'POST' && Boolean(req.file);

  /** The type the form is for: posted (the hidden field), else asked (`?type=`); undefined shows the type chooser. */
  const typeOf = (req: Request) => {
    const asked = formType.safeParse((req.body as { type?: unknown } | undefined)?.type ?? req.query.type);
    return asked.success ? asked.data : undefined;
  };
  const newLocals = async (req: Request) => {
    const context = await bankContext(req.actor!, id(req));
    const type = typeOf(req);
    return {
      title: req.t('assessments.bank.new'),
      ...context,
      question: null,
      type,
      types: questionTypes,
      unitRef,
      imageMaxMb: files.maxMb.image,
      imageNotKept: imageNotKept(req),
      values: { type, shuffle: 'on', points: '1' },
    };
  };
  web.get('/programs/:id/questions/new', requireLogin, showForm('assessments/form', newLocals));
  web.post(
    '/programs/:id/questions',
    requireLogin,
    bankFirst,
    form('assessments/form', newLocals),
    acceptQuestionImage,
    async (req, res) => {
      const upload = req.storedFile;
      const content = parseQuestionForm(req.body, questionFormImage(req.body, { uploaded: upload?.id }));
      const question = await createQuestion(req.actor!, id(req), content, { upload });
      res.redirect(303, `/questions/${question.id}?saved=created`);
    },
  );

  const editLocals = async (req: Request) => {
    const { question } = await getQuestion(req.actor!, id(req));
    const context = await bankContext(req.actor!, question.program);
    return {
      title: req.t('assessments.bank.edit'),
      ...context,
      question,
      type: question.content.type,
      types: questionTypes,
      unitRef,
      imageMaxMb: files.maxMb.image,
      imageNotKept: imageNotKept(req),
      values: questionToForm(question.content, question.revision),
    };
  };
  web.get('/questions/:id/edit', requireLogin, showForm('assessments/form', editLocals));
  web.post(
    '/questions/:id',
    requireLogin,
    questionFirst,
    form('assessments/form', editLocals),
    acceptQuestionImage,
    async (req, res) => {
      // The type is the stored one: a form cannot turn a question into another type's half-filled shape.
      const question = res.locals.bankQuestion as QuestionView;
      const body = { ...req.body, type: question.content.type };
      const upload = req.storedFile;
      const content = parseQuestionForm(body, questionFormImage(body, { uploaded: upload?.id, current: question.content.image }));
      const { revision } = parseInput(formRevision, req.body);
      await updateQuestion(req.actor!, id(req), content, revision, { upload });
      res.redirect(303, `/questions/${id(req)}?saved=updated`);
    },
  );
  web.post('/questions/:id/delete', requireLogin, async (req, res) => {
    const programId = await deleteQuestion(req.actor!, id(req));
    res.redirect(303, `/programs/${programId}/questions?saved=deleted`);
  });

  // --- images -------------------------------------------------------------------------------------
  /**
   * A question's image, to its bank's editors and to whom the quizzes vouch for (bank.ts
   * canSeeQuestionImage); `?w=480` is a narrower copy, as for lesson images. The file id is in the
   * address, not looked up from the question: an attempt keeps showing the picture it was given
   * after the question's image is replaced.
   */
  web.get('/questions/:id/images/:fileId', requireLogin, async (req, res) => {
    const fileId = await questionImageFile(req.actor!, id(req), id(req, 'fileId'));
    await files.sendRequestedFile(req, res, await files.findStoredFile(fileId));
  });

  // --- preview --------------------------------------------------------------------------------------
  web.get('/questions/:id', requireLogin, async (req, res) => {
    const { question, program } = await getQuestion(req.actor!, id(req));
    const content: QuestionContent = question.content;
    res.render('assessments/question', {
      title: req.t('assessments.bank.preview'),
      program,
      question,
      content,
      html: renderMarkdown(content.text),
      unitTags,
      // What full marks take, graded as a trainee's answer would be: the author sees grading work.
      fullMarks: content.type === 'essay' ? null : gradeResponse(content, correctResponse(content)),
      saved: req.query.saved,
    });
  });

  // --- import and export ------------------------------------------------------------------------
  const importLocals = async (req: Request) => ({
    title: req.t('assessments.bank.import.title'),
    ...(await bankContext(req.actor!, id(req))),
    report: null,
  });
  web.get('/programs/:id/questions/import', requireLogin, showForm('assessments/import', importLocals));
  web.post(
    '/programs/:id/questions/import',
    requireLogin,
    form('assessments/import', importLocals),
    // The bank is checked before the file is read: nobody else may make the server read one.
    async (req, _res, next) => bankContext(req.actor ?? null, id(req)).then(() => next(), next),
    acceptImportFile,
    async (req: Request, res: Response) => {
      const input = parseInput(importInput, req.body ?? {});
      const text = req.file ? req.file.buffer.toString('utf8') : input.text;
      if (!text.trim()) throw new ValidationError([{ field: 'text', key: 'assessments.bank.import.missing' }]);
      const outcome = await importQuestions(req.actor!, id(req), {
        text,
        format: input.format || undefined,
        fileName: req.file?.originalname,
      });
      if (outcome.problems.length) {
        res.status(422).render('assessments/import', {
          ...(await importLocals(req)),
          values: { format: input.format, text: req.file ? '' : input.text },
          errors: {},
          report: { problems: problemLines(req, outcome), fileName: req.file?.originalname ?? null },
        });
        return;
      }
      res.redirect(303, `/programs/${id(req)}/questions?imported=${outcome.added}&existing=${outcome.existing}`);
    },
  );

  web.get('/programs/:id/questions/export', requireLogin, async (req, res) => {
    const query = parseInput(exportQuery, req.query);
    const file = await exportQuestions(req.actor!, id(req), { format: query.format, unit: query.unit || undefined });
    let text = file.text;
    // GIFT has comments: the questions it cannot hold are named at the top. Aiken has none, and
    // JSON holds everything: the count travels in a header, and the bank page says it beforehand.
    if (query.format === 'gift' && (file.skipped.length || file.imagesLeftOut)) {
      const header = file.skipped.map((skip) => `// ${req.t(skip.message)} ${skip.text}`);
      if (file.imagesLeftOut) header.push(`// ${req.t('assessments.bank.export.imagesLeftOut', { count: file.imagesLeftOut })}`);
      text = `${header.join('\n')}\n\n${text}`;
    }
    res.setHeader('X-Skipped-Questions', String(file.skipped.length));
    res.setHeader('X-Images-Left-Out', String(file.imagesLeftOut));
    res.attachment(file.fileName).type(file.contentType).send(text);
  });

  // --- API ----------------------------------------------------------------------------------------
  const tag = 'Question banks';
  api.endpoint(
    {
      method: 'get',
      path: '/programs/{id}/questions',
      summary: "A program's question bank, filtered by unit, type or tag, with the count per unit (its editors)",
      tag,
      access: 'user',
      query: bankFilter,
      response: bankList,
    },
    async ({ actor, params, query }) => {
      const { items, total, perUnit } = await listQuestions(actor, String(params.id), query);
      return { items, total, perUnit };
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/programs/{id}/questions',
      summary: "Adds a question to a program's bank; the same question twice is refused (409)",
      tag,
      access: 'user',
      body: questionBody,
      response: questionView,
      status: 201,
    },
    async ({ actor, params, body }) => createQuestion(actor, String(params.id), body.content),
  );
  api.endpoint(
    {
      method: 'get',
      path: '/questions/{id}',
      summary: 'One question of a bank',
      tag,
      access: 'user',
      response: questionView,
    },
    async ({ actor, params }) => (await getQuestion(actor, String(params.id))).question,
  );
  api.endpoint(
    {
      method: 'put',
      path: '/questions/{id}',
      summary: 'Replaces a question (one revision up); 409 if it changed since `revision` or now equals another question',
      tag,
      access: 'user',
      body: questionUpdateBody,
      response: questionView,
    },
    async ({ actor, params, body }) => updateQuestion(actor, String(params.id), body.content, body.revision),
  );
  api.endpoint(
    {
      method: 'delete',
      path: '/questions/{id}',
      summary: 'Deletes a question of a bank',
      tag,
      access: 'user',
    },
    async ({ actor, params }) => {
      await deleteQuestion(actor, String(params.id));
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/programs/{id}/question-imports',
      summary:
        'Imports GIFT, Aiken or JSON text, all or nothing: any problem stores nothing and is answered 422 with each line; questions already in the bank are counted, not added',
      tag,
      access: 'user',
      body: importInput.extend({
        text: z
          .string()
          .min(1)
          .max(1024 * 1024),
      }),
      response: importReport,
      status: 201,
    },
    async ({ actor, params, body, req }) => {
      const outcome = await importQuestions(actor, String(params.id), { text: body.text, format: body.format || undefined });
      if (outcome.problems.length) {
        throw new ValidationError(
          problemLines(req, outcome).map((problem) => ({
            field: `line ${problem.line}${problem.field ? ` (${problem.field})` : ''}`,
            key: 'assessments.bank.import.problem',
            params: { message: problem.message },
          })),
        );
      }
      return { format: outcome.format!, added: outcome.added, existing: outcome.existing };
    },
  );
}

/** The response that earns full marks: what the preview grades to show the author the key. */
export function correctResponse(content: QuestionContent): QuestionResponse | null {
  switch (content.type) {
    case 'single':
      return content.options.find((option) => option.correct)?.id ?? null;
    case 'multiple':
      return content.options.filter((option) => option.correct).map((option) => option.id);
    case 'trueFalse':
      return content.answer;
    case 'shortAnswer':
      return content.answers.find((answer) => answer.fraction === 1)?.text ?? null;
    case 'numeric':
      return content.answers.find((answer) => answer.fraction === 1)?.value ?? null;
    case 'matching':
      return Object.fromEntries(content.pairs.map((pair) => [pair.id, pair.match]));
    default:
      return null;
  }
}
