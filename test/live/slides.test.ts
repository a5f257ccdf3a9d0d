import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import sharp from 'sharp';
import { StoredFile } from '../../src/files/model.js';
import { LiveRoom } from '../../src/live/room/model.js';
import { createSession } from '../../src/live/service.js';
import { LiveSlideDeck } from '../../src/live/slides/model.js';
import { withPdfPages } from '../../src/live/slides/render.js';
import { roomSlides, turnPage, uploadDeck } from '../../src/live/slides/service.js';
import { AppError } from '../../src/platform/errors.js';
import { binary, filesUnder, filesWith, samples } from '../files/samples.js';
import { enrolledTrainee } from '../learning/helpers.js';
import { type Agent, buildTestApp, csrfTokenOf, loggedInAgent } from '../support/app.js';
import { makeCohortSetup } from '../support/cohorts.js';
import { useTestDatabase } from '../support/database.js';

/**
 * A PDF of pages of the given sizes (in points), each saying "Slide n": written by hand, with a
 * correct cross-reference table, so the test carries no binary fixture.
 */
function pdfOf(sizes: [number, number][]): Buffer {
  const objects: string[] = [];
  objects[1] = '<</Type /Catalog /Pages 2 0 R>>';
  objects[3] = '<</Type /Font /Subtype /Type1 /BaseFont /Helvetica>>';
  const kids = sizes.map(([width, height], index) => {
    const page = 4 + index * 2;
    const content = `BT /F1 48 Tf 40 40 Td (Slide ${index + 1}) Tj ET`;
    objects[page] =
      `<</Type /Page /Parent 2 0 R /MediaBox [0 0 ${width} ${height}] /Resources <</Font <</F1 3 0 R>>>> /Contents ${page + 1} 0 R>>`;
    objects[page + 1] = `<</Length ${content.length}>>\nstream\n${content}\nendstream`;
    return `${page} 0 R`;
  });
  objects[2] = `<</Type /Pages /Kids [${kids.join(' ')}] /Count ${sizes.length}>>`;
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  for (let number = 1; number < objects.length; number++) {
    offsets[number] = body.length;
    body += `${number} 0 obj\n${objects[number]}\nendobj\n`;
  }
  const xref = body.length;
  body += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let number = 1; number < objects.length; number++) body += `${String(offsets[number]).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<</Size ${objects.length} /Root 1 0 R>>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

const picture = (width: number, height: number, format: 'png' | 'jpeg' | 'webp') =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 80, b: 40 } } })
    .toFormat(format)
    .toBuffer();

const uploadDir = process.env.TEST_UPLOAD_DIR!;
const day = 86_400_000;

describe('live classes: slides', () => {
  useTestDatabase(import.meta.url);
  const app = buildTestApp();
  let setup: Awaited<ReturnType<typeof makeCohortSetup>>;
  let sessionId: string;
  let staff: Agent;
  let trainee: Awaited<ReturnType<typeof enrolledTrainee>>;
  let stranger: Awaited<ReturnType<typeof enrolledTrainee>>;
  let startsAt = Date.parse(`${new Date(Date.now() + 10 * day).toISOString().slice(0, 10)}T02:00:00Z`);

  const newSession = async () => {
    startsAt += 3600_000;
    const input = { title: 'Slide kelas', startsAt: new Date(startsAt), durationMinutes: 60, module: '', meetingUrl: '' };
    return (await createSession(setup.instructor, setup.cohort, input)).id;
  };

  /** Uploads as the room page does: fetch with the token in a header, asking for JSON. */
  const upload = async (agent: Agent, session: string, files: { name: string; data: Buffer }[]) => {
    let request = agent
      .post(`/live/${session}/slides`)
      .set('x-csrf-token', await csrfTokenOf(agent))
      .set('Accept', 'application/json')
      .set('Accept-Language', 'id');
    for (const file of files) request = request.attach('slides', file.data, file.name);
    return request;
  };
  const stored = async () => ({ records: await StoredFile.countDocuments(), files: (await filesUnder(uploadDir)).sort() });

  before(async () => {
    setup = await makeCohortSetup();
    sessionId = await newSession();
    staff = await loggedInAgent(app, setup.instructorUser.email, setup.instructorUser.password);
    trainee = await enrolledTrainee(app, setup);
    stranger = await enrolledTrainee(app, await makeCohortSetup());
  });

  it('turns a 3-page PDF into 3 pages of 480, 960 and 1600 px that the class sees, and puts it on screen at page 1', async () => {
    const response = await upload(staff, sessionId, [
      {
        name: 'materi.pdf',
        data: pdfOf([
          [800, 450],
          [600, 600],
          [800, 600],
        ]),
      },
    ]);
    expect(response.status, response.text).to.equal(200);
    const { deck, page } = response.body;
    expect(page).to.equal(1);
    // The pages in the PDF's order: each at 1600 px on its long side, as its shape has it.
    expect(deck.pages.map((slide: { width: number; height: number }) => [slide.width, slide.height])).to.deep.equal([
      [1600, 900],
      [1600, 1600],
      [1600, 1200],
    ]);
    for (const [index, slide] of (deck.pages as { sources: { width: number; url: string }[] }[]).entries()) {
      expect(slide.sources.map((source) => source.width)).to.deep.equal([480, 960, 1600]);
      for (const source of slide.sources) {
        expect(source.url).to.match(new RegExp(`^/live/${sessionId}/slides/${deck.id}/${index + 1}(\\?w=\\d+)?$`));
        const image = await trainee.agent.get(source.url).buffer(true).parse(binary);
        expect(image.status).to.equal(200);
        expect(image.headers['content-type']).to.equal('image/png');
        expect(image.headers['cache-control']).to.include('private');
        expect((await sharp(image.body).metadata()).width).to.equal(source.width);
      }
    }
    // A latecomer's snapshot opens on this deck at page 1.
    const room = await LiveRoom.findById(sessionId).lean();
    expect([String(room?.deck), room?.page]).to.deep.equal([deck.id, 1]);
    expect(await roomSlides(sessionId)).to.deep.equal({ deck, page: 1 });
    expect(await filesUnder(path.join(uploadDir, '.tmp')), 'temporary files left').to.deep.equal([]);
  });

  it('makes one page per picture in the order chosen, and a form without JavaScript comes back to the room', async () => {
    const agent = staff;
    const token = await csrfTokenOf(agent);
    const response = await agent
      .post(`/live/${sessionId}/slides?_csrf=${encodeURIComponent(token)}`)
      .attach('slides', await picture(1200, 800, 'jpeg'), 'a.jpg')
      .attach('slides', await picture(300, 200, 'png'), 'b.png')
      .attach('slides', await picture(2000, 1000, 'webp'), 'c.webp');
    expect(response.status, response.text).to.equal(303);
    expect(response.headers.location).to.equal(`/live/${sessionId}/room`);
    const { deck, page } = await roomSlides(sessionId);
    expect(page).to.equal(1);
    expect(deck!.pages.map((slide) => [slide.width, slide.height, slide.sources.map((source) => source.width)])).to.deep.equal([
      [1200, 800, [480, 960, 1200]],
      [300, 200, [300]], // a small picture is not enlarged, nor copied smaller than itself
      [1600, 800, [480, 960, 1600]],
    ]);
    const first = await trainee.agent.get(deck!.pages[0]!.sources[0]!.url).buffer(true).parse(binary);
    expect(first.headers['content-type']).to.equal('image/jpeg');
  });

  it('lets only the class staff upload, and only the class see its pages', async () => {
    const before = await stored();
    const refused = await upload(trainee.agent, sessionId, [{ name: 'a.png', data: await picture(100, 100, 'png') }]);
    expect(refused.status).to.equal(403);
    expect(await stored()).to.deep.equal(before);

    const { deck } = await roomSlides(sessionId);
    const url = deck!.pages[0]!.sources[0]!.url;
    expect([403, 404]).to.include((await stranger.agent.get(url)).status);
    // A deck named under another session of the same class is not found there.
    const other = await newSession();
    expect((await trainee.agent.get(url.replace(sessionId, other))).status).to.equal(404);
    expect((await trainee.agent.get(url.replace(/\/1(\?|$)/, '/9$1'))).status).to.equal(404);
  });

  it('refuses a file that is neither a PDF nor a picture, naming it, in the user’s language', async () => {
    const before = await stored();
    const response = await upload(staff, sessionId, [
      { name: 'a.png', data: await picture(100, 100, 'png') },
      { name: 'catatan.pdf', data: samples.html() },
    ]);
    expect(response.status).to.equal(422);
    expect(response.body.errors).to.deep.equal([
      {
        field: 'slides',
        message: '“catatan.pdf” bukan PDF atau gambar JPG, PNG, atau WebP. Jenisnya dibaca dari isi file, bukan dari namanya.',
      },
    ]);
    expect(await stored()).to.deep.equal(before);
    const pdfAndPicture = await upload(staff, sessionId, [
      { name: 'materi.pdf', data: pdfOf([[800, 450]]) },
      { name: 'a.png', data: await picture(100, 100, 'png') },
    ]);
    expect(pdfAndPicture.status).to.equal(422);
    expect(pdfAndPicture.body.errors[0].message).to.include('satu PDF saja');
  });

  it('refuses a PDF it cannot read, and a picture that breaks half-way, storing nothing', async () => {
    const shownBefore = await roomSlides(sessionId);
    const decks = await LiveSlideDeck.countDocuments();
    const before = await stored();
    const broken = await upload(staff, sessionId, [
      { name: 'rusak.pdf', data: Buffer.from('%PDF-1.4\nthis is no PDF at all\n') },
    ]);
    expect(broken.status).to.equal(422);
    expect(broken.body.errors[0].message).to.match(/^PDF ini tidak bisa dibaca/);
    expect(await stored()).to.deep.equal(before);

    // Two good pictures are stored before the third turns out to be cut short: they go too.
    const whole = await picture(800, 600, 'png');
    const response = await upload(staff, sessionId, [
      { name: 'a.png', data: await picture(800, 600, 'png') },
      { name: 'b.png', data: await picture(700, 600, 'png') },
      { name: 'terpotong.png', data: whole.subarray(0, Math.floor(whole.length / 2)) },
    ]);
    expect(response.status).to.equal(422);
    expect(response.body.errors[0].message).to.match(/^“terpotong\.png” tidak bisa dibaca/);
    expect(await stored()).to.deep.equal(before);
    expect(await LiveSlideDeck.countDocuments()).to.equal(decks);
    expect(await roomSlides(sessionId)).to.deep.equal(shownBefore);
  });

  it('turns pages for the staff only, within the deck, and tells the room of a new deck', async () => {
    expect((await roomSlides(sessionId)).deck!.pages).to.have.length(3);
    const refusal = async (promise: Promise<unknown>) => {
      const error = await promise.then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(error).to.be.instanceOf(AppError);
      return error as AppError;
    };
    expect(
      (await refusal(turnPage({ id: trainee.user.id, role: 'trainee', institution: setup.institution }, sessionId, 2))).status,
    ).to.equal(403);
    for (const page of [0, 4, 1.5]) {
      const error = await refusal(turnPage(setup.instructor, sessionId, page));
      expect([error.status, error.fields[0]?.key, error.fields[0]?.params]).to.deep.equal([
        422,
        'liveSlides.errors.pageRange',
        { pages: 3 },
      ]);
    }
    expect(await turnPage(setup.instructor, sessionId, 2)).to.deep.equal({
      deck: (await roomSlides(sessionId)).deck!.id,
      page: 2,
    });
    expect((await roomSlides(sessionId)).page).to.equal(2);
    expect((await LiveRoom.findById(sessionId).lean())?.page).to.equal(2);
    // A session with no slides yet has no page to turn.
    expect((await refusal(turnPage(setup.instructor, await newSession(), 1))).status).to.equal(409);

    // An upload through the service: the room hears of it with the deck on page 1.
    const files = filesWith(uploadDir);
    await mkdir(files.temporaryFolder, { recursive: true });
    const temporary = path.join(files.temporaryFolder, 'slides-test.part');
    await writeFile(temporary, await picture(640, 480, 'png'));
    const heard: unknown[] = [];
    const shown = await uploadDeck(setup.instructor, sessionId, [{ path: temporary, originalName: 'x.png', size: 100 }], {
      files,
      live: { broadcast: (...event: unknown[]) => heard.push(event) },
    });
    await rm(temporary);
    expect(heard).to.deep.equal([[`live:${sessionId}`, 'slides:deck', { session: sessionId, ...shown }]]);
    expect(shown.page).to.equal(1);
    expect(await roomSlides(sessionId)).to.deep.equal(shown);
  });

  it('refuses a PDF with too many pages, or one that takes too long, leaving no temporary files', async () => {
    const folder = path.join(uploadDir, '.tmp');
    await mkdir(folder, { recursive: true });
    const pdf = path.join(folder, 'render-test.part');
    await writeFile(
      pdf,
      pdfOf([
        [800, 450],
        [800, 450],
        [800, 450],
      ]),
    );
    const keyOf = async (options: { maxPages?: number; timeoutMs?: number }) =>
      withPdfPages(pdf, folder, async () => 'rendered', options).then(
        (value) => value,
        (error: AppError) => [error.fields[0]?.key, error.fields[0]?.params],
      );
    expect(await keyOf({ maxPages: 2 })).to.deep.equal(['liveSlides.errors.tooManyPages', { max: 2, pages: 3 }]);
    expect(await keyOf({ timeoutMs: 1 })).to.deep.equal(['liveSlides.errors.renderTimeout', undefined]);
    expect(await keyOf({})).to.equal('rendered');
    expect(await readdir(folder)).to.deep.equal(['render-test.part']);
    await rm(pdf);
  });
});
