import { createHash, randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import sharp, { type ResizeOptions } from 'sharp';
import { ValidationError } from '../platform/errors.js';

/**
 * Images for web pages (a lesson's pictures) are re-encoded rather than kept as uploaded: turned
 * upright by their EXIF orientation, stripped of every piece of metadata (a phone photo's EXIF
 * carries where it was taken), at most 1600 px on the long side, with narrower copies for
 * phones. Pages then get `srcset` and exact `width`/`height` from what is stored here.
 */
export const webImageLongSide = 1600;
/** Narrower copies, for `srcset`: a phone of 360 px at 1.3–2.7× picks 480 or 960. */
export const webImageWidths = [480, 960] as const;
/**
 * Decoding takes memory by pixels, not bytes: a 2 MB PNG can hold 20000 × 20000 pixels. Anything
 * above this (a 48-megapixel phone photo still fits) is refused before it is decoded.
 */
export const maxImagePixels = 64_000_000;

// libvips keeps recent operations in a cache: useless for one-off uploads, and memory the server needs.
sharp.cache(false);

export type PreparedImage = { path: string; width: number; height: number; size: number; sha256: string };
export type PreparedWebImage = { mimeType: string; main: PreparedImage; variants: PreparedImage[] };

/**
 * Makes the web copies of the image at `inputPath` (its type already sniffed) as temporary files
 * in `folder`: the caller moves them into storage and removes whatever is left in the end.
 * `created` receives each temporary path as soon as it exists, so nothing escapes the clean-up.
 */
export async function prepareWebImage(
  inputPath: string,
  mimeType: string,
  folder: string,
  created: (temporaryPath: string) => void,
  field: string,
): Promise<PreparedWebImage> {
  const animated = mimeType === 'image/gif';
  const metadata = await sharp(inputPath, { animated })
    .metadata()
    .catch(() => undefined);
  if (!metadata?.width || !metadata.height) throw new ValidationError([{ field, key: 'files.errors.imageUnreadable' }]);
  if (metadata.width * metadata.height > maxImagePixels) {
    throw new ValidationError([
      { field, key: 'files.errors.imageTooManyPixels', params: { megapixels: maxImagePixels / 1_000_000 } },
    ]);
  }
  // An animated GIF's frames are stacked: its height is the frames' total.
  const frameHeight = metadata.pageHeight ?? metadata.height;

  const encode = async (resize: ResizeOptions): Promise<PreparedImage> => {
    const target = path.join(folder, `${randomBytes(16).toString('hex')}.part`);
    created(target);
    let pipeline = sharp(inputPath, { animated, limitInputPixels: maxImagePixels }).autoOrient().resize(resize);
    // Same format as uploaded (a screenshot stays a sharp PNG); no metadata is kept (sharp's default).
    if (mimeType === 'image/jpeg') pipeline = pipeline.jpeg({ quality: 82, mozjpeg: true });
    else if (mimeType === 'image/png') pipeline = pipeline.png({ compressionLevel: 9 });
    else if (mimeType === 'image/webp') pipeline = pipeline.webp({ quality: 82 });
    else pipeline = pipeline.gif();
    const info = await pipeline.toFile(target);
    const bytes = await readFile(target);
    const height = animated ? Math.round((info.width * frameHeight) / metadata.width!) : info.height;
    return {
      path: target,
      width: info.width,
      height,
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    };
  };

  try {
    const main = await encode({
      width: webImageLongSide,
      height: webImageLongSide,
      fit: 'inside',
      withoutEnlargement: true,
    });
    const variants: PreparedImage[] = [];
    for (const width of webImageWidths) {
      if (width < main.width) variants.push(await encode({ width }));
    }
    return { mimeType, main, variants };
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    // The header was fine but the pixels are not (a truncated or corrupt file): the user's to fix.
    if (error instanceof Error && !(error as NodeJS.ErrnoException).syscall) {
      throw new ValidationError([{ field, key: 'files.errors.imageUnreadable' }]);
    }
    throw error;
  }
}

/** Removes temporary files, whether or not they are still there. */
export async function removeTemporary(paths: Iterable<string>): Promise<void> {
  await Promise.all([...paths].map((file) => rm(file, { force: true })));
}
