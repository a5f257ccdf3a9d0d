import { expect } from 'chai';
import { z } from 'zod';
import { authorizeSocket, eventBurst, userRoom } from '../../src/platform/socket.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';
import { connectOutcome, logInForCookie, nextEvent, postWithSession, useSocketServer } from '../support/sockets.js';

describe('Socket.IO: the same session as the pages', () => {
  useTestDatabase(import.meta.url);
  const { state, client } = useSocketServer();
  let trainee: Awaited<ReturnType<typeof makeUser>>;
  let other: Awaited<ReturnType<typeof makeUser>>;

  before(async () => {
    trainee = await makeUser('trainee');
    other = await makeUser('trainee');
    // Events as a feature (the live room) declares them.
    state.connections.event('test.echo', z.object({ text: z.string().min(1).max(20) }).strict(), ({ text }) => ({
      echoed: text,
    }));
    state.connections.event('test.manage', z.object({}), (_input, socket) => {
      authorizeSocket(socket, 'institution.manage');
      return 'done';
    });
  });

  it('refuses a connection without a logged-in session, saying why in the user’s language', async () => {
    const outcome = await connectOutcome(client());
    expect(outcome).to.deep.include({ connected: false, message: 'unauthorized' });
    expect(outcome).to.have.nested.property('data.message', 'Silakan masuk terlebih dahulu.');
    const english = await connectOutcome(client({ extraHeaders: { 'accept-language': 'en-GB,en;q=0.9' } }));
    expect(english).to.have.nested.property('data.message', 'Please log in first.');
    // A session cookie that names no session is no better.
    const forged = await connectOutcome(client({ extraHeaders: { cookie: 'kompeten.sid=s%3Aforged.signature' } }));
    expect(forged).to.deep.include({ connected: false, message: 'unauthorized' });
  });

  it('refuses another site’s page, even with a logged-in cookie', async () => {
    const cookie = await logInForCookie(state.base, trainee.email, trainee.password);
    let connections = 0;
    const count = () => {
      connections += 1;
    };
    state.sockets.io.on('connection', count);
    try {
      for (const transports of [['polling'], ['websocket']]) {
        const foreign = await connectOutcome(client({ transports, extraHeaders: { cookie, origin: 'https://evil.example' } }));
        expect(foreign.connected, `${transports[0]} from a foreign origin`).to.equal(false);
      }
      const sandboxed = await connectOutcome(client({ extraHeaders: { cookie, origin: 'null' } }));
      expect(sandboxed.connected, 'Origin: null').to.equal(false);
      expect(connections).to.equal(0);
      // The same cookie from our own pages is welcome.
      const own = await connectOutcome(client({ transports: ['websocket'], extraHeaders: { cookie, origin: state.base } }));
      expect(own.connected).to.equal(true);
      expect(connections).to.equal(1);
    } finally {
      state.sockets.io.off('connection', count);
    }
  });

  it('lets a logged-in user in, and a message to one user reaches that user alone', async () => {
    const mine = client({ extraHeaders: { cookie: await logInForCookie(state.base, trainee.email, trainee.password) } });
    const theirs = client({ extraHeaders: { cookie: await logInForCookie(state.base, other.email, other.password) } });
    expect(await connectOutcome(mine)).to.deep.equal({ connected: true });
    expect(await connectOutcome(theirs)).to.deep.equal({ connected: true });
    const received = [nextEvent(mine, 'notice'), nextEvent(theirs, 'notice')];
    state.sockets.io.to(userRoom(trainee.id)).emit('notice', { text: 'for the trainee' });
    expect(await Promise.all(received)).to.deep.equal([{ text: 'for the trainee' }, 'nothing']);
  });

  it('disconnects the sockets of a session that logs out, and lets none back in with it', async () => {
    const cookie = await logInForCookie(state.base, trainee.email, trainee.password);
    const mine = client({ extraHeaders: { cookie } });
    const theirs = client({ extraHeaders: { cookie: await logInForCookie(state.base, other.email, other.password) } });
    expect(await connectOutcome(mine)).to.deep.equal({ connected: true });
    expect(await connectOutcome(theirs)).to.deep.equal({ connected: true });
    const ended = nextEvent(mine, 'disconnect', 5_000);
    expect(await postWithSession(state.base, '/logout', cookie)).to.equal(303);
    expect(await ended).to.equal('io server disconnect');
    expect(theirs.connected, 'another user stays connected').to.equal(true);
    const again = await connectOutcome(client({ extraHeaders: { cookie } }));
    expect(again).to.deep.include({ connected: false, message: 'unauthorized' });
  });

  it('disconnects every socket of an account that logs out everywhere', async () => {
    const here = await logInForCookie(state.base, other.email, other.password);
    const phone = client({ extraHeaders: { cookie: await logInForCookie(state.base, other.email, other.password) } });
    expect(await connectOutcome(phone)).to.deep.equal({ connected: true });
    const ended = nextEvent(phone, 'disconnect', 5_000);
    expect(await postWithSession(state.base, '/logout/everywhere', here)).to.equal(303);
    expect(await ended).to.equal('io server disconnect');
  });

  it('disconnects the account’s sockets when its password changes or an admin deactivates it', async () => {
    const owner = await makeUser('trainee');
    const here = await logInForCookie(state.base, owner.email, owner.password);
    const phone = client({ extraHeaders: { cookie: await logInForCookie(state.base, owner.email, owner.password) } });
    expect(await connectOutcome(phone)).to.deep.equal({ connected: true });
    const ended = nextEvent(phone, 'disconnect', 5_000);
    const changed = await postWithSession(state.base, '/profile/password', here, {
      currentPassword: owner.password,
      newPassword: 'kata-sandi-baru-123',
      newPasswordConfirm: 'kata-sandi-baru-123',
    });
    expect(changed).to.equal(303);
    expect(await ended).to.equal('io server disconnect');

    const admin = await makeUser('admin');
    const adminCookie = await logInForCookie(state.base, admin.email, admin.password);
    const tablet = client({ extraHeaders: { cookie: await logInForCookie(state.base, owner.email, 'kata-sandi-baru-123') } });
    expect(await connectOutcome(tablet)).to.deep.equal({ connected: true });
    const cut = nextEvent(tablet, 'disconnect', 5_000);
    const deactivated = await postWithSession(state.base, `/users/${owner.id}`, adminCookie, {
      name: 'Dinonaktifkan',
      role: 'trainee',
      institution: '',
    });
    expect(deactivated).to.equal(303);
    expect(await cut).to.equal('io server disconnect');
  });

  it('answers a bad payload, a forbidden event and a burst with a clear message', async () => {
    const user = await makeUser('trainee');
    const socket = client({ extraHeaders: { cookie: await logInForCookie(state.base, user.email, user.password) } });
    expect(await connectOutcome(socket)).to.deep.equal({ connected: true });

    expect(await socket.emitWithAck('test.echo', { text: 'halo' })).to.deep.equal({ ok: true, data: { echoed: 'halo' } });
    const tooLong = await socket.emitWithAck('test.echo', { text: 'x'.repeat(21) });
    expect(tooLong).to.deep.include({ ok: false });
    expect(tooLong.error).to.deep.include({ status: 422 });
    expect(tooLong.error.errors).to.deep.equal([{ field: 'text', message: 'Maksimal 20 karakter.' }]);
    const notAnObject = await socket.emitWithAck('test.echo', 'halo');
    expect(notAnObject.error.status).to.equal(422);

    const forbidden = await socket.emitWithAck('test.manage', {});
    expect(forbidden).to.deep.equal({
      ok: false,
      error: { status: 403, message: 'Anda tidak berhak membuka halaman atau melakukan tindakan ini.' },
    });

    const unknown = await socket.timeout(2_000).emitWithAck('test.nobody', {});
    expect(unknown).to.deep.include({ ok: false });
    expect(unknown.error.status).to.equal(404);
    const burst = await Promise.all(
      Array.from({ length: eventBurst + 5 }, () => socket.emitWithAck('test.echo', { text: 'spam' })),
    );
    const refused = burst.filter((answer) => !answer.ok);
    expect(refused.length, 'events beyond the burst').to.be.at.least(4);
    expect(refused[0].error).to.deep.equal({
      status: 429,
      message: 'Anda mengirim terlalu cepat. Tunggu sebentar lalu coba lagi.',
    });
    expect(socket.connected, 'a flood is refused, not a reason to drop the user').to.equal(true);
  });
});
