import { Enrollment } from '../src/enrolment/model.js';
import { demoPassword } from '../src/seed/demo.js';
import { overHttps, type Row, type Varied } from './measure.js';
import type { LearningSeed } from './seedLearning.js';

/**
 * The lesson-completion benchmark: POST /api/v1/progress as a phone's lesson page sends it, each
 * request completing a lesson its trainee has not done, so every one is a real write (`$addToSet`
 * of a new lesson). Requests go round the trainees (each in another cohort) and, for each, on
 * through the lessons they still have to do. Clients authenticate with bearer tokens, issued by
 * POST /api/v1/auth/token as an API client gets them, so no CSRF token is needed.
 */

export const progressPath = '/api/v1/progress';
const tokenPath = '/api/v1/auth/token';
/** Token requests at a time: each verifies an argon2 hash (19 MiB), and the machine has two cores. */
export const tokenConcurrency = 2;

type Trainee = LearningSeed['progressTrainees'][number];

export type CompletionCheck = {
  trainees: number;
  /** Completions the plan holds: a request each. */
  planned: number;
  /** Requests the run may have sent (an upper bound: some items are skipped between runs). */
  used: number;
  before: number;
  after: number;
  /** Responses in the measured period, each of which completed a new lesson. */
  measuredResponses: number;
};

async function issueToken(appUrl: string, email: string): Promise<string> {
  const response = await fetch(`${appUrl}${tokenPath}`, {
    method: 'POST',
    headers: { ...overHttps, 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: demoPassword, name: 'bench' }),
  });
  const body = (await response.json()) as { token?: string };
  if (response.status !== 201 || !body.token) throw new Error(`${tokenPath} for ${email} answered ${response.status}`);
  return body.token;
}

/** Lessons completed in the trainees' enrolments, as stored. */
async function completedCount(trainees: Trainee[]): Promise<number> {
  const ids = trainees.map((trainee) => trainee.enrollment);
  const docs = await Enrollment.find({ _id: { $in: ids } }, { 'progress.completed': 1 }).lean<
    { progress?: { completed?: string[] } }[]
  >();
  if (docs.length !== trainees.length) throw new Error(`Found ${docs.length} of ${trainees.length} enrolments`);
  return docs.reduce((sum, doc) => sum + (doc.progress?.completed?.length ?? 0), 0);
}

export async function prepareCompletions(appUrl: string, trainees: Trainee[]) {
  if (!trainees.length) throw new Error('No trainees for the completion benchmark');
  const start = performance.now();
  const tokens: string[] = [];
  for (let first = 0; first < trainees.length; first += tokenConcurrency) {
    const batch = trainees.slice(first, first + tokenConcurrency);
    tokens.push(...(await Promise.all(batch.map((trainee) => issueToken(appUrl, trainee.email)))));
  }
  const tokenSeconds = (performance.now() - start) / 1000;

  const items: Varied['items'] = [];
  const longest = Math.max(...trainees.map((trainee) => trainee.remaining.length));
  for (let step = 0; step < longest; step += 1) {
    trainees.forEach((trainee, index) => {
      const lesson = trainee.remaining[step];
      if (!lesson) return;
      // The enrolment's _id is "<cohort>:<trainee>"; an event names the account that made it.
      const account = trainee.enrollment.split(':')[1];
      const event = {
        id: `bench-${step}`,
        account,
        cohort: trainee.cohort,
        lesson,
        kind: 'complete',
        via: 'text',
        at: new Date(),
      };
      items.push({ headers: { authorization: `Bearer ${tokens[index]}` }, body: JSON.stringify({ events: [event] }) });
    });
  }
  const headers = { ...overHttps, 'content-type': 'application/json' };
  const before = await completedCount(trainees);

  // The first item, sent once, must be stored (a refused event answers 200 too, and writes nothing).
  const response = await fetch(`${appUrl}${progressPath}`, {
    method: 'POST',
    headers: { ...headers, ...items[0]!.headers },
    body: items[0]!.body,
  });
  const answer = (await response.json()) as { stored?: string[]; refused?: unknown[] };
  if (response.status !== 200 || answer.stored?.length !== 1 || answer.refused?.length !== 0) {
    throw new Error(`${progressPath} answered ${response.status} ${JSON.stringify(answer)}; refusing to benchmark it`);
  }
  const varied: Varied = { method: 'POST', items, next: 1 };

  /** Checks in the database that the completions were stored: one new lesson per request answered. */
  async function verify(row: Row): Promise<CompletionCheck> {
    const after = await completedCount(trainees);
    const check = {
      trainees: trainees.length,
      planned: items.length,
      used: varied.next,
      before,
      after,
      measuredResponses: row.requests,
    };
    const written = after - before;
    // Items wrap around once used up: then some requests repeated a completion and wrote nothing new.
    const wrapped = varied.next > items.length;
    if (written > Math.min(varied.next, items.length) || (!wrapped && written < row.requests + 2) || written <= 0) {
      throw new Error(`Completions in the database do not match the requests: ${JSON.stringify(check)}`);
    }
    return check;
  }
  /** Sends the next completion once, e.g. to record the database commands one request sends. */
  async function sendOne(): Promise<void> {
    const item = varied.items[varied.next % varied.items.length]!;
    varied.next += 1;
    const sent = await fetch(`${appUrl}${progressPath}`, {
      method: 'POST',
      headers: { ...headers, ...item.headers },
      body: item.body,
    });
    if (sent.status !== 200) throw new Error(`${progressPath} answered ${sent.status}`);
    await sent.arrayBuffer();
  }
  return { headers, varied, tokenSeconds, verify, sendOne };
}
