import { stringify } from 'csv-stringify/sync';
import type { Request } from 'express';
import type { TFunction } from 'i18next';
import { z } from 'zod';
import type { FeatureContext } from '../../app.js';
import { requireLogin } from '../../auth/passport.js';
import { spreadsheetSafe } from '../../platform/text.js';
import { parseInput } from '../../platform/validation.js';
import { cellStates, cohortGradebook, type Gradebook, type MyResults, myResults } from './gradebook.js';
import { verdictStatuses } from './model.js';

const views = 'assessments/results';
const param = (req: Request, name: string) => String(req.params[name]);

/** The gradebook's filter: one unit's column, trainees with a cell in one state; empty means all. */
const gradebookQuery = z.object({
  unit: z.string().trim().toUpperCase().max(40).default(''),
  state: z.union([z.literal(''), z.enum(cellStates)]).default(''),
});
const filterOf = (query: z.output<typeof gradebookQuery>) => ({
  unit: query.unit || undefined,
  state: query.state || undefined,
});

// --- API shapes ---------------------------------------------------------------------------------

const title = z.object({ id: z.string(), en: z.string() });
const stateCounts = z.object(
  Object.fromEntries(cellStates.map((state) => [state, z.number().int()])) as Record<(typeof cellStates)[number], z.ZodNumber>,
);
const gradebookView = z.object({
  cohort: z.object({ id: z.string(), name: z.string() }),
  units: z.array(
    z.object({
      code: z.string(),
      title,
      criteria: z.number().int().describe('performance criteria of the unit'),
      quizzes: z.number().int().describe('quizzes of the cohort on the unit'),
      counts: stateCounts.describe("the cohort's trainees in each state (whatever the filter)"),
    }),
  ),
  rows: z.array(
    z.object({
      trainee: z.object({ id: z.string(), name: z.string(), email: z.string() }),
      cells: z.array(
        z.object({
          unit: z.string(),
          state: z.enum(cellStates).describe('the confirmed verdict (K, BK), else the proposal, else incomplete'),
          verdict: z
            .object({ status: z.enum(verdictStatuses), reason: z.string(), byName: z.string(), at: z.string() })
            .nullable(),
          proposed: z.enum(verdictStatuses).nullable().describe('what the evidence proposes now (null: incomplete)'),
          reassessment: z.boolean().describe('a re-assessment is open after a BK verdict'),
          criteria: z.object({ met: z.number().int(), total: z.number().int() }),
          quizzes: z.object({ passed: z.number().int(), total: z.number().int() }),
        }),
      ),
    }),
  ),
  total: z.number().int().describe("the cohort's trainees (enrolled or graduated), before the state filter"),
});

const myResultsView = z.object({
  cohort: z.object({ id: z.string(), name: z.string() }),
  units: z.array(
    z.object({
      code: z.string(),
      title,
      state: z.enum([...verdictStatuses, 'none']),
      verdict: z.object({ status: z.enum(verdictStatuses), reason: z.string(), at: z.string() }).nullable(),
      reassessment: z
        .object({ note: z.string(), at: z.string() })
        .nullable()
        .describe('an open re-assessment after a BK verdict: what to show again'),
      criteria: z.object({ met: z.number().int(), total: z.number().int() }),
      quizzes: z.array(
        z.object({
          id: z.string(),
          title: z.string(),
          taken: z.boolean(),
          attempts: z.number().int(),
          at: z.string().nullable(),
          score: z
            .discriminatedUnion('shown', [
              z.object({ shown: z.literal(true), percent: z.number().nullable(), passed: z.boolean().nullable() }),
              z.object({ shown: z.literal(false), reason: z.enum(['afterClose', 'never']) }),
            ])
            .describe("the counting attempt's score, when the quiz's review settings show it"),
        }),
      ),
      evidence: z.array(
        z.object({
          source: z.enum(['assignment', 'observation']),
          id: z.string(),
          title: z.string(),
          at: z.string(),
          link: z.string().nullable().describe("the trainee's page of it, with the assessor's comments"),
          criteria: z.array(z.object({ ref: z.string(), no: z.string(), text: z.string(), met: z.boolean() })),
        }),
      ),
    }),
  ),
});

const apiGradebook = (book: Gradebook): z.input<typeof gradebookView> => ({
  cohort: { id: book.cohort.id, name: book.cohort.name },
  units: book.units,
  rows: book.rows.map((row) => ({
    trainee: row.trainee,
    cells: row.cells.map((cell) => ({
      ...cell,
      verdict: cell.verdict ? { ...cell.verdict, at: cell.verdict.at.toISOString() } : null,
    })),
  })),
  total: book.total,
});

