import { expect } from 'chai';
import { MongoNetworkError } from 'mongodb';
import mongoose from 'mongoose';
import { Enrollment } from '../../src/enrolment/model.js';
import { recordProgress } from '../../src/learning/service.js';
import { buildTestApp, csrfTokenOf, loggedInAgent } from '../support/app.js';
import { makeCohortSetup } from '../support/cohorts.js';
import { useTestDatabase } from '../support/database.js';
import { enrolledTrainee, progressEvent } from './helpers.js';

/**
 * Makes the enrolments' collection answer `methods` as a dropped database connection does (the
 * driver's own error), while `run` runs; everything else keeps working.
 */
async function whileEnrolmentsFail<T>(methods: string[], run: () => Promise<T>): Promise<T> {
  const collection = (Enrollment.collection as unknown as { collection: Record<string, unknown> }).collection;
  const fail = () => Promise.reject(new MongoNetworkError('connection 12 to 127.0.0.1:27017 closed'));
  for (const method of methods) collection[method] = fail;
  try {
    return await run();
  } finally {
    for (const method of methods) delete collection[method];
  }
}

/** The elements of `items` in an order that is not their own. */
const shuffled = <T>(items: T[]) =>
  items
    .map((item) => ({ item, key: Math.random() }))
    .sort((a, b) => a.key - b.key)
    .map(({ item }) => item);

