import { parentPort, workerData } from 'node:worker_threads';

/**
 * The exam burst's trainees, in a worker thread of their own (so their requests, JSON and clocks
 * do not run on the app's event loop). Node's fetch keeps no limit of connections per server: every
 * trainee's request is in flight at once, each on its own keep-alive connection. The main thread
 * asks for one phase at a time and gets its figures back:
 * - start: every trainee POSTs /quizzes/:id/attempts at the same moment;
 * - save: every trainee answers its questions one by one, each as one POST /answers carrying one
 *   answer (as quiz.js sends what its queue holds), the next as soon as the last was acknowledged;
 *   so all trainees' saves are in flight together, interleaved;
 * - submit: every trainee POSTs /submission with an Idempotency-Key at the same moment, and some
 *   send the same request twice at once (a double click): they must get one grade.
 */

export type ClientData = {
  appUrl: string;
  quiz: string;
  trainees: { id: string; token: string }[];
  /** Every n-th trainee submits twice at once. */
  duplicateEvery: number;
};
export type Phase = 'start' | 'save' | 'submit';
export type Ack = { attempt: string; question: string; response: unknown };
export type PhaseResult = {
  phase: Phase;
  requests: number;
  seconds: number;
  /** Latencies in ms, sorted. */
  latencies: number[];
  /** Responses by status (0: no response), and what went wrong, a few of each kind. */
  statuses: Record<string, number>;
  errors: number;
  samples: string[];
  /** save: the answers the server said it saved. */
  acks?: Ack[];
  /** submit: the double submits and how they agreed. */
  duplicates?: { pairs: number; agreed: number; inProgress: number; disagreed: number };
  /** submit: the score each attempt was given (first answer). */
  scores?: Record<string, number | null>;
};

type Question = { id: string; type: string; options: { id: string }[]; pairs: { id: string }[]; choices: string[] };
type Started = { attempt: { id: string; status: string }; questions: Question[] };

const data = workerData as ClientData;
/** Tries of a request answered 503 or not at all. */
const retries = 5;
const attempts = new Map<string, Started>();
const headersOf = (token: string) => ({
  authorization: `Bearer ${token}`,
  'content-type': 'application/json',
  accept: 'application/json',
  // As behind the TLS proxy in production (see measure.ts: overHttps).
  'x-forwarded-proto': 'https',
});

/** An answer to a question, as a trainee's device would send it. */
function responseTo(question: Question, n: number): unknown {
  switch (question.type) {
    case 'single':
      return question.options[n % question.options.length]!.id;
    case 'multiple':
      return question.options.slice(0, 1 + (n % 2)).map((option) => option.id);
    case 'trueFalse':
      return n % 3 !== 0;
    case 'shortAnswer':
      return n % 2 ? 'Last In First Out' : 'last in first out ';
    case 'numeric':
      return 9 + (n % 2);
    case 'matching':
      return Object.fromEntries(
        question.pairs.map((pair, index) => [pair.id, question.choices[index % question.choices.length]]),
      );
    default:
      return null;
  }
}

