import { type FileStorage, LocalDiskStorage } from '../files/storage.js';
import { ExportJob, type ExportJobDoc } from './model.js';
import { keepFilesMs } from './service.js';

/** Finished jobs one clean-up reads of each status, oldest first; more wait for the next run. */
const perRun = 500;

/**
 * The clean-up step (cleanup.ts): finished exports older than 24 hours, their file first and then
 * their record (a record without a file would offer a broken link). Reads by indexed equality on
 * `status`; the age is judged here, since FerretDB reads a whole collection for a range.
 */
export async function removeExpiredExports(
  now = new Date(),
  uploadDir?: string,
  storage: FileStorage | undefined = uploadDir ? new LocalDiskStorage(uploadDir) : undefined,
): Promise<number> {
  const before = now.getTime() - keepFilesMs;
  const finished = (
    await Promise.all(
      (['done', 'failed'] as const).map((status) =>
        ExportJob.find({ status }, { file: 1, finishedAt: 1 }).sort({ finishedAt: 1 }).limit(perRun).lean<ExportJobDoc[]>(),
      ),
    )
  )
    .flat()
    .filter((job) => job.finishedAt && job.finishedAt.getTime() < before);
  let removed = 0;
  for (const job of finished) {
    // Without the storage (no upload folder given) files cannot be removed: their records stay too.
    if (job.file) {
      if (!storage) continue;
      await storage.remove(job.file.key);
    }
    removed += (await ExportJob.deleteOne({ _id: job._id })).deletedCount;
  }
  return removed;
}