describe('learning: progress sent from devices', () => {
  useTestDatabase(import.meta.url);
  const app = buildTestApp();

  it('answers a database failure with 503 and reports nothing as done, so the phone keeps the events and the retry stores them', async () => {
    const setup = await makeCohortSetup({ shape: [3] });
    const { user, agent, enrollment } = await enrolledTrainee(app, setup);
    const [first, second] = setup.program.lessons as [string, string];
    const token = await csrfTokenOf(agent, '/learning');
    const at = new Date(Date.now() - 60_000).toISOString();
    const batch = {
      events: [
        progressEvent(user.id, setup, first, 'complete', at, { via: 'text' }),
        progressEvent(user.id, setup, second, 'position', at, { position: 0.5 }),
      ],
    };
    const send = () => agent.post('/api/v1/progress').set('x-csrf-token', token).set('Accept-Language', 'en').send(batch);

    // The connection drops while the enrolment is read, then while the progress is written.
    for (const methods of [['findOne'], ['updateOne', 'findOneAndUpdate']]) {
      const failed = await whileEnrolmentsFail(methods, send);
      expect(failed.status, `${methods.join('/')} failing`).to.equal(503);
      expect(failed.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(failed.headers['retry-after']).to.be.a('string');
      expect(failed.body).to.include({ status: 503, title: 'Service unavailable' });
      expect(failed.body, 'nothing listed as stored, ignored or refused').not.to.have.any.keys('stored', 'refused', 'ignored');
    }
    expect((await Enrollment.findById(enrollment.id).lean())?.progress?.completed).to.deep.equal([]);

    const retried = await send().expect(200);
    expect(retried.body.stored).to.have.members(batch.events.map((event) => event.id));
    expect(retried.body.refused).to.deep.equal([]);
    const stored = await Enrollment.findById(enrollment.id).lean();
    expect(stored?.progress?.completed).to.deep.equal([first]);
    expect(stored?.progress).to.include({ lastLesson: second, position: 0.5 });
  });

  it('lists per event what was stored and what was refused for good, and stores nothing of another account', async () => {
    const setup = await makeCohortSetup({ shape: [3] });
    const elsewhere = await makeCohortSetup({ shape: [1] });
    const { user, agent, enrollment } = await enrolledTrainee(app, setup);
    const other = await enrolledTrainee(app, setup);
    const [first, second, third] = setup.program.lessons as [string, string, string];
    const at = new Date(Date.now() - 60_000).toISOString();
    const mine = (lesson: string, kind: 'complete' | 'position', extra: object = {}) =>
      progressEvent(user.id, setup, lesson, kind, at, extra);
    const completion = mine(first, 'complete');
    const position = mine(second, 'position', { position: 42 });
    const notInProgram = { ...mine(new mongoose.Types.ObjectId().toString(), 'complete'), id: 'not-in-program' };
    const malformed = { ...mine(third, 'complete'), id: 'malformed', kind: 'finished' };
    const notEnrolled = { ...progressEvent(user.id, elsewhere, elsewhere.program.lessons[0]!, 'complete', at), id: 'elsewhere' };
    const othersEvent = { ...progressEvent(other.user.id, setup, third, 'complete', at), id: 'another-account' };
    const batch = { events: [completion, position, notInProgram, malformed, notEnrolled, othersEvent] };
    const token = await csrfTokenOf(agent, '/learning');

    for (const attempt of ['first', 'replay']) {
      const answer = await agent.post('/api/v1/progress').set('x-csrf-token', token).send(batch).expect(200);
      expect(answer.body.stored, attempt).to.have.members([completion.id, position.id]);
      expect(answer.body.refused.map(({ id, reason }: { id: string; reason: string }) => ({ id, reason }))).to.have.deep.members([
        { id: 'not-in-program', reason: 'invalid' },
        { id: 'malformed', reason: 'invalid' },
        { id: 'elsewhere', reason: 'notEnrolled' },
        { id: 'another-account', reason: 'account' },
      ]);
      const refusal = answer.body.refused.find((entry: { id: string }) => entry.id === 'another-account');
      expect(refusal.message).to.equal('Kemajuan ini dibuat oleh akun lain; masuklah sebagai akun itu untuk mengirimnya.');
      expect(answer.body.cohorts).to.deep.equal([{ cohort: setup.cohort, done: 1, total: 3, percent: 33, completed: [first] }]);
    }
    const stored = await Enrollment.findById(enrollment.id).lean();
    expect(stored?.progress?.completed).to.deep.equal([first]);
    expect(stored?.progress).to.include({ lastLesson: second, position: 42 });
    expect((await Enrollment.findById(other.enrollment.id).lean())?.progress?.completed, "the other trainee's").to.deep.equal([]);

    const english = await agent
      .post('/api/v1/progress')
      .set('x-csrf-token', token)
      .set('Accept-Language', 'en')
      .send({ events: [malformed] })
      .expect(200);
    expect(english.body.refused).to.deep.equal([
      { id: 'malformed', reason: 'invalid', message: "This progress does not fit this cohort's lessons and was not saved." },
    ]);
  });

  it('leaves the place at the latest one when two devices send at once, in whatever order they arrive', async () => {
    const setup = await makeCohortSetup({ shape: [4, 4] });
    const { user, agent: laptop, enrollment } = await enrolledTrainee(app, setup);
    const phone = await loggedInAgent(app, user.email, user.password);
    const [laptopToken, phoneToken] = await Promise.all([csrfTokenOf(laptop, '/learning'), csrfTokenOf(phone, '/learning')]);
    const lessons = setup.program.lessons;
    const start = Date.now() - 3 * 3_600_000;
    // Each device's places in turn, a minute apart: the last one, at +39 min, is the phone's.
    const places = Array.from({ length: 40 }, (_, index) => ({
      device: index % 2 ? 'phone' : 'laptop',
      event: progressEvent(
        user.id,
        setup,
        lessons[index % lessons.length]!,
        'position',
        new Date(start + index * 60_000).toISOString(),
        {
          position: index,
        },
      ),
    }));
    const answers = await Promise.all(
      shuffled(places).map(({ device, event }) =>
        (device === 'phone' ? phone : laptop)
          .post('/api/v1/progress')
          .set('x-csrf-token', device === 'phone' ? phoneToken : laptopToken)
          .send({ events: [event] }),
      ),
    );
    expect(answers.map((answer) => answer.status)).to.deep.equal(Array(40).fill(200));
    const latest = places.at(-1)!.event;
    const stored = await Enrollment.findById(enrollment.id).lean();
    expect(stored?.progress).to.include({ lastLesson: latest.lesson, position: 39 });
    expect(stored?.progress?.positionAt?.toISOString()).to.equal(latest.at);

    // The same through the service, where nothing in between orders the writes.
    const actor = { id: user.id, role: 'trainee' as const, institution: null };
    const later = places.map(({ event }, index) => ({
      ...event,
      id: `later-${index}`,
      at: new Date(Date.parse(event.at) + 40 * 60_000),
      position: 100 + index,
    }));
    await Promise.all(shuffled(later).map((event) => recordProgress(actor, [event])));
    const after = await Enrollment.findById(enrollment.id).lean();
    expect(after?.progress).to.include({ lastLesson: later.at(-1)!.lesson, position: 139 });
  });
  it('orders two devices’ places by when they happened, even when a phone’s clock is behind', async () => {
    const setup = await makeCohortSetup({ shape: [3] });
    const { user, agent: laptop, enrollment } = await enrolledTrainee(app, setup);
    const phone = await loggedInAgent(app, user.email, user.password);
    const [first, second, third] = setup.program.lessons as [string, string, string];
    const [laptopToken, phoneToken] = await Promise.all([csrfTokenOf(laptop, '/learning'), csrfTokenOf(phone, '/learning')]);
    const slow = 10 * 60_000; // the phone's clock is ten minutes behind
    const now = Date.now();
    const onLaptop = progressEvent(user.id, setup, first, 'position', new Date(now - 60_000).toISOString(), { position: 10 });
    const onPhone = progressEvent(user.id, setup, second, 'position', new Date(now - 30_000 - slow).toISOString(), {
      position: 20,
    });
    await Promise.all([
      laptop
        .post('/api/v1/progress')
        .set('x-csrf-token', laptopToken)
        .send({ events: [onLaptop], sentAt: new Date(now).toISOString() })
        .expect(200),
      phone
        .post('/api/v1/progress')
        .set('x-csrf-token', phoneToken)
        .send({ events: [onPhone], sentAt: new Date(now - slow).toISOString() })
        .expect(200),
    ]);
    expect((await Enrollment.findById(enrollment.id).lean())?.progress, 'the phone’s place came 30 s later').to.include({
      lastLesson: second,
      position: 20,
    });

    // The trainee opens a lesson on the laptop, then watches it on the phone: the phone's place in it counts.
    await laptop.get(`/learn/${setup.cohort}/lessons/${third}`).expect(200);
    const watched = Date.now() - slow; // on the phone's clock, and sent at once
    await phone
      .post('/api/v1/progress')
      .set('x-csrf-token', phoneToken)
      .send({
        events: [progressEvent(user.id, setup, third, 'position', new Date(watched).toISOString(), { position: 95 })],
        sentAt: new Date(watched).toISOString(),
      })
      .expect(200);
    expect((await Enrollment.findById(enrollment.id).lean())?.progress).to.include({ lastLesson: third, position: 95 });
  });
});