class Recorder {
  latencies: number[] = [];
  statuses: Record<string, number> = {};
  errors = 0;
  samples: string[] = [];
  fail(what: string) {
    this.errors += 1;
    if (this.samples.length < 5) this.samples.push(what.slice(0, 300));
  }
  /**
   * One request; answered 503 (the app's request deadline: "the database is not answering") or not
   * at all, it is an error, and is sent again a second later, as quiz.js keeps an answer queued
   * until it is acknowledged (every request here is safe to repeat).
   */
  async call(method: string, path: string, token: string, body?: unknown, extra: Record<string, string> = {}) {
    for (let tries = 1; ; tries += 1) {
      const answer = await this.once(method, path, token, body, extra);
      if ((answer.status !== 503 && answer.status !== 0) || tries === retries) return answer;
      this.fail(`${method} ${path}: ${answer.status} ${answer.text}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  private async once(method: string, path: string, token: string, body: unknown, extra: Record<string, string>) {
    const start = performance.now();
    try {
      const response = await fetch(`${data.appUrl}/api/v1${path}`, {
        method,
        headers: { ...headersOf(token), ...extra },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      this.latencies.push(performance.now() - start);
      this.statuses[response.status] = (this.statuses[response.status] ?? 0) + 1;
      return { status: response.status, text };
    } catch (error) {
      this.latencies.push(performance.now() - start);
      this.statuses[0] = (this.statuses[0] ?? 0) + 1;
      return { status: 0, text: String(error) };
    }
  }
  result(phase: Phase, seconds: number, more: Partial<PhaseResult> = {}): PhaseResult {
    return {
      phase,
      requests: this.latencies.length,
      seconds,
      latencies: this.latencies.sort((a, b) => a - b),
      statuses: this.statuses,
      errors: this.errors,
      samples: this.samples,
      ...more,
    };
  }
}

async function start(): Promise<PhaseResult> {
  const recorder = new Recorder();
  const begin = performance.now();
  await Promise.all(
    data.trainees.map(async (trainee) => {
      const { status, text } = await recorder.call('POST', `/quizzes/${data.quiz}/attempts`, trainee.token);
      if (status !== 201) return recorder.fail(`start ${status} ${text}`);
      const started = JSON.parse(text) as Started;
      if (started.attempt.status !== 'open' || started.questions.length !== 20)
        return recorder.fail(`start gave ${started.attempt.status} with ${started.questions.length} questions`);
      attempts.set(trainee.id, started);
    }),
  );
  return recorder.result('start', (performance.now() - begin) / 1000);
}

async function save(): Promise<PhaseResult> {
  const recorder = new Recorder();
  const acks: Ack[] = [];
  const begin = performance.now();
  await Promise.all(
    data.trainees.map(async (trainee, t) => {
      const started = attempts.get(trainee.id);
      if (!started) return;
      const id = started.attempt.id;
      for (const [n, question] of started.questions.entries()) {
        const response = responseTo(question, t + n);
        const now = new Date().toISOString();
        const { status, text } = await recorder.call('POST', `/quiz-attempts/${encodeURIComponent(id)}/answers`, trainee.token, {
          answers: [{ question: question.id, response, answeredAt: now, sentAt: now }],
        });
        if (status !== 200) {
          recorder.fail(`save ${status} ${text}`);
          continue;
        }
        const outcome = (JSON.parse(text) as { outcomes: { question: string; outcome: string }[] }).outcomes[0];
        if (outcome?.outcome === 'saved' && outcome.question === question.id)
          acks.push({ attempt: id, question: question.id, response });
        else recorder.fail(`save answered ${text}`);
      }
    }),
  );
  return recorder.result('save', (performance.now() - begin) / 1000, { acks });
}

type Submitted = { status: number; score: number | null; graded: string };

async function submit(): Promise<PhaseResult> {
  const recorder = new Recorder();
  const duplicates = { pairs: 0, agreed: 0, inProgress: 0, disagreed: 0 };
  const scores: Record<string, number | null> = {};
  const begin = performance.now();
  const once = async (trainee: ClientData['trainees'][number], id: string): Promise<Submitted> => {
    const { status, text } = await recorder.call(
      'POST',
      `/quiz-attempts/${encodeURIComponent(id)}/submission`,
      trainee.token,
      { answers: [] },
      { 'idempotency-key': `ujian-${id}` },
    );
    if (status !== 200) return { status, score: null, graded: text };
    const body = JSON.parse(text) as { attempt: { status: string; score: number | null } };
    return { status, score: body.attempt.score, graded: body.attempt.status };
  };
  await Promise.all(
    data.trainees.map(async (trainee, t) => {
      const started = attempts.get(trainee.id);
      if (!started) return;
      const id = started.attempt.id;
      const twice = t % data.duplicateEvery === 0;
      const [first, second] = await Promise.all([once(trainee, id), twice ? once(trainee, id) : undefined]);
      let answers = [first, ...(second ? [second] : [])];
      if (second) {
        duplicates.pairs += 1;
        // 409: the first was still being handled (the IETF draft's answer); the retry then gets the result.
        const busy = answers.filter((answer) => answer.status === 409).length;
        if (busy === 1) {
          duplicates.inProgress += 1;
          answers = [...answers.filter((answer) => answer.status !== 409), await once(trainee, id)];
        }
      }
      const failed = answers.filter((answer) => answer.status !== 200 || answer.graded !== 'graded');
      for (const answer of failed) recorder.fail(`submit ${answer.status} ${answer.graded}`);
      if (failed.length) return;
      scores[id] = first.status === 200 ? first.score : answers[0]!.score;
      if (second) {
        if (answers.every((answer) => answer.score === answers[0]!.score)) duplicates.agreed += 1;
        else {
          duplicates.disagreed += 1;
          recorder.fail(`double submit of ${id} gave scores ${answers.map((answer) => answer.score).join(' and ')}`);
        }
      }
    }),
  );
  return recorder.result('submit', (performance.now() - begin) / 1000, { duplicates, scores });
}

const phases: Record<Phase, () => Promise<PhaseResult>> = { start, save, submit };
parentPort!.on('message', async (phase: Phase) => {
  parentPort!.postMessage(await phases[phase]());
});
