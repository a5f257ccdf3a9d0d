import { expect } from 'chai';
import sharp from 'sharp';
import { createCohort } from '../../src/cohorts/service.js';
import { applyOnBehalf } from '../../src/enrolment/service.js';
import { StoredFile } from '../../src/files/index.js';
import { renderMarkdown } from '../../src/platform/markdown.js';
import { Lesson } from '../../src/programs/model.js';
import { publishProgram } from '../../src/programs/publishing.js';
import { type Agent, buildTestApp, csrfTokenOf, loggedInAgent, submitForm } from '../support/app.js';
import { cohortFields, makeCohortSetup } from '../support/cohorts.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';
import { binary, filesUnder } from './samples.js';

/** A photo as a phone takes it: landscape pixels, EXIF saying "turn it upright", the camera and where it was. */
function phonePhoto(width = 2400, height = 1200) {
  return sharp({ create: { width, height, channels: 3, background: '#c0392b' } })
    .jpeg()
    .withExif({ IFD0: { Make: 'KameraUji' }, IFD3: { GPSLatitudeRef: 'S', GPSLatitude: '6/1 10/1 0/1' } })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

/** The URL an `<img src>` of a lesson page loads, resolved as the browser resolves it. */
const resolved = (pagePath: string, src: string) => new URL(src, `http://kompeten.test${pagePath}`).pathname;
const query = (src: string) => new URL(src, 'http://kompeten.test/').search;

describe('images in lessons', function () {
  this.timeout(30_000);
  useTestDatabase(import.meta.url);
  const app = buildTestApp();
  const uploadDir = process.env.TEST_UPLOAD_DIR!;

  async function uploadImage(agent: Agent, lesson: string, fields: { alt?: string; name?: string; data?: Buffer }) {
    const token = await csrfTokenOf(agent, `/lessons/${lesson}/edit`);
    const request = agent.post(`/lessons/${lesson}/images`).set('x-csrf-token', token).set('Accept-Language', 'id');
    if (fields.alt !== undefined) request.field('alt', fields.alt);
    if (fields.data) request.attach('image', fields.data, fields.name ?? 'foto.jpg');
    return request;
  }

  async function editorOf(setup: Awaited<ReturnType<typeof makeCohortSetup>>) {
    return loggedInAgent(app, setup.coordinatorUser.email, setup.coordinatorUser.password);
  }

  async function storedState() {
    return { records: await StoredFile.countDocuments(), files: (await filesUnder(uploadDir)).sort() };
  }

  it('keeps an uploaded photo upright, without its EXIF, at most 1600 px, with a narrower copy for phones', async () => {
    const setup = await makeCohortSetup({ shape: [1] });
    const editor = await editorOf(setup);
    const lesson = setup.program.lessons[0]!;
    const original = await phonePhoto();
    expect((await sharp(original).metadata()).exif, 'the test photo carries EXIF').to.not.equal(undefined);

    const response = await uploadImage(editor, lesson, {
      alt: 'Kabel UTP di konektor RJ45',
      data: original,
      name: 'IMG_0001.jpg',
    });
    expect(response.status, response.text.slice(0, 300)).to.equal(303);
    expect(response.headers.location).to.equal(`/lessons/${lesson}/edit?saved=image#lesson-images`);

    const stored = (await Lesson.findById(lesson).lean())!.images;
    expect(stored.map((image) => image.alt)).to.deep.equal(['Kabel UTP di konektor RJ45']);
    const fileId = String(stored[0]!.file);
    const record = await StoredFile.findById(fileId).lean();
    // Orientation 6: the 2400 × 1200 pixels stand upright as 1200 × 2400, then fit into 1600 px.
    expect(record?.image).to.deep.include({ width: 800, height: 1600 });
    expect(record?.image?.variants.map((variant) => [variant.width, variant.height])).to.deep.equal([[480, 960]]);

    const served = await editor
      .get(`/programs/${setup.program.id}/preview/files/${fileId}`)
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect(served.headers['content-type']).to.equal('image/jpeg');
    const main = await sharp(served.body as Buffer).metadata();
    expect([main.width, main.height]).to.deep.equal([800, 1600]);
    expect(main.exif, 'no EXIF (camera, GPS) in what is served').to.equal(undefined);
    expect((served.body as Buffer).includes('KameraUji')).to.equal(false);
    expect(main.orientation ?? 1).to.equal(1);

    const phone = await editor
      .get(`/programs/${setup.program.id}/preview/files/${fileId}?w=480`)
      .buffer(true)
      .parse(binary)
      .expect(200);
    const small = await sharp(phone.body as Buffer).metadata();
    expect([small.width, small.height]).to.deep.equal([480, 960]);
    expect(small.exif).to.equal(undefined);
    expect((phone.body as Buffer).length).to.be.below((served.body as Buffer).length);
    await editor.get(`/programs/${setup.program.id}/preview/files/${fileId}?w=123`).expect(404);

    // The editor lists it with its thumbnail, alt text and the Markdown to insert or copy.
    const page = await editor.get(`/lessons/${lesson}/edit`).expect(200);
    expect(page.text).to.include(`<code>![Kabel UTP di konektor RJ45](gambar:${fileId})</code>`);
    expect(page.text).to.include(`data-insert="![Kabel UTP di konektor RJ45](gambar:${fileId})"`);
    expect(page.text).to.include(`src="/programs/${setup.program.id}/preview/files/${fileId}?w=480"`);
  });

  it('refuses a text file named .png, a too large image and an image without alt text, keeping nothing', async () => {
    const setup = await makeCohortSetup({ shape: [1] });
    const editor = await editorOf(setup);
    const lesson = setup.program.lessons[0]!;
    const before = await storedState();

    const fake = await uploadImage(editor, lesson, {
      alt: 'Diagram',
      data: Buffer.from('bukan gambar, hanya teks\n'),
      name: 'diagram.png',
    });
    expect(fake.status).to.equal(422);
    expect(fake.text).to.include('Isi file ini bukan gambar (PNG, JPEG, WebP, GIF).');

    // One byte over the limit: the configured 10 MB (UPLOAD_MAX_IMAGE_MB).
    const header = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    const huge = Buffer.concat([header, Buffer.alloc(10 * 1024 * 1024 + 1 - header.length)]);
    const large = await uploadImage(editor, lesson, { alt: 'Besar', data: huge, name: 'besar.png' });
    expect(large.status).to.equal(422);
    expect(large.text).to.include('Gambar terlalu besar (maks. 10 MB).');

    const noAlt = await uploadImage(editor, lesson, { alt: '   ', data: await phonePhoto(400, 300) });
    expect(noAlt.status).to.equal(422);
    expect(noAlt.text).to.include('Tulis teks alternatif');
    expect(noAlt.text, 'the lesson text is still in the form').to.include('Isi materi 1.1.');
    const neither = await uploadImage(editor, lesson, { alt: '' });
    expect(neither.text).to.include('Pilih file untuk diunggah.').and.include('Tulis teks alternatif');

    expect(await storedState(), 'no record and no file (temporary or kept) left behind').to.deep.equal(before);
    expect((await Lesson.findById(lesson).lean())!.images).to.deep.equal([]);
  });

  it('shows the image on the lesson page, sized, for the cohort’s trainees only, and in the version they run after the draft drops it', async () => {
    const setup = await makeCohortSetup({ shape: [1] });
    const editor = await editorOf(setup);
    const lesson = setup.program.lessons[0]!;
    expect((await uploadImage(editor, lesson, { alt: 'Tang krimping', data: await phonePhoto(3000, 2000) })).status).to.equal(
      303,
    );
    const fileId = String((await Lesson.findById(lesson).lean())!.images[0]!.file);

    // Another site's picture is refused with the reason; the text typed is kept in the form.
    const outside = await submitForm(editor, `/lessons/${lesson}`, {
      title: 'Materi 1.1',
      body: 'Lihat ![tang](https://contoh.test/tang.jpg)',
    });
    expect(outside.status).to.equal(422);
    expect(outside.text).to.include('kebijakan keamanan Kompeten hanya memuat gambar dari Kompeten sendiri');
    expect(outside.text).to.include('https://contoh.test/tang.jpg');

    // An empty alt in the Markdown takes the one given at upload.
    const body = `Pasang konektor:\n\n![](gambar:${fileId})`;
    expect((await submitForm(editor, `/lessons/${lesson}`, { title: 'Materi 1.1', body })).status).to.equal(303);
    await publishProgram(setup.coordinator, setup.program.id);
    const cohort = await createCohort(setup.coordinator, cohortFields(setup.program.id));
    const user = await makeUser('trainee', setup.institution);
    await applyOnBehalf(setup.coordinator, cohort, user.id, { source: 'staff', enrolNow: true });
    const trainee = await loggedInAgent(app, user.email, user.password);

    const pagePath = `/learn/${cohort}/lessons/${lesson}`;
    const page = await trainee.get(pagePath).expect(200);
    const img = /<img [^>]*>/.exec(page.text.slice(page.text.indexOf('lesson-body')))?.[0] ?? '';
    // 3000 × 2000 turned upright (EXIF orientation 6) and fitted into 1600 px.
    expect(img).to.include('alt="Tang krimping"').and.include('width="1067"').and.include('height="1600"');
    expect(img).to.include('loading="lazy"').and.include('sizes="');
    const src = /src="([^"]+)"/.exec(img)![1]!;
    const srcset = /srcset="([^"]+)"/.exec(img)![1]!;
    expect(srcset.split(', ').map((entry) => entry.split(' ')[1])).to.deep.equal(['480w', '960w', '1067w']);
    // Served by Kompeten itself, under the cohort's own file route.
    const fileUrl = resolved(pagePath, src);
    expect(fileUrl).to.equal(`/learn/${cohort}/files/${fileId}`);
    await trainee.get(fileUrl).expect(200).expect('content-type', 'image/jpeg');
    const phoneSrc = srcset.split(', ')[0]!.split(' ')[0]!;
    const phone = await trainee
      .get(`${resolved(pagePath, phoneSrc)}${query(phoneSrc)}`)
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect((await sharp(phone.body as Buffer).metadata()).width).to.equal(480);

    // Someone who is not in the cohort gets nothing, as for the lesson's other files.
    const stranger = await makeUser('trainee', setup.institution);
    const strangerAgent = await loggedInAgent(app, stranger.email, stranger.password);
    const refused = await strangerAgent.get(fileUrl);
    expect(refused.status).to.be.oneOf([403, 404]);
    expect(refused.headers['content-type']).to.not.match(/^image\//);

    // The draft drops the image (and its text): the draft preview no longer shows it, the version keeps it.
    const token = await csrfTokenOf(editor, `/lessons/${lesson}/edit`);
    await editor.post(`/lessons/${lesson}/files/${fileId}/remove`).type('form').send({ _csrf: token }).expect(303);
    expect((await submitForm(editor, `/lessons/${lesson}`, { title: 'Materi 1.1', body: 'Tanpa gambar.' })).status).to.equal(303);
    await editor.get(`/programs/${setup.program.id}/preview/files/${fileId}`).expect(404);
    const again = await trainee.get(pagePath).expect(200);
    expect(again.text).to.include(`src="../files/${fileId}"`);
    await trainee.get(fileUrl).expect(200).expect('content-type', 'image/jpeg');
    const version = await editor.get(`/programs/${setup.program.id}/v/2/lessons/${lesson}`).expect(200);
    expect(version.text).to.include('alt="Tang krimping"');
    await editor.get(resolved(`/programs/${setup.program.id}/v/2/lessons/${lesson}`, src)).expect(200);
  });

  it('shows a picture from another site (in a text saved before this check) as a link to it, not a broken image', () => {
    const html = renderMarkdown('Lihat: ![tang krimping](https://contoh.test/tang.jpg)');
    expect(html).to.include(
      '<a href="https://contoh.test/tang.jpg" class="external-image" rel="noopener noreferrer nofollow" target="_blank">tang krimping</a>',
    );
    expect(html).to.not.include('<img');
  });

  it('tells the editor about a reference to an image the lesson does not have', async () => {
    const setup = await makeCohortSetup({ shape: [1] });
    const editor = await editorOf(setup);
    const lesson = setup.program.lessons[0]!;
    const response = await submitForm(editor, `/lessons/${lesson}`, {
      title: 'Materi 1.1',
      body: `![foto](gambar:${'a'.repeat(24)})`,
    });
    expect(response.status).to.equal(422);
    expect(response.text).to.include(`Gambar ini tidak ada (lagi) di pelajaran ini: gambar:${'a'.repeat(24)}.`);
  });
});
