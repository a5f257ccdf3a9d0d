import { performance as nodePerformance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { CommandStartedEvent, CommandSucceededEvent, Document } from 'mongodb';
import { MongoClient } from 'mongodb';
import { type AttemptDoc, QuizAnswer, QuizAttempt } from '../src/assessments/quizzes/model.js';
import { databaseClients } from '../src/platform/db/connect.js';
import type { Ack, ClientData, Phase, PhaseResult } from './examClient.js';
import { type ExamSeed, seedExam } from './examSeed.js';

/**
 * The exam burst: `trainees` trainees of one cohort start the same 20-question quiz at once, answer
 * it with autosave (one request an answer, all trainees at once), and submit at once, some of them
 * twice (examClient.ts drives them from a worker thread). Then the database is asked what it holds:
 * every answer acknowledged as saved must be stored, as sent, and nothing else; every attempt
 * graded once. The floor is the same answer documents written by the driver alone: the stored
 * ones, inserted with the same concurrency (a sequence of 20 per trainee, all trainees at once)
 * into a fresh collection of the same database with the same index.
 */

const questionsPerQuiz = 20;
/** Every 10th trainee submits twice at once (a double click). */
const duplicateEvery = 10;

export type Figures = { requests: number; seconds: number; perSecond: number; p50: number; p95: number; p99: number };
export type ExamBurstReport = {
  trainees: number;
  timings: ExamSeed['timings'];
  phases: Record<Phase, Figures & { errors: number; statuses: Record<string, number>; samples: string[] }>;
  /** Commands the app sent to the database in each phase, per request, by command and collection, and their mean ms. */
  commands: Record<Phase, Record<string, CommandCount>>;
  /** Share of each phase the app's event loop was busy (1: the app's JavaScript was the bottleneck). */
  eventLoop: Record<Phase, number>;
  acknowledged: number;
  stored: number;
  /** Stored answers whose response is not the one acknowledged, or stored without an acknowledgement. */
  mismatched: number;
  graded: number;
  attempts: number;
  duplicates: NonNullable<PhaseResult['duplicates']>;
  scoreMismatches: number;
  floor: Figures;
};

const at = (sorted: number[], quantile: number) => sorted[Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))] ?? 0;
const figures = (latencies: number[], seconds: number, requests = latencies.length): Figures => ({
  requests,
  seconds,
  perSecond: requests / seconds,
  p50: at(latencies, 0.5),
  p95: at(latencies, 0.95),
  p99: at(latencies, 0.99),
});

export type CommandCount = { count: number; ms: number };

/**
 * Counts the app's database commands while `work` runs, by command and collection, with the time
 * the database took for them (from sending to the answer: not the wait for a pooled connection),
 * and how busy the app's event loop was.
 */
async function countCommands<T>(work: () => Promise<T>) {
  const counts: Record<string, CommandCount> = {};
  const housekeeping = new Set(['endSessions', 'killCursors', 'ping', 'hello', 'isMaster']);
  const names = new Map<number, string>();
  const started = (event: CommandStartedEvent) => {
    if (housekeeping.has(event.commandName)) return;
    const key = `${event.commandName} ${String(event.command[event.commandName])}`;
    names.set(event.requestId, key);
    counts[key] ??= { count: 0, ms: 0 };
    counts[key].count += 1;
  };
  const succeeded = (event: CommandSucceededEvent) => {
    const key = names.get(event.requestId);
    names.delete(event.requestId);
    if (key) counts[key]!.ms += event.duration;
  };
  const clients = databaseClients();
  for (const client of clients) client.on('commandStarted', started).on('commandSucceeded', succeeded);
  const loop = nodePerformance.eventLoopUtilization();
  try {
    const result = await work();
    return { result, counts, eventLoop: nodePerformance.eventLoopUtilization(loop).utilization };
  } finally {
    for (const client of clients) client.off('commandStarted', started).off('commandSucceeded', succeeded);
  }
}

