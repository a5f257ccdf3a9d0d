import { expect } from 'chai';
import {
  assessmentGradedStatement,
  durationOf,
  liveAttendedStatement,
  moduleCompletedStatements,
  registrationOf,
  type Setting,
  type Statement,
  verdictStatement,
  voidingStatement,
} from '../../src/xapi/statements.js';
import { uuidV5 } from '../../src/xapi/uuid.js';
import { validateStatement } from '../../src/xapi/validate.js';
import { eventsFor } from './events.js';

const base = 'https://lms.blk-bandung.example.id';
const program = { id: '65f000000000000000000001', title: 'Junior Web Programmer' };
const setting: Setting = { base, cohort: { name: 'Angkatan 3 2026', program } };
const expectValid = (statement: Statement) => expect(validateStatement(statement).errors).to.deep.equal([]);
const copy = (statement: Statement) => JSON.parse(JSON.stringify(statement)) as Record<string, unknown> & Statement;

describe('xAPI statements from the domain events', () => {
  const events = eventsFor();

  it('makes one "completed" statement per finished module, valid, naming the trainee by account only', () => {
    const modules = [
      { id: '65f0000000000000000000a1', title: 'Modul 1' },
      { id: '65f0000000000000000000a2', title: 'Modul 2' },
    ];
    const statements = moduleCompletedStatements(setting, events.lessonCompleted(modules));
    expect(statements).to.have.length(2);
    for (const statement of statements) expectValid(statement);
    const [first] = statements;
    expect(first!.verb.id).to.equal('http://adlnet.gov/expapi/verbs/completed');
    expect(first!.object).to.deep.equal({
      objectType: 'Activity',
      id: `${base}/modules/${modules[0]!.id}`,
      definition: { type: 'http://adlnet.gov/expapi/activities/module', name: { 'id-ID': 'Modul 1' } },
    });
    expect(first!.actor).to.deep.equal({ objectType: 'Agent', account: { homePage: base, name: events.trainee } });
    expect(JSON.stringify(first)).not.to.match(/mbox|@|nik/i);
    expect(first!.version).to.equal('1.0.3');
    expect(first!.timestamp).to.equal('2026-03-02T03:04:05.000Z');
    expect(first!.context).to.deep.include({ platform: 'Kompeten', language: 'id-ID' });
    expect(first!.context!.registration).to.equal(registrationOf(base, events.cohort, events.trainee));
    expect(first!.context!.contextActivities.parent[0]!.id).to.equal(`${base}/cohorts/${events.cohort}`);
    expect(first!.context!.contextActivities.parent[0]!.definition.name).to.deep.equal({ 'id-ID': 'Angkatan 3 2026' });
    expect(first!.context!.contextActivities.grouping![0]!.id).to.equal(`${base}/catalogue/${program.id}`);
    // The same event gives the same statements, ids included; another module another id.
    expect(moduleCompletedStatements(setting, events.lessonCompleted(modules))).to.deep.equal(statements);
    expect(statements[0]!.id).not.to.equal(statements[1]!.id);
    expect(moduleCompletedStatements(setting, events.lessonCompleted([]))).to.deep.equal([]);
  });

  it('reports a graded quiz as passed or failed with its score, and as "scored" where it has no pass mark', () => {
    const passed = assessmentGradedStatement(setting, events.graded({ score: 7.5, maxScore: 10, passed: true }));
    expectValid(passed);
    expect(passed.verb.id).to.equal('http://adlnet.gov/expapi/verbs/passed');
    expect(passed.result).to.deep.equal({ score: { raw: 7.5, min: 0, max: 10, scaled: 0.75 }, success: true, completion: true });
    expect(passed.object.id).to.match(new RegExp(`^${base}/quizzes/[0-9a-f]{24}$`));

    const failed = assessmentGradedStatement(
      setting,
      events.graded({ kind: 'assignment', score: 1, maxScore: 3, passed: false }),
    );
    expectValid(failed);
    expect(failed.verb.id).to.equal('http://adlnet.gov/expapi/verbs/failed');
    expect(failed.result!.success).to.equal(false);
    expect(failed.result!.score).to.deep.equal({ raw: 1, min: 0, max: 3, scaled: 0.3333 });
    expect(failed.object.id).to.contain('/assignments/');

    const scored = assessmentGradedStatement(setting, events.graded({ passed: null }));
    expectValid(scored);
    expect(scored.verb.id).to.equal('http://adlnet.gov/expapi/verbs/scored');
    expect(scored.result).not.to.have.property('success');

    // An assessment with no points at all still makes a valid statement (no max, no scaled).
    const empty = assessmentGradedStatement(setting, events.graded({ score: 0, maxScore: 0, passed: null }));
    expectValid(empty);
    expect(empty.result!.score).to.deep.equal({ raw: 0, min: 0 });
  });

  it('reports a live class attended with the minutes as an ISO 8601 duration, and nothing for an absent trainee', () => {
    const attended = liveAttendedStatement(setting, events.attended({ minutes: 85, heldMinutes: 90 }))!;
    expectValid(attended);
    expect(attended.verb.id).to.equal('http://adlnet.gov/expapi/verbs/attended');
    expect(attended.result!.duration).to.equal('PT85M');
    expect(Object.values(attended.result!.extensions!)).to.deep.equal(['PT90M']);
    expect((attended.object as { definition: { type: string } }).definition.type).to.equal(
      'http://adlnet.gov/expapi/activities/meeting',
    );
    expect(liveAttendedStatement(setting, events.attended({ minutes: 0 }))).to.equal(null);
    expect([durationOf(90), durationOf(12.5), durationOf(0)]).to.deep.equal(['PT90M', 'PT12M30S', 'PT0M']);
  });

  it('reports a K verdict as "passed" the unit and BK as "failed", with the verdict in an extension, titles in both languages', () => {
    const competent = verdictStatement(setting, events.verdict({ verdict: 'K' }))!;
    expectValid(competent);
    expect(competent.verb.id).to.equal('http://adlnet.gov/expapi/verbs/passed');
    expect(competent.result).to.deep.equal({
      success: true,
      completion: true,
      extensions: { [`${base}/xapi/extensions/verdict`]: 'K' },
    });
    expect(competent.object).to.deep.equal({
      objectType: 'Activity',
      id: `${base}/units/J.620100.004.02`,
      definition: {
        type: 'http://adlnet.gov/expapi/activities/objective',
        name: { 'id-ID': 'Menggunakan struktur data', 'en-US': 'Using data structures' },
      },
    });
    // The assessor is the instructor, by account too.
    expect(competent.context!.instructor!.account.homePage).to.equal(base);

    const notYet = verdictStatement(setting, events.verdict({ verdict: 'BK', previous: 'K' }))!;
    expectValid(notYet);
    expect(notYet.verb.id).to.equal('http://adlnet.gov/expapi/verbs/failed');
    expect(notYet.result!.success).to.equal(false);
    expect(notYet.id).not.to.equal(competent.id);
    // Reopened for re-assessment: no statement.
    expect(verdictStatement(setting, events.verdict({ verdict: null, previous: 'BK' }))).to.equal(null);
  });

  it('makes a valid statement when the cohort could not be read (no grouping), and a valid voiding statement', () => {
    const alone = assessmentGradedStatement({ base, cohort: null }, events.graded());
    expectValid(alone);
    expect(alone.context!.contextActivities).not.to.have.property('grouping');
    const voiding = voidingStatement(alone, new Date('2026-03-03T00:00:00Z'));
    expectValid(voiding);
    expect(voiding.object).to.deep.equal({ objectType: 'StatementRef', id: alone.id });
    expect(voidingStatement(alone, new Date()).id).to.equal(voiding.id);
  });

  it('makes name-based UUIDs (v5) as RFC 9562 does', () => {
    // uuid5(NAMESPACE_DNS, "python.org") in Python's uuid module.
    expect(uuidV5('python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).to.equal('886313e1-3b8a-5372-9b90-0c9aee199e5d');
  });
});

// biome-ignore lint/suspicious/noExplicitAny: a statement's JSON, broken on purpose in many places
type Loose = Record<string, any>;

describe('validateStatement', () => {
  const good = assessmentGradedStatement(setting, eventsFor().graded());

  const problemsOf = (change: (statement: Loose) => void) => {
    const statement = copy(good) as Loose;
    change(statement);
    const validation = validateStatement(statement);
    expect(validation.valid).to.equal(false);
    return validation.errors.join('\n');
  };

  it('accepts a good statement', () => expectValid(good));

  it('rejects an actor without an identifier, or with two', () => {
    expect(problemsOf((s) => delete s.actor.account)).to.contain('exactly one inverse functional identifier');
    expect(problemsOf((s) => (s.actor.mbox = 'mailto:peserta@example.id'))).to.contain('has 2');
    expect(problemsOf((s) => delete s.actor)).to.contain('actor: is required');
    expect(problemsOf((s) => (s.actor.account.homePage = 'not a url'))).to.contain('actor.account.homePage');
  });

  it('rejects a verb that is not an IRI, or without a display', () => {
    expect(problemsOf((s) => (s.verb.id = 'completed'))).to.contain('verb.id');
    expect(problemsOf((s) => (s.verb.id = 'http://example.com/has space'))).to.contain('verb.id');
    expect(problemsOf((s) => delete s.verb.display)).to.contain('verb.display');
    expect(problemsOf((s) => (s.verb.display = { en_US: 'completed' }))).to.contain('language tag');
  });

  it('rejects a scaled score out of [-1, 1] and a raw score outside min..max', () => {
    expect(problemsOf((s) => (s.result.score.scaled = 1.5))).to.contain('result.score.scaled');
    expect(problemsOf((s) => (s.result.score.raw = 11))).to.contain('result.score.raw');
    expect(problemsOf((s) => (s.result.score.max = 0))).to.contain('result.score.max');
  });

  it('rejects a duration or a timestamp that is not ISO 8601', () => {
    expect(problemsOf((s) => (s.result.duration = '85 minutes'))).to.contain('result.duration');
    expect(problemsOf((s) => (s.result.duration = 'PT'))).to.contain('result.duration');
    expect(problemsOf((s) => (s.result.duration = 'P1H'))).to.contain('result.duration');
    expect(problemsOf((s) => (s.timestamp = '2026-03-02 03:04'))).to.contain('timestamp');
    expect(problemsOf((s) => (s.timestamp = '2026-13-45T99:00:00Z'))).to.contain('timestamp');
  });

  it('rejects a missing or malformed id, a non-IRI object, properties xAPI does not define, a bad registration', () => {
    expect(problemsOf((s) => delete s.id)).to.contain('id: is required');
    expect(problemsOf((s) => (s.id = 'statement-1'))).to.contain('id:');
    expect(problemsOf((s) => (s.object.id = 'quiz 7'))).to.contain('object.id');
    expect(problemsOf((s) => (s.grade = 'A'))).to.contain('statement.grade');
    expect(problemsOf((s) => (s.context.registration = 'x'))).to.contain('context.registration');
    expect(problemsOf((s) => (s.context.extensions = { institution: 'x' }))).to.contain('must be an IRI');
  });
});
