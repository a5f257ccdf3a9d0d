import mongoose from 'mongoose';
import { Cohort } from '../cohorts/model.js';
import { LiveSession } from '../live/model.js';
import { summariseSession } from '../live/reports/service.js';
import { LiveAttendance, LiveHand, LivePoll, LivePollVote, LivePost, LiveRoom, LiveUpvote } from '../live/room/model.js';
import { Program } from '../programs/model.js';
import { User } from '../users/model.js';
import { demoCohortName } from './demoLearning.js';

const minute = 60_000;
const day = 86_400_000;

/**
 * The demo cohort's live classes: one that ran two days ago (with its chat, a question, a poll,
 * raised hands and attendance, so its report and transcript have something to show), one under
 * way as the demo starts (to walk into at once), and two ahead. Skipped when the cohort has live
 * sessions already, so a second run adds nothing.
 */
export async function seedDemoLive(now = Date.now()): Promise<number> {
  const program = await Program.findOne({ code: 'JWP-DASAR' }).lean();
  const cohort = program ? await Cohort.findOne({ program: program._id, name: demoCohortName }).lean() : null;
  const instructor = await User.findOne({ email: 'instruktur1@kompeten.test' }).lean();
  const trainees = await User.find({
    email: { $in: ['peserta1', 'peserta2', 'peserta3'].map((name) => `${name}@kompeten.test`) },
  })
    .sort({ email: 1 })
    .lean();
  if (!cohort || !instructor || trainees.length !== 3) return 0;
  if (await LiveSession.exists({ cohort: cohort._id })) return 0;
  const [andi, dewi, rizky] = trainees as [(typeof trainees)[0], (typeof trainees)[0], (typeof trainees)[0]];

  // Whole quarter hours, as people schedule.
  const quarter = (time: number) => new Date(Math.floor(time / (15 * minute)) * 15 * minute);
  const session = (title: string, startsAt: Date, durationMinutes: number) => ({
    cohort: cohort._id,
    title,
    startsAt,
    durationMinutes,
    meetingUrl: 'https://meet.jit.si/kompeten-demo-jwp',
    createdBy: instructor._id,
  });
  const [past] = await LiveSession.insertMany([
    session('Pengenalan HTML dan struktur halaman', quarter(now - 2 * day), 90),
    session('Praktik formulir HTML', quarter(now - 10 * minute), 120),
    session('CSS dasar: selektor dan warna', quarter(now + 2 * day), 90),
    session('Tata letak dengan Flexbox', quarter(now + 7 * day), 90),
  ]);
  const id = past!._id;
  const start = past!.startsAt.getTime();
  const at = (minutes: number) => new Date(start + minutes * minute);

  // The class two days ago, as the room would have recorded it.
  const people = [
    { user: instructor, role: 'instructor', from: -5, to: 88 },
    { user: andi, role: 'trainee', from: -2, to: 88 },
    { user: dewi, role: 'trainee', from: 12, to: 88 },
    { user: rizky, role: 'trainee', from: 0, to: 40 },
  ];
  await LiveAttendance.insertMany(
    people.flatMap(({ user, role, from, to }) => {
      const connection = new mongoose.Types.ObjectId().toHexString();
      const base = { session: id, user: user._id, userName: user.name, role, connection };
      return [
        { ...base, kind: 'join', at: at(from) },
        { ...base, kind: 'leave', at: at(to) },
      ];
    }),
  );
  const post = (author: typeof andi, role: string, kind: 'message' | 'question', text: string, minutes: number) => ({
    _id: mongoose.Types.ObjectId.createFromTime(Math.floor(at(minutes).getTime() / 1000)),
    session: id,
    kind,
    author: author._id,
    authorName: author.name,
    authorRole: role,
    text,
    clientId: `demo-${minutes}-${kind}`,
    createdAt: at(minutes),
    updatedAt: at(minutes),
  });
  const posts = await LivePost.insertMany([
    post(instructor, 'instructor', 'message', 'Selamat pagi semua. Hari ini kita membahas struktur dokumen HTML.', 1),
    post(andi, 'trainee', 'message', 'Pagi, Pak. Suara dan slide sudah jelas.', 2),
    post(rizky, 'trainee', 'message', 'Maaf, saya ikut dari HP, sinyal kurang stabil.', 3),
    post(andi, 'trainee', 'question', 'Apa bedanya tag <section> dan <div>?', 25),
    post(dewi, 'trainee', 'message', 'Terima kasih, Pak. Contohnya sangat membantu.', 85),
  ]);
  await LiveUpvote.create({ session: id, question: posts[3]!._id, voter: dewi._id });
  await LivePost.updateOne({ _id: posts[3]!._id }, { answeredAt: at(30) });
  const poll = await LivePoll.create({
    session: id,
    question: 'Tag mana yang menjadi wadah seluruh isi halaman yang tampil?',
    options: ['<head>', '<body>', '<main>'],
    open: false,
    resultsShown: true,
    createdBy: instructor._id,
    clientId: 'demo-poll-1',
    closedAt: at(50),
  });
  await LivePollVote.insertMany([
    { session: id, poll: poll._id, voter: andi._id, option: 1 },
    { session: id, poll: poll._id, voter: dewi._id, option: 1 },
    { session: id, poll: poll._id, voter: rizky._id, option: 2 },
  ]);
  const hand = new mongoose.Types.ObjectId();
  await LiveHand.create({
    _id: hand,
    session: id,
    user: dewi._id,
    userName: dewi.name,
    openKey: String(hand),
    raisedAt: at(60),
    loweredAt: at(62),
    loweredBy: instructor._id,
  });
  await LiveRoom.create({ _id: id, endedAt: at(88), endedBy: instructor._id });
  await summariseSession(String(id), new Date(now));
  return 4 + 8 + posts.length + 1 + 1 + 3 + 1 + 1;
}
