import { expect } from 'chai';
import sharp from 'sharp';
import { registerQuestionImageAccess } from '../../src/assessments/bank.js';
import { keyWithoutImage, questionKey } from '../../src/assessments/formats/index.js';
import { Question, QuestionImage } from '../../src/assessments/model.js';
import { questionContentSchema } from '../../src/assessments/questions.js';
import { StoredFile } from '../../src/files/index.js';
import { translator } from '../../src/platform/i18n.js';
import type { Actor } from '../../src/platform/permissions.js';
import { programSchema } from '../../src/programs/schemas.js';
import { createProgram } from '../../src/programs/service.js';
import { binary, eventually, filesUnder, samples } from '../files/samples.js';
import { type Agent, buildTestApp, csrfTokenOf, loggedInAgent } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';
import { makeInstitution, makeUser } from '../support/factories.js';

const t = translator('id');
/** A landscape photo as a phone or a scanner gives it: far more pixels than a quiz needs. */
const photo = (width = 2400, height = 1200, format: 'jpeg' | 'png' | 'webp' | 'gif' = 'jpeg') =>
  sharp({ create: { width, height, channels: 3, background: '#2e86c1' } })
    .toFormat(format)
    .toBuffer();
/** The error shown right after the field with this id, if any. */
const errorBeside = (html: string, fieldId: string) =>
  new RegExp(`id="${fieldId}-error">([^<]*)<`).exec(html)?.[1]?.replace(/&#39;/g, "'");
/** The `<img>` tags of a page whose address is an image of a bank question. */
const questionImgs = (html: string) => html.match(/<img class="question-image[^>]*>/g) ?? [];
const attribute = (tag: string, name: string) => new RegExp(` ${name}="([^"]*)"`).exec(tag)?.[1];

describe('assessments: images of bank questions', function () {
  this.timeout(60_000);
  useTestDatabase(import.meta.url);
  const app = buildTestApp();
  const uploadDir = process.env.TEST_UPLOAD_DIR!;
  let program: string;
  let otherProgram: string;
  let owner: Agent;
  let otherInstructor: Agent;
  let trainee: Agent;
  let traineeId: string;

  before(async () => {
    const institution = (await makeInstitution({ name: 'BLK Semarang' })).id;
    const user = await makeUser('instructor', institution);
    const other = await makeUser('instructor', institution);
    const learner = await makeUser('trainee', institution);
    traineeId = learner.id;
    const instructor: Actor = { id: user.id, role: 'instructor', institution };
    const otherActor: Actor = { id: other.id, role: 'instructor', institution };
    program = await createProgram(instructor, programSchema.parse({ code: 'TKJ', title: 'Teknisi Jaringan', level: 2 }));
    otherProgram = await createProgram(otherActor, programSchema.parse({ code: 'TKJ-B', title: 'Program lain', level: 2 }));
    owner = await loggedInAgent(app, user.email, user.password);
    otherInstructor = await loggedInAgent(app, other.email, other.password);
    trainee = await loggedInAgent(app, learner.email, learner.password);
  });

  /** Posts the question form as the browser does: multipart, the token in the address, the file last. */
  async function postForm(
    agent: Agent,
    path: string,
    fields: Record<string, string | string[]>,
    image?: { data: Buffer; name: string },
  ) {
    const token = await csrfTokenOf(agent);
    const request = agent.post(`${path}?_csrf=${encodeURIComponent(token)}`).set('Accept-Language', 'id');
    for (const [name, value] of Object.entries(fields)) for (const one of [value].flat()) request.field(name, one);
    if (image) request.attach('image', image.data, image.name);
    return request;
  }
  const newQuestion = (fields: Record<string, string | string[]>, image?: { data: Buffer; name: string }, programId = program) =>
    postForm(owner, `/programs/${programId}/questions`, { type: 'essay', points: '1', ...fields }, image);
  const idOf = (location: string | undefined) => /\/questions\/([0-9a-f]{24})/.exec(location ?? '')![1]!;
  const stored = async () => ({
    questions: await Question.countDocuments(),
    images: await QuestionImage.countDocuments(),
    records: await StoredFile.countDocuments(),
    files: (await filesUnder(uploadDir)).filter((file) => !file.startsWith('.tmp')).length,
  });

  it('takes an image with the new question, resized like lesson images, and shows it small and lazily in the preview and the list', async () => {
    const created = await newQuestion(
      { text: 'Alat apa yang tampak pada gambar?', imageAlt: '  Tang   krimping dengan konektor RJ45 ' },
      { data: await photo(), name: 'tang.jpg' },
    );
    expect(created.status, created.text.slice(0, 400)).to.equal(303);
    const id = idOf(created.headers.location);
    const question = (await Question.findById(id).lean())!;
    const image = question.content.image;
    expect(image).to.deep.include({ alt: 'Tang krimping dengan konektor RJ45', width: 1600, height: 800 });
    expect(image.widths).to.deep.equal([480, 960]);
    expect(await QuestionImage.exists({ _id: image.file, program })).to.not.equal(null);

    const preview = await owner.get(`/questions/${id}`);
    const [tag, ...more] = questionImgs(preview.text);
    expect(more).to.deep.equal([]);
    const url = `/questions/${id}/images/${image.file}`;
    // The phone's copy first; the stored size for the page's layout; loaded only when scrolled to.
    expect(attribute(tag!, 'src')).to.equal(`${url}?w=480`);
    expect(attribute(tag!, 'srcset')).to.equal(`${url}?w=480 480w, ${url}?w=960 960w, ${url} 1600w`);
    expect(attribute(tag!, 'width')).to.equal('1600');
    expect(attribute(tag!, 'height')).to.equal('800');
    expect(attribute(tag!, 'loading')).to.equal('lazy');
    expect(attribute(tag!, 'alt')).to.equal('Tang krimping dengan konektor RJ45');

    const small = await owner.get(`${url}?w=480`).buffer(true).parse(binary);
    expect(small.status).to.equal(200);
    expect(small.headers['content-type']).to.equal('image/jpeg');
    expect((await sharp(small.body as Buffer).metadata()).width).to.equal(480);
    const full = await owner.get(url).buffer(true).parse(binary);
    expect((await sharp(full.body as Buffer).metadata()).width).to.equal(1600);

    const list = await owner.get(`/programs/${program}/questions`);
    const [thumbnail] = questionImgs(list.text);
    expect(thumbnail).to.include('thumbnail');
    expect(attribute(thumbnail!, 'src')).to.equal(`${url}?w=480`);
    expect(attribute(thumbnail!, 'width')).to.equal('480');
    expect(attribute(thumbnail!, 'height')).to.equal('240');
    expect(attribute(thumbnail!, 'srcset')).to.equal(undefined);
  });

  it('refuses an image without alt text, of another type or too big, in Indonesian, and keeps nothing', async () => {
    const before = await stored();

    const noAlt = await newQuestion({ text: 'Soal tanpa teks alternatif' }, { data: await photo(), name: 'a.jpg' });
    expect(noAlt.status).to.equal(422);
    expect(errorBeside(noAlt.text, 'f-imageAlt')).to.equal(t('assessments.errors.imageAlt'));
    expect(noAlt.text).to.include('Soal tanpa teks alternatif');
    expect(noAlt.text).to.include(t('assessments.bank.image.chooseAgain'));

    for (const [data, name] of [
      [await photo(400, 200, 'gif'), 'animasi.gif'],
      [samples.pdf(), 'gambar.jpg'],
    ] as const) {
      const refused = await newQuestion({ text: `Soal dengan ${name}`, imageAlt: 'Sesuatu' }, { data, name });
      expect(refused.status, name).to.equal(422);
      expect(errorBeside(refused.text, 'f-image'), name).to.equal(t('files.errors.type', { allowed: 'JPG, PNG, atau WEBP' }));
    }

    const tooBig = await newQuestion(
      { text: 'Soal dengan gambar raksasa', imageAlt: 'Besar' },
      { data: samples.png(11 * 1024 * 1024), name: 'besar.png' },
    );
    expect(tooBig.status).to.equal(422);
    expect(errorBeside(tooBig.text, 'f-image')).to.equal(t('files.errors.imageTooLarge', { max: 10 }));
    // The fields before the file were read: what was typed stays in the form.
    expect(tooBig.text).to.include('Soal dengan gambar raksasa');

    expect(await stored()).to.deep.equal(before);
  });

  it('replaces, re-describes and removes the image on edit; the old picture stays for attempts that showed it', async () => {
    const created = await newQuestion(
      { text: 'Warna kabel nomor 1 pada T568B?', imageAlt: 'Urutan kabel' },
      {
        data: await photo(1200, 900, 'png'),
        name: 'kabel.png',
      },
    );
    const id = idOf(created.headers.location);
    const first = (await Question.findById(id).lean())!.content.image.file as string;

    const replaced = await postForm(
      owner,
      `/questions/${id}`,
      { text: 'Warna kabel nomor 1 pada T568B?', revision: '1', imageAlt: 'Urutan kabel T568B' },
      { data: await photo(800, 600, 'webp'), name: 'kabel.webp' },
    );
    expect(replaced.status, replaced.text.slice(0, 300)).to.equal(303);
    const second = (await Question.findById(id).lean())!;
    expect(second.revision).to.equal(2);
    expect(second.content.image).to.deep.include({ alt: 'Urutan kabel T568B', width: 800, height: 600, widths: [480] });
    expect(second.content.image.file).to.not.equal(first);
    expect((await owner.get(`/questions/${id}/images/${first}`)).status).to.equal(200);

    const described = await postForm(owner, `/questions/${id}`, {
      text: 'Warna kabel nomor 1 pada T568B?',
      revision: '2',
      imageAlt: 'Delapan kabel berurutan',
    });
    expect(described.status).to.equal(303);
    const third = (await Question.findById(id).lean())!.content.image;
    expect(third).to.deep.include({ file: second.content.image.file, alt: 'Delapan kabel berurutan' });

    const noAlt = await postForm(owner, `/questions/${id}`, {
      text: 'Warna kabel nomor 1 pada T568B?',
      revision: '3',
      imageAlt: '',
    });
    expect(noAlt.status).to.equal(422);
    expect(errorBeside(noAlt.text, 'f-imageAlt')).to.equal(t('assessments.errors.imageAlt'));

    const removed = await postForm(owner, `/questions/${id}`, {
      text: 'Warna kabel nomor 1 pada T568B?',
      revision: '3',
      removeImage: 'on',
    });
    expect(removed.status).to.equal(303);
    const last = (await Question.findById(id).lean())!;
    expect(last.content.image).to.equal(undefined);
    expect(questionImgs((await owner.get(`/questions/${id}`)).text)).to.deep.equal([]);
  });

  it('shows the image to the bank editors only, and to trainees the quizzes vouch for', async () => {
    const created = await newQuestion(
      { text: 'Topologi apa ini?', imageAlt: 'Topologi bintang' },
      {
        data: await photo(600, 400),
        name: 'topologi.jpg',
      },
    );
    const id = idOf(created.headers.location);
    const file = (await Question.findById(id).lean())!.content.image.file as string;
    const url = `/questions/${id}/images/${file}`;

    expect((await owner.get(url)).status).to.equal(200);
    expect((await otherInstructor.get(url)).status).to.equal(403);
    expect((await trainee.get(url)).status).to.equal(403);
    // Not a bank image (a made-up id), or a file that is no question's: not found.
    expect((await owner.get(`/questions/${id}/images/${'0'.repeat(24)}`)).status).to.equal(404);

    // The quizzes' checker: this trainee has an attempt with this question, nobody else.
    const asked: string[] = [];
    const unregister = registerQuestionImageAccess(async (actor, image) => {
      asked.push(`${actor.role}:${image.question}:${image.file}`);
      return actor.id === traineeId && image.question === id && image.file === file;
    });
    try {
      expect((await trainee.get(url)).status).to.equal(200);
      expect((await otherInstructor.get(url)).status).to.equal(403);
      expect(asked).to.include(`trainee:${id}:${file}`);
      // The editors are allowed without asking the quizzes.
      expect((await owner.get(url)).status).to.equal(200);
      expect(asked.filter((entry) => entry.startsWith('instructor'))).to.have.length(1);
    } finally {
      unregister();
    }
    expect((await trainee.get(url)).status).to.equal(403);
  });

  it('lets a question name only its own bank’s images, and fills in their size from the store', async () => {
    const created = await newQuestion(
      { text: 'Gambar milik bank A', imageAlt: 'Milik A' },
      {
        data: await photo(500, 500),
        name: 'a.jpg',
      },
    );
    const file = (await Question.findById(idOf(created.headers.location)).lean())!.content.image.file as string;
    const token = await csrfTokenOf(owner);
    const api = (programId: string, image: unknown, text: string) =>
      owner
        .post(`/api/v1/programs/${programId}/questions`)
        .set('x-csrf-token', token)
        .set('Accept-Language', 'id')
        .send({ content: { type: 'essay', text, image } });

    const reused = await api(program, { file, alt: 'Dipakai lagi', width: 9999, height: 1 }, 'Soal lain, gambar sama');
    expect(reused.status, JSON.stringify(reused.body)).to.equal(201);
    expect(reused.body.content.image).to.deep.equal({ file, alt: 'Dipakai lagi', width: 500, height: 500, widths: [480] });

    const foreign = await api(otherProgram, { file, alt: 'Punya program lain' }, 'Soal di bank B');
    expect(foreign.status).to.equal(403); // the owner does not edit program B
    const otherToken = await csrfTokenOf(otherInstructor);
    const stolen = await otherInstructor
      .post(`/api/v1/programs/${otherProgram}/questions`)
      .set('x-csrf-token', otherToken)
      .set('Accept-Language', 'id')
      .send({ content: { type: 'essay', text: 'Soal di bank B', image: { file, alt: 'Punya A' } } });
    expect(stolen.status).to.equal(422);
    expect(stolen.body.errors).to.deep.equal([{ field: 'image', message: t('assessments.bank.errors.unknownImage') }]);
    expect(await Question.countDocuments({ program: otherProgram })).to.equal(0);
  });

  it('counts the image in the question’s key: the same words with two pictures are two questions, with one picture one', async () => {
    const content = questionContentSchema.parse({ type: 'essay', text: 'Sebutkan nama alat ini.' });
    const withA = { ...content, image: { file: 'a'.repeat(24), alt: 'Alat A' } };
    const withB = { ...content, image: { file: 'b'.repeat(24), alt: 'Alat A' } };
    expect(questionKey(withA)).to.not.equal(questionKey(withB));
    expect(questionKey(withA)).to.not.equal(questionKey(content));
    expect(questionKey({ ...withA, image: { ...withA.image, alt: 'Teks lain' } })).to.equal(questionKey(withA));
    expect(keyWithoutImage(questionKey(withA))).to.equal(questionKey(content));

    const text = 'Sebutkan nama alat pada gambar.';
    const first = await newQuestion({ text, imageAlt: 'Obeng' }, { data: await photo(300, 300), name: 'obeng.jpg' });
    const second = await newQuestion({ text, imageAlt: 'Tang' }, { data: await photo(320, 300), name: 'tang.jpg' });
    expect([first.status, second.status]).to.deep.equal([303, 303]);

    // The same words with the same picture again: the same question, refused.
    const file = (await Question.findById(idOf(first.headers.location)).lean())!.content.image.file as string;
    const token = await csrfTokenOf(owner);
    const again = await owner
      .post(`/api/v1/programs/${program}/questions`)
      .set('x-csrf-token', token)
      .send({ content: { type: 'essay', text, image: { file, alt: 'Obeng' } } });
    expect(again.status).to.equal(409);
  });

  it('keeps no picture that came with a refused save (an edit made from a stale form)', async () => {
    const created = await newQuestion({ text: 'Fungsi crimping tool?' });
    const id = idOf(created.headers.location);
    await postForm(owner, `/questions/${id}`, { text: 'Fungsi crimping tool? (diubah)', revision: '1' });
    const before = await stored();
    const stale = await postForm(
      owner,
      `/questions/${id}`,
      { text: 'Fungsi crimping tool?', revision: '1', imageAlt: 'Crimping tool' },
      { data: await photo(400, 300), name: 'crimping.jpg' },
    );
    expect(stale.status).to.equal(409);
    expect(stale.text).to.include(t('assessments.bank.errors.changed'));
    expect(await eventually(async () => JSON.stringify(await stored()) === JSON.stringify(before))).to.equal(true);
  });

  it('exports the image reference in JSON only, says how many images GIFT and Aiken left out, and imports them back without copies', async () => {
    const before = await Question.countDocuments({ program });
    const withImages = await Question.countDocuments({ program, 'content.image': { $exists: true } });
    expect(withImages).to.be.greaterThan(0);

    const json = await owner.get(`/programs/${program}/questions/export?format=json`);
    const exported = JSON.parse(json.text) as { questions: { image?: { file: string; alt: string } }[] };
    expect(exported.questions.filter((question) => question.image?.file && question.image.alt)).to.have.length(withImages);
    expect(json.headers['x-images-left-out']).to.equal('0');

    // Of the two questions with the same words and different pictures, GIFT holds the first: the
    // second would be the same question twice, and the file could not be imported again.
    const gift = await owner.get(`/programs/${program}/questions/export?format=gift`);
    expect(gift.headers['x-skipped-questions']).to.equal('1');
    expect(gift.text).to.include(`// ${t('assessments.import.skipped.sameWithoutImage')} Sebutkan nama alat pada gambar.`);
    expect(gift.headers['x-images-left-out']).to.equal(String(withImages - 1));
    expect(gift.text).to.include(`// ${t('assessments.bank.export.imagesLeftOut', { count: withImages - 1 })}`);
    const aiken = await owner.get(`/programs/${program}/questions/export?format=aiken`);
    expect(aiken.headers['x-images-left-out']).to.equal('0'); // only essays carry images here, and Aiken holds none
    expect(gift.text).to.not.include('images/');
    const list = await owner.get(`/programs/${program}/questions`);
    expect(list.text).to.include(t('assessments.bank.export.imagesNote', { count: withImages }));

    // Into the same program: the JSON and the GIFT file find every question already there.
    for (const [format, text] of [
      ['json', json.text],
      ['gift', gift.text],
    ] as const) {
      const token = await csrfTokenOf(owner);
      const imported = await owner
        .post(`/api/v1/programs/${program}/question-imports`)
        .set('x-csrf-token', token)
        .send({ text, format });
      expect(imported.status, `${format}: ${JSON.stringify(imported.body)}`).to.equal(201);
      expect(imported.body.added, format).to.equal(0);
    }
    expect(await Question.countDocuments({ program })).to.equal(before);

    // Into another program: its images are not that bank's; every such question is named by its line.
    const otherToken = await csrfTokenOf(otherInstructor);
    const foreign = await otherInstructor
      .post(`/programs/${otherProgram}/questions/import?_csrf=${encodeURIComponent(otherToken)}`)
      .set('Accept-Language', 'id')
      .field('format', 'json')
      .field('text', json.text);
    expect(foreign.status).to.equal(422);
    const file = exported.questions.find((question) => question.image)!.image!.file;
    expect(foreign.text.replace(/&#34;|&quot;/g, '"')).to.include(t('assessments.bank.import.unknownImage', { file }));
    expect(await Question.countDocuments({ program: otherProgram })).to.equal(0);

    // A question deleted from the bank comes back from the JSON with its picture.
    const pictured = (await Question.findOne({ program, 'content.image.alt': 'Topologi bintang' }).lean())!;
    await Question.deleteOne({ _id: pictured._id });
    const token = await csrfTokenOf(owner);
    const back = await owner
      .post(`/api/v1/programs/${program}/question-imports`)
      .set('x-csrf-token', token)
      .send({ text: json.text, format: 'json' });
    expect(back.body.added).to.equal(1);
    const restored = (await Question.findOne({ program, key: pictured.key }).lean())!;
    expect(restored.content.image).to.deep.equal(pictured.content.image);
  });
});
