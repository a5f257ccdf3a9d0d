import { expect } from 'chai';
import type { Socket as ClientSocket } from 'socket.io-client';
import { applyOnBehalf } from '../../src/enrolment/service.js';
import { LiveSession } from '../../src/live/model.js';
import { LiveAttendance, LivePollVote, LivePost, LiveRoom } from '../../src/live/room/model.js';
import { LiveSlideDeck } from '../../src/live/slides/model.js';
import { until } from '../support/browser.js';
import { makeCohortSetup } from '../support/cohorts.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';
import { connectOutcome, logInForCookie, nextEvent, useSocketServer } from '../support/sockets.js';

// Socket payloads are plain JSON read by the assertions below, which check their shape.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Payload = any;
type Ack =
  | { ok: true; data: Payload }
  | { ok: false; error: { status: number; message: string; errors?: { field: string; message: string }[] } };

/** Every `event` a client receives from now on. */
function collect(socket: ClientSocket, event: string): Payload[] {
  const seen: Payload[] = [];
  socket.on(event, (value) => seen.push(value));
  return seen;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let clientIds = 0;
const clientId = () => {
  clientIds += 1;
  return `client-${Date.now()}-${clientIds}`;
};

describe('the live room over Socket.IO', () => {
  useTestDatabase(import.meta.url);
  const server = useSocketServer();

  type Person = { id: string; email: string; password: string };
  let setup: Awaited<ReturnType<typeof makeCohortSetup>>;
  let other: Awaited<ReturnType<typeof makeCohortSetup>>;
  let trainees: Person[];
  let outsider: Person;

  async function enrolled(cohortSetup: typeof setup, name: string): Promise<Person> {
    const user = await makeUser('trainee', cohortSetup.institution, { name });
    await applyOnBehalf(cohortSetup.coordinator, cohortSetup.cohort, user.id, { source: 'staff', enrolNow: true });
    return user;
  }

  /** A session of the cohort that began `minutesAgo` minutes ago and lasts an hour and a half. */
  async function sessionUnderWay(cohort: string, createdBy: string, minutesAgo = 5) {
    const doc = await LiveSession.create({
      cohort,
      title: 'Praktik HTML',
      startsAt: new Date(Date.now() - minutesAgo * 60_000 + Math.floor(Math.random() * 1000)),
      durationMinutes: 90,
      meetingUrl: 'https://meet.jit.si/kompeten-kelas',
      createdBy,
    });
    return String(doc._id);
  }

  const cookies = new Map<string, string>();
  async function connected(person: Person, options = {}) {
    const cookie = cookies.get(person.email) ?? (await logInForCookie(server.state.base, person.email, person.password));
    cookies.set(person.email, cookie);
    const socket = server.client({ extraHeaders: { cookie }, ...options });
    expect(await connectOutcome(socket)).to.deep.equal({ connected: true });
    return socket;
  }
  const emit = (socket: ClientSocket, event: string, payload: unknown): Promise<Ack> =>
    socket.timeout(5_000).emitWithAck(event, payload);

  async function joined(person: Person, session: string, options = {}) {
    const socket = await connected(person, options);
    const answer = await emit(socket, 'room:join', { session });
    expect(answer, JSON.stringify(answer)).to.have.property('ok', true);
    return { socket, snapshot: (answer as { data: Payload }).data };
  }

  before(async () => {
    setup = await makeCohortSetup();
    other = await makeCohortSetup();
    trainees = [await enrolled(setup, 'Ayu Lestari'), await enrolled(setup, 'Budi Santoso'), await enrolled(setup, 'Citra Dewi')];
    outsider = await enrolled(other, 'Dodi Orang Lain');
  });

  it('lets a cohort’s trainees and staff in, and keeps a trainee of another cohort out of the room and its events', async () => {
    const session = await sessionUnderWay(setup.cohort, setup.instructor.id);
    const { socket: teacher, snapshot } = await joined(setup.instructorUser, session);
    expect(snapshot.you).to.include({ staff: true });
    expect(snapshot.session).to.include({ id: session, title: 'Praktik HTML', meetingUrl: 'https://meet.jit.si/kompeten-kelas' });

    const stranger = await connected(outsider);
    const refused = await emit(stranger, 'room:join', { session });
    expect(refused).to.deep.include({ ok: false });
    expect((refused as { error: { status: number } }).error.status).to.equal(403);
    // Not in the room: sending into it is refused, and nothing said there reaches them.
    const strangerHears = collect(stranger, 'chat:message');
    const sneaked = await emit(stranger, 'chat:send', { session, text: 'halo', clientId: clientId() });
    expect(sneaked).to.deep.include({ ok: false });
    const { socket: ayu } = await joined(trainees[0]!, session);
    const heard = nextEvent<Payload>(ayu, 'chat:message');
    expect(await emit(teacher, 'chat:send', { session, text: 'Selamat pagi', clientId: clientId() })).to.have.property(
      'ok',
      true,
    );
    expect((await heard).message).to.include({ text: 'Selamat pagi' });
    await pause(200);
    expect(strangerHears).to.have.length(0);
    expect(await LivePost.countDocuments({ session })).to.equal(1);
  });

  it('delivers a chat message to everyone once, stores a retried message once, and refuses one too long in the user’s language', async () => {
    const session = await sessionUnderWay(setup.cohort, setup.instructor.id);
    const { socket: ayu } = await joined(trainees[0]!, session);
    const { socket: budi, snapshot } = await joined(trainees[1]!, session);
    expect(snapshot.present.map((person: { id: string }) => person.id)).to.include.members([trainees[0]!.id, trainees[1]!.id]);
    expect(snapshot.presentCount).to.equal(2);
    // Ayu hears of Budi's arrival in the room's next presence message (one a second at most).
    const ayuPresence = collect(ayu, 'presence');
    await until('Ayu hears who came', async () =>
      ayuPresence.some((update) => update.joined.some((person: { id: string }) => person.id === trainees[1]!.id)),
    );
    const budiHears = collect(budi, 'chat:message');
    const ayuHears = collect(ayu, 'chat:message');

    const id = clientId();
    const first = await emit(ayu, 'chat:send', { session, text: '<b>Apa</b> itu DOM?', clientId: id });
    const retry = await emit(ayu, 'chat:send', { session, text: '<b>Apa</b> itu DOM?', clientId: id });
    expect(first).to.have.property('ok', true);
    expect((retry as { data: { id: string } }).data.id).to.equal((first as { data: { id: string } }).data.id);
    await until('both hear it', async () => budiHears.length > 0 && ayuHears.length > 0);
    await pause(200); // time for a duplicate to arrive, if one were sent
    expect(budiHears).to.have.length(1);
    expect(ayuHears).to.have.length(1);
    expect(budiHears[0].message).to.deep.include({ text: '<b>Apa</b> itu DOM?' });
    expect(budiHears[0].message.author).to.include({ id: trainees[0]!.id, name: 'Ayu Lestari' });

    const long = await emit(ayu, 'chat:send', { session, text: 'x'.repeat(1_001), clientId: clientId() });
    expect(long).to.deep.include({ ok: false });
    const error = (long as { error: { status: number; errors: { field: string; message: string }[] } }).error;
    expect(error.status).to.equal(422);
    expect(error.errors[0]).to.include({ field: 'text' });
    expect(error.errors[0]!.message).to.match(/1000/);
    expect(await LivePost.countDocuments({ session })).to.equal(1);

    // A latecomer reads what was said.
    const { snapshot: late } = await joined(trainees[2]!, session);
    expect(late.messages.map((message: { text: string }) => message.text)).to.deep.equal(['<b>Apa</b> itu DOM?']);
  });

  it('lets only the staff moderate, launch polls and end the class', async () => {
    const session = await sessionUnderWay(setup.cohort, setup.instructor.id);
    const { socket: ayu } = await joined(trainees[0]!, session);
    const message = await emit(ayu, 'chat:send', { session, text: 'Halo', clientId: clientId() });
    const messageId = (message as { data: { id: string } }).data.id;
    const attempts: [string, unknown][] = [
      ['chat:delete', { session, message: messageId }],
      ['poll:launch', { session, question: 'Siap?', options: ['Ya', 'Belum'], clientId: clientId() }],
      ['member:mute', { session, user: trainees[1]!.id, muted: true }],
      ['member:remove', { session, user: trainees[1]!.id }],
      ['slides:goto', { session, page: 2 }],
      ['hand:lower', { session, user: trainees[1]!.id }],
      ['room:end', { session }],
    ];
    for (const [event, payload] of attempts) {
      const answer = await emit(ayu, event, payload);
      expect(answer, event).to.deep.include({ ok: false });
      expect((answer as { error: { status: number } }).error.status, event).to.equal(403);
    }
    const { socket: teacher } = await joined(setup.instructorUser, session);
    const deleted = nextEvent<Payload>(ayu, 'chat:deleted');
    expect(await emit(teacher, 'chat:delete', { session, message: messageId })).to.have.property('ok', true);
    expect(await deleted).to.deep.equal({ session, id: messageId });
    const { snapshot } = await joined(trainees[1]!, session);
    expect(snapshot.messages).to.have.length(0);
  });

  it('counts a poll vote sent twice once, refuses changing it, and shows results to trainees only when the instructor does', async () => {
    const session = await sessionUnderWay(setup.cohort, setup.instructor.id);
    const { socket: teacher } = await joined(setup.instructorUser, session);
    const { socket: ayu } = await joined(trainees[0]!, session);
    const { socket: budi } = await joined(trainees[1]!, session);
    const announced = nextEvent<Payload>(ayu, 'poll:new');
    const launched = await emit(teacher, 'poll:launch', {
      session,
      question: 'Tag untuk paragraf?',
      options: ['<p>', '<div>', '<span>'],
      clientId: clientId(),
    });
    expect(launched).to.have.property('ok', true);
    const poll = (await announced).poll;
    expect(poll).to.include({ question: 'Tag untuk paragraf?', open: true, resultsShown: false });

    const teacherResults = collect(teacher, 'poll:results');
    const ayuResults = collect(ayu, 'poll:results');
    const [once, twice] = await Promise.all([
      emit(ayu, 'poll:vote', { session, poll: poll.id, option: 0 }),
      emit(ayu, 'poll:vote', { session, poll: poll.id, option: 0 }),
    ]);
    expect(once).to.have.property('ok', true);
    expect(twice).to.have.property('ok', true);
    const changed = await emit(ayu, 'poll:vote', { session, poll: poll.id, option: 1 });
    expect((changed as { error: { status: number; message: string } }).error).to.include({ status: 409 });
    expect(await emit(budi, 'poll:vote', { session, poll: poll.id, option: 1 })).to.have.property('ok', true);
    expect(await emit(teacher, 'poll:vote', { session, poll: poll.id, option: 1 })).to.deep.include({ ok: false });
    expect(await LivePollVote.countDocuments({ poll: poll.id })).to.equal(2);

    // Counted a moment after the votes (a class voting at once gets a few updates, not one per vote).
    await until('the staff see both votes', async () => teacherResults.at(-1)?.total === 2);
    expect(teacherResults.at(-1)).to.deep.include({ id: poll.id, counts: [1, 1, 0], total: 2 });
    expect(ayuResults, 'hidden from trainees').to.have.length(0);
    const ayuSees = nextEvent<Payload>(ayu, 'poll:results');
    expect(await emit(teacher, 'poll:show', { session, poll: poll.id, shown: true })).to.have.property('ok', true);
    expect(await ayuSees).to.deep.include({ counts: [1, 1, 0], total: 2 });

    // A trainee joining now sees the results and their own vote; a closed poll takes no votes.
    expect(await emit(teacher, 'poll:close', { session, poll: poll.id })).to.have.property('ok', true);
    const { socket: citra, snapshot } = await joined(trainees[2]!, session);
    expect(snapshot.polls[0]).to.deep.include({ open: false, resultsShown: true, counts: [1, 1, 0], myVote: null });
    const late = await emit(citra, 'poll:vote', { session, poll: poll.id, option: 2 });
    expect((late as { error: { status: number } }).error.status).to.equal(409);
  });

  it('takes questions with one upvote per person, and keeps the hand-raise queue in order', async () => {
    const session = await sessionUnderWay(setup.cohort, setup.instructor.id);
    const { socket: teacher } = await joined(setup.instructorUser, session);
    const { socket: ayu } = await joined(trainees[0]!, session);
    const { socket: budi } = await joined(trainees[1]!, session);
    const asked = await emit(ayu, 'question:ask', { session, text: 'Bedanya id dan class?', clientId: clientId() });
    const question = (asked as { data: { id: string } }).data.id;
    const own = await emit(ayu, 'question:upvote', { session, question });
    expect((own as { error: { status: number } }).error.status).to.equal(409);
    const votes = collect(teacher, 'question:votes');
    await emit(budi, 'question:upvote', { session, question });
    await emit(budi, 'question:upvote', { session, question });
    await until('the upvotes are announced', async () => votes.length === 2);
    expect(votes.at(-1)).to.deep.include({ id: question, votes: 1 });
    const answered = nextEvent<Payload>(ayu, 'question:answered');
    await emit(teacher, 'question:answer', { session, question });
    expect(await answered).to.deep.include({ id: question });

    await emit(budi, 'hand:raise', { session });
    await pause(20);
    const queued = nextEvent<Payload>(teacher, 'hand:queue');
    await emit(ayu, 'hand:raise', { session });
    expect((await queued).hands.map((hand: { user: string }) => hand.user)).to.deep.equal([trainees[1]!.id, trainees[0]!.id]);
    await emit(ayu, 'hand:raise', { session }); // a second tab raising again: still one hand
    const lowered = nextEvent<Payload>(ayu, 'hand:queue');
    expect(await emit(teacher, 'hand:lower', { session, user: trainees[1]!.id })).to.have.property('ok', true);
    expect((await lowered).hands.map((hand: { user: string }) => hand.user)).to.deep.equal([trainees[0]!.id]);
    const { snapshot } = await joined(trainees[2]!, session);
    expect(snapshot.questions[0]).to.include({ text: 'Bedanya id dan class?', votes: 1, answered: true, voted: false });
    expect(snapshot.hands.map((hand: { user: string }) => hand.user)).to.deep.equal([trainees[0]!.id]);
  });

  it('mutes a trainee (no chat, a clear message), removes one (out, and kept out), and ends the class for everyone', async () => {
    const session = await sessionUnderWay(setup.cohort, setup.instructor.id);
    const { socket: teacher } = await joined(setup.instructorUser, session);
    const { socket: ayu } = await joined(trainees[0]!, session);
    const { socket: budi } = await joined(trainees[1]!, session);

    const mutedNotice = nextEvent<Payload>(ayu, 'member:muted');
    await emit(teacher, 'member:mute', { session, user: trainees[0]!.id, muted: true });
    expect(await mutedNotice).to.deep.include({ user: trainees[0]!.id, muted: true });
    const silenced = await emit(ayu, 'chat:send', { session, text: 'boleh bicara?', clientId: clientId() });
    expect((silenced as { error: { status: number; message: string } }).error).to.deep.include({ status: 403 });
    expect((silenced as { error: { message: string } }).error.message).to.match(/membisukan/);
    await emit(teacher, 'member:mute', { session, user: trainees[0]!.id, muted: false });
    expect(await emit(ayu, 'chat:send', { session, text: 'terima kasih', clientId: clientId() })).to.have.property('ok', true);

    const removed = nextEvent<Payload>(budi, 'room:removed');
    const cutOff = nextEvent<Payload>(budi, 'disconnect');
    const presence = collect(teacher, 'presence');
    await emit(teacher, 'member:remove', { session, user: trainees[1]!.id });
    expect(await removed).to.deep.equal({ session });
    expect(await cutOff).to.equal('io server disconnect');
    await until('the others hear Budi left', async () => presence.some((update) => update.left.includes(trainees[1]!.id)));
    expect(presence.at(-1)).to.deep.include({ session, count: 2 });
    const again = await connected(trainees[1]!);
    const refused = await emit(again, 'room:join', { session });
    expect((refused as { error: { status: number; message: string } }).error).to.deep.include({ status: 403 });
    expect((refused as { error: { message: string } }).error.message).to.match(/mengeluarkan/);

    const ended = nextEvent<Payload>(ayu, 'room:ended');
    const ayuGone = nextEvent<Payload>(ayu, 'disconnect');
    expect(await emit(teacher, 'room:end', { session })).to.have.property('ok', true);
    expect(await ended).to.deep.equal({ session });
    expect(await ayuGone).to.equal('io server disconnect');
    const late = await connected(trainees[2]!);
    const closed = await emit(late, 'room:join', { session });
    expect((closed as { error: { status: number; message: string } }).error).to.deep.include({ status: 409 });
    expect((closed as { error: { message: string } }).error.message).to.match(/selesai/);
  });

  it('records every connection’s join and leave, and opens the room only from 30 minutes before the start', async () => {
    const session = await sessionUnderWay(setup.cohort, setup.instructor.id);
    const { socket } = await joined(trainees[0]!, session);
    socket.disconnect();
    await until('the leave is recorded', async () => (await LiveAttendance.countDocuments({ session })) === 2);
    const records = await LiveAttendance.find({ session }).lean();
    expect(records.map((record) => record.kind).sort()).to.deep.equal(['join', 'leave']);
    expect(records.every((record) => String(record.user) === trainees[0]!.id)).to.equal(true);
    expect(new Set(records.map((record) => record.connection)).size).to.equal(1);

    const tomorrow = await sessionUnderWay(setup.cohort, setup.instructor.id, -24 * 60);
    const early = await connected(trainees[0]!);
    const notYet = await emit(early, 'room:join', { session: tomorrow });
    expect((notYet as { error: { status: number; message: string } }).error).to.deep.include({ status: 409 });
    expect((notYet as { error: { message: string } }).error.message).to.match(/30 menit/);
  });

  it('turns the slides for everyone, and opens a latecomer on the page being shown', async () => {
    const session = await sessionUnderWay(setup.cohort, setup.instructor.id);
    const page = (file: string) => ({ file, width: 1600, height: 900, widths: [480, 960, 1600] });
    const deck = await LiveSlideDeck.create({
      session,
      pages: [page('6b0000000000000000000001'), page('6b0000000000000000000002'), page('6b0000000000000000000003')],
      originalName: 'html-dasar.pdf',
      createdBy: setup.instructor.id,
    });
    await LiveRoom.create({ _id: session, deck: deck._id, page: 1 });
    const { socket: teacher } = await joined(setup.instructorUser, session);
    const { socket: ayu, snapshot } = await joined(trainees[0]!, session);
    expect(snapshot.slides.page).to.equal(1);
    expect(snapshot.slides.deck.pages).to.have.length(3);

    const turned = nextEvent<Payload>(ayu, 'slides:page');
    expect(await emit(teacher, 'slides:goto', { session, page: 3 })).to.have.property('ok', true);
    expect(await turned).to.deep.equal({ session, deck: String(deck._id), page: 3 });
    const beyond = await emit(teacher, 'slides:goto', { session, page: 4 });
    expect((beyond as { error: { status: number } }).error.status).to.equal(422);

    const { snapshot: late } = await joined(trainees[1]!, session);
    expect(late.slides.page).to.equal(3);
    // Sized for the screen: each page offers its narrow copies for srcset, narrowest first.
    expect(late.slides.deck.pages[2].sources.map((source: { width: number }) => source.width)).to.deep.equal([480, 960, 1600]);
  });

  it('replays what a client missed during a short drop (connection state recovery)', async () => {
    const session = await sessionUnderWay(setup.cohort, setup.instructor.id);
    const { socket: teacher } = await joined(setup.instructorUser, session);
    const { socket: ayu } = await joined(trainees[0]!, session, { reconnection: true, reconnectionDelay: 100 });
    const heard = collect(ayu, 'chat:message');
    const back = nextEvent<Payload>(ayu, 'connect', 5_000);
    ayu.io.engine.close(); // the network drops; the client reconnects by itself
    await pause(50);
    await emit(teacher, 'chat:send', { session, text: 'Sampai di mana tadi?', clientId: clientId() });
    await back;
    await until('the missed message is replayed', async () => heard.length > 0);
    await pause(200); // and not twice
    expect(ayu.recovered).to.equal(true);
    expect(heard.map((event) => event.message.text)).to.deep.equal(['Sampai di mana tadi?']);
    // Still in the room without joining again.
    expect(await emit(ayu, 'chat:send', { session, text: 'Sudah kembali', clientId: clientId() })).to.have.property('ok', true);
  });

  it('lets a client resync from the database after a server restart', async () => {
    const session = await sessionUnderWay(setup.cohort, setup.instructor.id);
    const { socket: teacher } = await joined(setup.instructorUser, session);
    await emit(teacher, 'chat:send', { session, text: 'Sebelum restart', clientId: clientId() });
    await emit(teacher, 'poll:launch', { session, question: 'Lanjut?', options: ['Ya', 'Tidak'], clientId: clientId() });
    const { socket: ayu } = await joined(trainees[0]!, session, { reconnection: true, reconnectionDelay: 100 });
    await emit(ayu, 'hand:raise', { session });

    await server.restart();
    await nextEvent<Payload>(ayu, 'connect', 8_000);
    expect(ayu.recovered).to.equal(false);
    const answer = await emit(ayu, 'room:join', { session });
    const snapshot = (answer as { data: Payload }).data;
    expect(snapshot.messages.map((message: { text: string }) => message.text)).to.deep.equal(['Sebelum restart']);
    expect(snapshot.polls.map((poll: { question: string }) => poll.question)).to.deep.equal(['Lanjut?']);
    expect(snapshot.hands.map((hand: { user: string }) => hand.user)).to.deep.equal([trainees[0]!.id]);
  });
});
