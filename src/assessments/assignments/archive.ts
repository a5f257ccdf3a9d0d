import { pipeline } from 'node:stream/promises';
import { create as contentDisposition } from 'content-disposition';
import { stringify } from 'csv-stringify/sync';
import type { Request, Response } from 'express';
import { ZipFile } from 'yazl';
import type { Files } from '../../files/index.js';
import { downloadName } from '../../files/names.js';
import type { archiveContents } from './grading.js';
import { wibText } from './schemas.js';

type Contents = Awaited<ReturnType<typeof archiveContents>>;

/** A file or folder name that every unzip tool takes: no separators, no control characters, not too long. */
function safeName(name: string, fallback: string): string {
  const cleaned = name
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
    .replace(/[\u0000-\u001f\u007f/\\:*?"<>|]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '')
    .slice(0, 80)
    .trim();
  return cleaned || fallback;
}

/** Names made unique within one folder: "foto.jpg", "foto (2).jpg". */
function uniqueNamer() {
  const taken = new Set<string>();
  return (name: string) => {
    let candidate = name;
    const dot = name.lastIndexOf('.');
    const [stem, extension] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
    for (let n = 2; taken.has(candidate.toLowerCase()); n += 1) candidate = `${stem} (${n})${extension}`;
    taken.add(candidate.toLowerCase());
    return candidate;
  };
}

/**
 * Streams a ZIP of submissions to the response: a folder per trainee (inside a folder per
 * assignment when the archive is the whole cohort's), holding the text as `teks.txt`/`text.txt`
 * and the files under their own names, and `index.csv` listing every submission with its rubric.
 * Files are read from storage one after another as the archive is sent; nothing is written to disk.
 */
export async function sendArchive(
  req: Request,
  res: Response,
  files: Files,
  contents: Contents,
  options: { fileName: string; perAssignment: boolean },
) {
  const { perAssignment } = options;
  const t = req.t;
  const zip = new ZipFile();
  const assignmentFolders = uniqueNamer();
  const folderOf = new Map(
    contents.assignments.map((assignment) => [assignment.id, assignmentFolders(safeName(assignment.title, assignment.id))]),
  );
  const traineeFolders = new Map<string, ReturnType<typeof uniqueNamer>>();
  const rows: string[][] = [];
  const mtime = new Date();
  for (const entry of contents.entries) {
    const { assignment, trainee, submission } = entry;
    const parent = perAssignment ? `${folderOf.get(assignment.id)}/` : '';
    const names = traineeFolders.get(assignment.id) ?? uniqueNamer();
    traineeFolders.set(assignment.id, names);
    const folder = `${parent}${names(safeName(trainee.name, trainee.id))}/`;
    const inFolder = uniqueNamer();
    if (submission.text.trim()) {
      zip.addBuffer(Buffer.from(submission.text, 'utf8'), `${folder}${inFolder(t('assessments.assignments.archive.textFile'))}`, {
        mtime,
      });
    }
    const written: string[] = [];
    for (const [index, ref] of submission.files.entries()) {
      const stored = await files.findStoredFile(entry.fileIds[index]!).catch(() => null);
      if (!stored) continue;
      const name = inFolder(safeName(downloadName(ref.name, ref.mimeType), `file-${index + 1}`));
      written.push(name);
      // Photos, videos and office files are compressed already: stored as they are, quickly.
      zip.addReadStreamLazy(`${folder}${name}`, { mtime: stored.createdAt, compress: false, size: stored.size }, (done) => {
        files.storage.openReadStream(stored.key).then(
          (stream) => done(null, stream),
          (error: Error) => done(error, undefined as never),
        );
      });
    }
    const grade = submission.grade;
    rows.push([
      assignment.title,
      assignment.unit,
      trainee.name,
      trainee.email,
      t(`assessments.assignments.state.${submission.status}`),
      String(submission.round),
      submission.submittedAt ? wibText(submission.submittedAt) : '',
      submission.late ? t('assessments.assignments.archive.yes') : '',
      written.map((name) => `${folder}${name}`).join('; '),
      grade ? t(`assessments.assignments.decision.${grade.decision}`) : '',
      grade?.byName ?? '',
      grade
        ? grade.criteria
            .map(
              (item) =>
                `${item.ref}: ${t(item.met ? 'assessments.assignments.rubric.met' : 'assessments.assignments.rubric.notMet')}${item.comment ? ` (${item.comment})` : ''}`,
            )
            .join('; ')
        : '',
      grade?.comment ?? '',
    ]);
  }
  const header = [
    'assignment',
    'unit',
    'trainee',
    'email',
    'status',
    'round',
    'submittedAt',
    'late',
    'files',
    'decision',
    'gradedBy',
    'rubric',
    'comment',
  ].map((column) => t(`assessments.assignments.archive.columns.${column}`));
  // With a byte-order mark, so Excel reads the names' accents as UTF-8.
  zip.addBuffer(Buffer.from(`\ufeff${stringify([header, ...rows])}`, 'utf8'), 'index.csv', { mtime });
  zip.end();
  res.setHeader('Content-Type', 'application/zip');
  res.setHeader('Content-Disposition', contentDisposition(options.fileName));
  res.setHeader('Cache-Control', 'private, no-store');
  try {
    await pipeline(zip.outputStream, res);
  } catch {
    // A file vanished from storage mid-archive, or the client went away: the archive cannot be
    // mended, only cut, so the download shows as failed rather than as a short archive.
    res.destroy();
  }
}