/** Runs `task` over `items`, `parallel` at a time. */
async function inParallel<T, R>(items: T[], parallel: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await task(items[index]!);
      }
    }),
  );
  return results;
}

/** The driver alone: the stored answers inserted again, a sequence per attempt, every attempt at once. */
async function measureFloor(databaseUri: string, byAttempt: Document[][]): Promise<Figures> {
  const client = await MongoClient.connect(databaseUri);
  const name = `bench_exam_floor_${Date.now()}`;
  try {
    const collection = client.db().collection(name);
    await collection.createIndex({ attempt: 1 }); // as QuizAnswer's (its GIN twin too, on FerretDB)
    const latencies: number[] = [];
    const begin = performance.now();
    await Promise.all(
      byAttempt.map(async (docs) => {
        for (const doc of docs) {
          const start = performance.now();
          await collection.insertOne(doc);
          latencies.push(performance.now() - start);
        }
      }),
    );
    const seconds = (performance.now() - begin) / 1000;
    const written = await collection.countDocuments({}, { comment: 'scan: the bench counts its own floor collection' });
    if (written !== latencies.length) throw new Error(`The floor wrote ${written} of ${latencies.length} documents`);
    return figures(
      latencies.sort((a, b) => a - b),
      seconds,
    );
  } finally {
    await client
      .db()
      .dropCollection(name)
      .catch(() => undefined);
    await client.close();
  }
}

export async function runExamBurst(options: {
  appUrl: string;
  databaseUri: string;
  trainees: number;
  say: (line: string) => void;
}): Promise<ExamBurstReport> {
  const { say, trainees } = options;
  const seed = await seedExam(trainees, say);
  const worker = new Worker(new URL('./examClient.ts', import.meta.url), {
    workerData: { appUrl: options.appUrl, quiz: seed.quiz, trainees: seed.trainees, duplicateEvery } satisfies ClientData,
  });
  const failed = new Promise<never>((_, reject) => worker.once('error', reject));
  const run = (phase: Phase) =>
    countCommands(() =>
      Promise.race([
        failed,
        new Promise<PhaseResult>((resolve) => {
          worker.once('message', resolve);
          worker.postMessage(phase);
        }),
      ]),
    );
  try {
    const results = {} as Record<Phase, PhaseResult>;
    const commands = {} as Record<Phase, Record<string, CommandCount>>;
    const eventLoop = {} as Record<Phase, number>;
    for (const [phase, what] of [
      ['start', `${trainees} trainees start the quiz at once`],
      ['save', `${trainees} trainees answer ${questionsPerQuiz} questions, one request an answer, all at once`],
      ['submit', `${trainees} trainees submit at once, every ${duplicateEvery}th twice`],
    ] as const) {
      say(`Exam burst: ${what}...`);
      const { result, counts, eventLoop: busy } = await run(phase);
      results[phase] = result;
      eventLoop[phase] = busy;
      commands[phase] = Object.fromEntries(
        Object.entries(counts)
          .sort(([, a], [, b]) => b.count - a.count)
          .map(([key, { count, ms }]) => [key, { count: count / Math.max(1, result.requests), ms: ms / count }]),
      );
      say(`  ${result.requests} requests in ${result.seconds.toFixed(1)} s, ${result.errors} errors`);
    }

    say('Exam burst: counting what the database holds...');
    const attempts = await QuizAttempt.find({ quiz: seed.quiz }).limit(10_000).lean<AttemptDoc[]>();
    const stored = await inParallel(attempts, 8, (attempt) =>
      QuizAnswer.collection.find({ attempt: attempt._id }).limit(1_000).toArray(),
    );
    const acks = results.save.acks ?? [];
    const acked = new Map(acks.map((ack: Ack) => [`${ack.attempt}:${ack.question}`, JSON.stringify(ack.response)]));
    let mismatched = 0;
    for (const doc of stored.flat()) if (acked.get(String(doc._id)) !== JSON.stringify(doc.response)) mismatched += 1;
    const scores = results.submit.scores ?? {};
    const graded = attempts.filter(
      (attempt) => attempt.status === 'graded' && attempt.submission?.key === `ujian-${attempt._id}`,
    );
    // Only where the client was given a grade (a trainee whose submit failed was not).
    const scoreMismatches = graded.filter((attempt) => attempt._id in scores && scores[attempt._id] !== attempt.score).length;

    say(`Exam burst floor: the ${stored.flat().length} stored answers inserted again by the driver alone...`);
    const floor = await measureFloor(options.databaseUri, stored);
    const phase = (result: PhaseResult) => ({
      ...figures(result.latencies, result.seconds),
      errors: result.errors,
      statuses: result.statuses,
      samples: result.samples,
    });
    return {
      trainees,
      timings: seed.timings,
      phases: { start: phase(results.start), save: phase(results.save), submit: phase(results.submit) },
      commands,
      eventLoop,
      acknowledged: acks.length,
      stored: stored.flat().length,
      mismatched,
      graded: graded.length,
      attempts: attempts.length,
      duplicates: results.submit.duplicates ?? { pairs: 0, agreed: 0, inProgress: 0, disagreed: 0 },
      scoreMismatches,
      floor,
    };
  } finally {
    await worker.terminate();
  }
}