const apiMyResults = (results: MyResults): z.input<typeof myResultsView> => ({
  cohort: { id: results.cohort.id, name: results.cohort.name },
  units: results.units.map((unit) => ({
    ...unit,
    verdict: unit.verdict ? { ...unit.verdict, at: unit.verdict.at.toISOString() } : null,
    reassessment: unit.reassessment ? { ...unit.reassessment, at: new Date(unit.reassessment.at).toISOString() } : null,
    quizzes: unit.quizzes.map((quiz) => ({ ...quiz, at: quiz.at?.toISOString() ?? null })),
    evidence: unit.evidence.map((evidence) => ({ ...evidence, at: new Date(evidence.at).toISOString() })),
  })),
});

// --- CSV ----------------------------------------------------------------------------------------

/**
 * The gradebook as a spreadsheet reads it: a row per trainee, three columns per unit (the state in
 * words, criteria met, quizzes passed as plain numbers, the totals in the header so no cell reads
 * as a date). Every text cell goes through spreadsheetSafe: a trainee named "=HYPERLINK(...)" stays
 * text. UTF-8 with a byte-order mark and CRLF, as Excel opens it.
 */
function gradebookCsv(book: Gradebook, t: TFunction): string {
  const C = 'assessments.gradebook.csvColumns.';
  const header = [t(`${C}name`), t(`${C}email`)];
  for (const unit of book.units)
    header.push(
      t(`${C}state`, { unit: unit.code }),
      t(`${C}criteria`, { unit: unit.code, total: unit.criteria }),
      t(`${C}quizzes`, { unit: unit.code, total: unit.quizzes }),
    );
  const lines: (string | number)[][] = [header.map(spreadsheetSafe)];
  for (const row of book.rows) {
    const line: (string | number)[] = [spreadsheetSafe(row.trainee.name), spreadsheetSafe(row.trainee.email)];
    for (const cell of row.cells)
      line.push(spreadsheetSafe(t(`assessments.gradebook.state.${cell.state}`)), cell.criteria.met, cell.quizzes.passed);
    lines.push(line);
  }
  return `\uFEFF${stringify(lines, { record_delimiter: 'windows' })}`;
}

export function registerGradebookRoutes({ web, api }: Pick<FeatureContext, 'web' | 'api'>): void {
  // --- the cohort's gradebook (its staff) ---------------------------------------------------------
  web.get('/cohorts/:cohortId/gradebook', requireLogin, async (req, res) => {
    const book = await cohortGradebook(req.actor!, param(req, 'cohortId'), filterOf(parseInput(gradebookQuery, req.query)));
    res.render(`${views}/gradebook`, { title: `${req.t('assessments.gradebook.title')} · ${book.cohort.name}`, ...book });
  });

  web.get('/cohorts/:cohortId/gradebook.csv', requireLogin, async (req, res) => {
    const book = await cohortGradebook(req.actor!, param(req, 'cohortId'), filterOf(parseInput(gradebookQuery, req.query)));
    res
      .attachment(`kompeten-gradebook-${new Date().toISOString().slice(0, 10)}.csv`)
      .type('text/csv; charset=utf-8')
      .send(gradebookCsv(book, req.t));
  });

  // --- the trainee's own results ------------------------------------------------------------------
  web.get('/learn/:cohortId/results', requireLogin, async (req, res) => {
    const results = await myResults(req.actor!, param(req, 'cohortId'));
    res.render(`${views}/myResults`, { title: req.t('assessments.myResults.title'), ...results });
  });

  // --- API ----------------------------------------------------------------------------------------
  const tag = 'Results';
  api.endpoint(
    {
      method: 'get',
      path: '/cohorts/{id}/gradebook',
      summary:
        "A cohort's gradebook (its staff): per trainee (by name) and unit the confirmed verdict, else the proposal, with criteria met and quizzes passed; per unit the count in each state",
      tag,
      access: 'user',
      query: gradebookQuery,
      response: gradebookView,
    },
    async ({ actor, params, query }) => apiGradebook(await cohortGradebook(actor, String(params.id), filterOf(query))),
  );
  api.endpoint(
    {
      method: 'get',
      path: '/cohorts/{id}/my-results',
      summary:
        "The trainee's own results in a cohort they study in: per unit the verdict (with its reason when BK), each quiz's counting result as its review settings allow, and each piece of evidence's criteria met or not yet",
      tag,
      access: 'user',
      response: myResultsView,
    },
    async ({ actor, params }) => apiMyResults(await myResults(actor, String(params.id))),
  );
}
