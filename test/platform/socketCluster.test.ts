import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import mongoose from 'mongoose';
import { createClient } from 'redis';
import { type Socket as ClientSocket, io as connect, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import { applyOnBehalf } from '../../src/enrolment/service.js';
import { LiveSession } from '../../src/live/model.js';
import { createSession } from '../../src/live/service.js';
import { ConfigError, loadConfig } from '../../src/platform/config.js';
import { freeLoopbackPort, startChildServer } from '../../src/platform/db/processes.js';
import { createLogger } from '../../src/platform/logger.js';
import { projectRoot } from '../../src/platform/paths.js';
import { createSocketAdapter } from '../../src/platform/socketAdapter.js';
import { testSessionSecret } from '../support/app.js';
import { makeCohortSetup } from '../support/cohorts.js';
import { testDatabaseUri, useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';
import { useRedisServer } from '../support/redis.js';
import { connectOutcome, logInForCookie, nextEvent, postWithSession } from '../support/sockets.js';

type AppProcess = { base: string; stop(): Promise<void> };

/**
 * The real app (src/main.ts) in a process of its own, as deployed: listening on 127.0.0.1 on a
 * free port, on the test run's database server. Its output (its log on stdout too, hence `1>&2`)
 * is dropped once it listens, and shown if it fails to start; it is stopped with SIGTERM by `stop`,
 * and with this process if it dies (processes.ts's watchdog).
 */
async function startApp(environment: Record<string, string>): Promise<AppProcess> {
  const port = await freeLoopbackPort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    SESSION_SECRET: testSessionSecret,
    SHUTDOWN_TIMEOUT_MS: '2000',
    UPLOAD_DIR: process.env.TEST_UPLOAD_DIR!,
    ...environment,
  };
  if (!environment.REDIS_URL) delete env.REDIS_URL;
  const server = await startChildServer({
    name: 'Kompeten (src/main.ts)',
    command: '/bin/sh',
    args: ['-c', 'exec "$@" 1>&2', 'kompeten', process.execPath, '--import', 'tsx', path.join(projectRoot, 'src/main.ts')],
    port,
    env,
    startTimeoutMs: 120_000,
  });
  return { base: `http://127.0.0.1:${port}`, stop: server.stop };
}

/**
 * A TCP relay in front of the app processes, as a load balancer: each new connection goes to the
 * current target. `cut()` drops every connection and refuses new ones until `open(target)`.
 */
async function startRelay(target: number) {
  const open = new Set<net.Socket>();
  let down = false;
  const server = net.createServer((inbound) => {
    if (down) return inbound.destroy();
    const outbound = net.connect(target, '127.0.0.1');
    const end = () => {
      inbound.destroy();
      outbound.destroy();
      open.delete(inbound);
      open.delete(outbound);
    };
    for (const socket of [inbound, outbound]) {
      open.add(socket);
      socket.on('error', end).on('close', end);
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    cut() {
      down = true;
      for (const socket of open) socket.destroy();
    },
    open(to: number) {
      target = to;
      down = false;
    },
    close() {
      const closed = new Promise((resolve) => server.close(resolve));
      this.cut();
      return closed;
    },
  };
}

/** Resolves when `check` holds, or rejects with `what` after `ms`. */
async function eventually(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const clientId = () => randomBytes(12).toString('hex');

type ChatMessage = { session: string; message: { id: string; text: string; author: { id: string } } };

describe('live events across app processes (REDIS_URL)', () => {
  useTestDatabase(import.meta.url);
  const redis = useRedisServer();

  describe('REDIS_URL', () => {
    it('is optional: without it the app runs as one process, with no Redis', () => {
      expect(loadConfig({}).redisUrl).to.equal(undefined);
      expect(loadConfig({ REDIS_URL: 'rediss://user:secret@cache.example:6380/2' }).redisUrl).to.equal(
        'rediss://user:secret@cache.example:6380/2',
      );
    });

    it('stops the start with a clear line when malformed', () => {
      for (const [value, line] of [
        ['127.0.0.1:6379', 'REDIS_URL: must start with redis:// or rediss://'],
        ['redis://127.0.0.1:99999', 'REDIS_URL: is not a valid URL (e.g. redis://127.0.0.1:6379)'],
      ]) {
        expect(() => loadConfig({ REDIS_URL: value }), value)
          .to.throw(ConfigError)
          .with.property('message')
          .that.includes(line);
      }
    });

    it('stops the start with a clear line, without its password, when Redis cannot be reached', async () => {
      const port = await freeLoopbackPort(); // nothing listens there
      const log = createLogger('silent');
      const failure = await createSocketAdapter(`redis://:hunter2@127.0.0.1:${port}`, log, { connectTimeoutMs: 500 }).then(
        () => 'connected',
        (error: Error) => error.message,
      );
      expect(failure).to.match(
        new RegExp(`^Could not reach Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port} \\(REDIS_URL\\)`),
      );
      expect(failure).not.to.include('hunter2');
    });
  });

  describe('two app processes sharing Redis, and one on its own', function () {
    this.timeout(60_000);
    let a: AppProcess;
    let b: AppProcess;
    let alone: AppProcess;
    const clients: ClientSocket[] = [];
    const started: AppProcess[] = [];
    let setup: Awaited<ReturnType<typeof makeCohortSetup>>;
    let trainees: Awaited<ReturnType<typeof makeUser>>[];
    let session: string;

    /** A client of `base` with the login's cookie, connected; closed after the tests. */
    const client = async (base: string, cookie: string, options: Partial<ManagerOptions & SocketOptions> = {}) => {
      const socket = connect(base, {
        autoConnect: false,
        reconnection: false,
        forceNew: true,
        extraHeaders: { cookie },
        ...options,
      });
      clients.push(socket);
      expect(await connectOutcome(socket), `connecting to ${base}`).to.deep.equal({ connected: true });
      return socket;
    };

    /** The client, in the class's room: `messages` counts each chat message it receives, by id. */
    const inRoom = async (socket: ClientSocket) => {
      const messages = new Map<string, number>();
      const texts = new Map<string, string>();
      socket.on('chat:message', ({ message }: ChatMessage) => {
        messages.set(message.id, (messages.get(message.id) ?? 0) + 1);
        texts.set(message.id, message.text);
      });
      const joined = await socket.emitWithAck('room:join', { session });
      expect(joined, 'room:join').to.include({ ok: true });
      return { socket, messages, texts };
    };

    const say = async (socket: ClientSocket, text: string): Promise<string> => {
      const answer = await socket.emitWithAck('chat:send', { session, text, clientId: clientId() });
      expect(answer, `chat:send ${text}`).to.include({ ok: true });
      return answer.data.id;
    };

    before(async function () {
      this.timeout(240_000);
      setup = await makeCohortSetup();
      trainees = [];
      for (let n = 0; n < 4; n += 1) {
        const user = await makeUser('trainee', setup.institution);
        await applyOnBehalf(setup.coordinator, setup.cohort, user.id, { source: 'staff', enrolNow: true });
        trainees.push(user);
      }
      // Scheduled within the cohort's dates (they begin in a week), then moved to now: the class is on.
      const startsAt = new Date(Date.now() + 10 * 86_400_000);
      session = (
        await createSession(setup.instructor, setup.cohort, {
          title: 'Kelas bersama',
          startsAt,
          durationMinutes: 120,
          module: '',
          meetingUrl: '',
        })
      ).id;
      await LiveSession.updateOne({ _id: session }, { startsAt: new Date(Date.now() - 60_000) });

      const database = testDatabaseUri(mongoose.connection.name);
      // Each kept as it starts, so `after` stops those that did if another fails.
      const environments: Record<string, string>[] = [{ REDIS_URL: redis.url }, { REDIS_URL: redis.url }, {}];
      const starting = environments.map((environment) =>
        startApp({ MONGODB_URI: database, ...environment }).then((app) => {
          started.push(app);
          return app;
        }),
      );
      [a, b, alone] = (await Promise.all(starting)) as [AppProcess, AppProcess, AppProcess];
    });

    after(async function () {
      this.timeout(60_000);
      for (const socket of clients) socket.disconnect();
      await Promise.all(started.map((app) => app.stop()));
    });

    it('ends an account’s sockets on every process when it logs out on one', async () => {
      const [trainee, other] = trainees as [Awaited<ReturnType<typeof makeUser>>, Awaited<ReturnType<typeof makeUser>>];
      // One login works on both processes: the session is in the database, signed with the same secret.
      const cookie = await logInForCookie(a.base, trainee.email, trainee.password);
      const sameTabOnB = await client(b.base, cookie);
      const phoneOnB = await client(b.base, await logInForCookie(b.base, trainee.email, trainee.password));
      const othersOnB = await client(b.base, await logInForCookie(b.base, other.email, other.password));

      // Logging out on A ends that session's socket on B, and only it.
      const sessionEnded = nextEvent(sameTabOnB, 'disconnect');
      expect(await postWithSession(a.base, '/logout', cookie)).to.equal(303);
      expect(await sessionEnded).to.equal('io server disconnect');
      expect(phoneOnB.connected, 'the same account’s other login stays').to.equal(true);

      // Logging out everywhere on A ends the account's sockets on B.
      const phoneEnded = nextEvent(phoneOnB, 'disconnect');
      expect(
        await postWithSession(a.base, '/logout/everywhere', await logInForCookie(a.base, trainee.email, trainee.password)),
      ).to.equal(303);
      expect(await phoneEnded).to.equal('io server disconnect');
      expect(othersOnB.connected, 'another account stays').to.equal(true);
    });

    it('brings every chat message to every client of the class exactly once, whichever process they are on', async () => {
      const [first, second, third] = trainees as [
        Awaited<ReturnType<typeof makeUser>>,
        Awaited<ReturnType<typeof makeUser>>,
        Awaited<ReturnType<typeof makeUser>>,
      ];
      const instructor = setup.instructorUser;
      const people = [
        { base: a.base, user: instructor },
        { base: a.base, user: first },
        { base: b.base, user: second },
        { base: b.base, user: third },
      ];
      const members = [];
      for (const { base, user } of people)
        members.push(await inRoom(await client(base, await logInForCookie(base, user.email, user.password))));

      const sent = (
        await Promise.all(
          members.map((member, index) => Promise.all([1, 2].map((n) => say(member.socket, `Pesan ${index}.${n}`)))),
        )
      ).flat();
      expect(new Set(sent).size).to.equal(8);

      for (const [index, member] of members.entries())
        await eventually(`client ${index} to receive all 8 messages`, () => sent.every((id) => member.messages.has(id)));
      // Time for a duplicate, had one been coming.
      await new Promise((resolve) => setTimeout(resolve, 500));
      for (const [index, member] of members.entries()) {
        expect([...member.messages.keys()].sort(), `client ${index}: the messages`).to.deep.equal([...sent].sort());
        expect([...member.messages.values()], `client ${index}: each once`).to.deep.equal(sent.map(() => 1));
      }
      expect(members[2]!.texts.get(sent[0]!)).to.equal('Pesan 0.1');
    });

    it('replays what a client missed during a short drop, even when it comes back through the other process', async () => {
      const [, , , fourth] = trainees as Awaited<ReturnType<typeof makeUser>>[];
      const cookie = await logInForCookie(a.base, fourth!.email, fourth!.password);
      const relay = await startRelay(Number(new URL(a.base).port));
      try {
        // Reconnecting by itself, as the room page does; through the relay, as through a load balancer.
        const traveller = await inRoom(
          await client(relay.base, cookie, {
            reconnection: true,
            reconnectionDelay: 100,
            reconnectionDelayMax: 200,
            transports: ['websocket'],
          }),
        );
        const speaker = (
          await inRoom(
            await client(a.base, await logInForCookie(a.base, setup.instructorUser.email, setup.instructorUser.password)),
          )
        ).socket;
        const before = await say(speaker, 'Sebelum putus');
        await eventually('the message before the drop', () => traveller.messages.has(before));

        const dropped = nextEvent(traveller.socket, 'disconnect');
        relay.cut();
        expect(await dropped).to.equal('transport close');
        const missed = await say(speaker, 'Selagi putus');
        // Process A is gone for this client: the balancer sends it to B.
        relay.open(Number(new URL(b.base).port));
        const reconnected = nextEvent(traveller.socket, 'connect', 10_000);
        expect(await reconnected).to.equal(undefined);
        expect(traveller.socket.recovered, 'recovered, without joining again').to.equal(true);
        await eventually('the missed message', () => traveller.messages.has(missed));

        // Still in the class on B: what A's people say next reaches it.
        const after = await say(speaker, 'Setelah kembali');
        await eventually('the message after the return', () => traveller.messages.has(after));
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect([...traveller.messages.entries()]).to.deep.equal([
          [before, 1],
          [missed, 1],
          [after, 1],
        ]);
      } finally {
        await relay.close();
      }
    });

    it('keeps serving when Redis cannot save a dropped connection for recovery (out of memory)', async () => {
      const [first] = trainees as [Awaited<ReturnType<typeof makeUser>>];
      const admin = createClient({ url: redis.url });
      await admin.connect();
      try {
        const cookie = await logInForCookie(b.base, first.email, first.password);
        const dropping = await client(b.base, cookie);
        // From now on Redis refuses every write, as a full Redis with `noeviction` does.
        await admin.configSet({ 'maxmemory-policy': 'noeviction', maxmemory: '1' });
        dropping.io.engine.close(); // the connection drops: B saves its session for recovery, and fails
        await new Promise((resolve) => setTimeout(resolve, 500));
        await admin.configSet('maxmemory', '0');
        const next = connect(b.base, { autoConnect: false, reconnection: false, forceNew: true, extraHeaders: { cookie } });
        clients.push(next);
        expect(await connectOutcome(next), 'B still takes connections').to.deep.equal({ connected: true });
      } finally {
        await admin.configSet('maxmemory', '0');
        await admin.close();
      }
    });

    it('runs on its own without REDIS_URL: its class works, and the others’ events do not reach it', async () => {
      const [first] = trainees as [Awaited<ReturnType<typeof makeUser>>];
      const here = await inRoom(await client(alone.base, await logInForCookie(alone.base, first.email, first.password)));
      const own = await say(here.socket, 'Sendirian');
      await eventually('its own message', () => here.messages.has(own));

      const elsewhere = await inRoom(
        await client(a.base, await logInForCookie(a.base, setup.instructorUser.email, setup.instructorUser.password)),
      );
      const fromA = await say(elsewhere.socket, 'Dari proses A');
      await eventually('A’s message on A', () => elsewhere.messages.has(fromA));
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(here.messages.has(fromA), 'a process without Redis hears only its own clients').to.equal(false);
    });
  });
});