const ms = (value: number) => (value < 1 ? '<1' : value.toFixed(0));

export function printExamBurst(report: ExamBurstReport, say: (line: string) => void): void {
  const { phases, floor } = report;
  const header = ['exam burst', 'requests', 'seconds', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'errors'];
  const rows = [
    ...(['start', 'save', 'submit'] as const).map((name) => {
      const row = phases[name];
      return [
        name,
        String(row.requests),
        row.seconds.toFixed(1),
        row.perSecond.toFixed(0),
        ms(row.p50),
        ms(row.p95),
        ms(row.p99),
        String(row.errors),
      ];
    }),
    [
      'floor: insertOne',
      String(floor.requests),
      floor.seconds.toFixed(1),
      floor.perSecond.toFixed(0),
      ms(floor.p50),
      ms(floor.p95),
      ms(floor.p99),
      '0',
    ],
  ];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const format = (cells: string[]) =>
    cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  say(`\n${[format(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(format)].join('\n')}`);
  const errors = phases.start.errors + phases.save.errors + phases.submit.errors;
  const ratio = phases.save.perSecond / floor.perSecond;
  say(
    `Exam burst: ${report.trainees} trainees, ${errors} errors; answers acknowledged ${report.acknowledged}, stored ${report.stored}` +
      `${report.acknowledged === report.stored && !report.mismatched ? ' (equal)' : ` (NOT EQUAL; ${report.mismatched} differ)`}; ` +
      `attempts graded ${report.graded} of ${report.attempts}`,
  );
  const { duplicates } = report;
  say(
    `  double submits: ${duplicates.pairs}, one grade each: ${duplicates.agreed}` +
      ` (${duplicates.inProgress} answered 409 in progress, then the result)${report.scoreMismatches ? `; ${report.scoreMismatches} scores differ from the stored` : ''}`,
  );
  say(
    `  saves ${phases.save.perSecond.toFixed(0)}/s = ${ratio.toFixed(2)}x the write floor (aim: 0.5x); start p95 ${(phases.start.p95 / 1000).toFixed(2)} s (aim: under 2 s)`,
  );
  for (const name of ['start', 'save', 'submit'] as const) {
    const per = Object.entries(report.commands[name])
      .map(([key, { count, ms }]) => `${count.toFixed(count % 1 ? 2 : 0)} ${key} (${ms.toFixed(0)} ms)`)
      .join(', ');
    say(
      `  ${name}: app event loop busy ${(report.eventLoop[name] * 100).toFixed(0)}%; database commands a request (mean time each): ${per}`,
    );
    const { samples, statuses } = phases[name];
    if (samples.length) say(`  ${name} statuses ${JSON.stringify(statuses)}; first errors: ${samples.join(' | ')}`);
  }
  for (const timing of report.timings) say(`  seed: ${timing.name}: ${timing.seconds.toFixed(1)} s`);
}
