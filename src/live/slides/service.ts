import path from 'node:path';
import mongoose from 'mongoose';
import type { Files, StoredFileRecord } from '../../files/index.js';
import { megabytesToBytes } from '../../files/kinds.js';
import { cleanFileName } from '../../files/names.js';
import { sniffMimeType } from '../../files/sniff.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors.js';
import type { Actor } from '../../platform/permissions.js';
import type { LiveConnections } from '../../platform/socket.js';
import { LiveRoom, type LiveRoomDoc } from '../room/model.js';
import { liveRoom } from '../room/rooms.js';
import { visibleSession } from '../service.js';
import { LiveSlideDeck, type LiveSlideDeckDoc } from './model.js';
import { type RenderOptions, refused, slideLimits, slidesField, withPdfPages } from './render.js';

/**
 * Slides of a live class: the class's staff upload a PDF or pictures, which become a deck of
 * web images; the room shows one deck at one page, everyone follows it, and a latecomer opens
 * where the class is (LiveRoom holds the deck and page, not a process's memory).
 */

/** A file the upload form brought, written to a temporary file by the route. */
export type SlideUpload = { path: string; originalName: string; size: number };

export type SlideDeps = {
  files: Pick<Files, 'keepWebImage' | 'removeStoredFile' | 'temporaryFolder' | 'maxMb'>;
  live: Pick<LiveConnections, 'broadcast'>;
  render?: RenderOptions;
};

/** Pictures a slide may be: what every browser shows (no GIF: a slide does not move). */
const imageTypes = ['image/jpeg', 'image/png', 'image/webp'];

export type DeckView = {
  id: string;
  pages: { width: number; height: number; sources: { width: number; url: string }[] }[];
};
export type RoomSlides = { deck: DeckView | null; page: number };

/** A page's address: the largest copy, or a narrower one (`?w=`), for `srcset`. */
const pageUrl = (deck: Pick<LiveSlideDeckDoc, 'session' | '_id'>, page: number, width?: number) =>
  `/live/${String(deck.session)}/slides/${String(deck._id)}/${page}${width ? `?w=${width}` : ''}`;

/** A deck as the room's pages and scripts see it: each page's size and its copies, narrowest first. */
export function deckView(deck: Pick<LiveSlideDeckDoc, 'session' | '_id' | 'pages'>): DeckView {
  return {
    id: String(deck._id),
    pages: deck.pages.map((page, index) => ({
      width: page.width,
      height: page.height,
      sources: page.widths.map((width) => ({
        width,
        url: pageUrl(deck, index + 1, width === page.width ? undefined : width),
      })),
    })),
  };
}

/** The session, if the actor runs its room (its staff) and it can still have slides. */
async function runSession(actor: Actor | null, sessionId: string) {
  const { session, manages } = await visibleSession(actor, sessionId);
  if (!manages) throw new ForbiddenError();
  if (session.status === 'cancelled') throw new ConflictError('liveSlides.errors.cancelled');
  const room = await LiveRoom.findById(session.id).lean<LiveRoomDoc>();
  if (room?.endedAt) throw new ConflictError('liveSlides.errors.ended');
  return { session, room };
}

/** Whether the actor may upload slides to the session: checked before the files are read. */
export async function checkSlideUploader(actor: Actor | null, sessionId: string): Promise<void> {
  await runSession(actor, sessionId);
}

/** The uploads with their sniffed types: one PDF alone, or pictures; each within its kind's size. */
async function classify(uploads: SlideUpload[], maxMb: SlideDeps['files']['maxMb']) {
  if (uploads.length === 0) throw refused('liveSlides.errors.required');
  if (uploads.length > slideLimits.maxPages) throw refused('liveSlides.errors.tooManyFiles', { max: slideLimits.maxPages });
  const typed = [];
  for (const upload of uploads) {
    const name = cleanFileName(upload.originalName);
    const mimeType = await sniffMimeType(upload.path);
    if (mimeType !== 'application/pdf' && !imageTypes.includes(mimeType ?? '')) throw refused('liveSlides.errors.type', { name });
    const kind = mimeType === 'application/pdf' ? 'document' : 'image';
    if (upload.size > megabytesToBytes(maxMb[kind]))
      throw refused(kind === 'document' ? 'liveSlides.errors.pdfTooLarge' : 'liveSlides.errors.imageTooLarge', {
        name,
        max: maxMb[kind],
      });
    typed.push({ ...upload, name, mimeType: mimeType as string });
  }
  if (typed.length > 1 && typed.some((upload) => upload.mimeType === 'application/pdf'))
    throw refused('liveSlides.errors.pdfAlone');
  return typed;
}

/**
 * Stores each page as a web image, in order. A page that fails removes the pages stored before
 * it: an upload is kept whole or not at all. A picture that cannot be read is named.
 */
async function storePages(
  files: SlideDeps['files'],
  pages: { path: string; name: string; mimeType: string }[],
  uploadedBy: string,
): Promise<StoredFileRecord[]> {
  const stored: StoredFileRecord[] = [];
  try {
    for (const page of pages) {
      const record = { originalName: page.name, mimeType: page.mimeType, kind: 'image' as const, uploadedBy };
      try {
        stored.push(await files.keepWebImage(page.path, record, slidesField));
      } catch (error) {
        // images.ts says what is wrong with "the image"; with many, the user needs to know which.
        if (!(error instanceof ValidationError)) throw error;
        throw new ValidationError(
          error.fields.map((issue) => ({
            ...issue,
            key: issue.key.replace(/^files\.errors\./, 'liveSlides.errors.'),
            params: { ...issue.params, name: page.name },
          })),
        );
      }
    }
    return stored;
  } catch (error) {
    await Promise.all(stored.map((file) => files.removeStoredFile(file)));
    throw error;
  }
}

/**
 * Makes a deck of the uploaded files (the class's staff; not in a cancelled session or an ended
 * room): a PDF's pages, or one page per picture in the order given. Shown at once on page 1.
 */
export async function uploadDeck(
  actor: Actor | null,
  sessionId: string,
  uploads: SlideUpload[],
  deps: SlideDeps,
): Promise<RoomSlides> {
  const { session } = await runSession(actor, sessionId);
  const typed = await classify(uploads, deps.files.maxMb);
  const first = typed[0]!;
  const stored =
    first.mimeType === 'application/pdf'
      ? await withPdfPages(
          first.path,
          deps.files.temporaryFolder,
          (pngs) =>
            storePages(
              deps.files,
              pngs.map((png, index) => ({
                path: png,
                name: `${path.parse(first.name).name}-${index + 1}.png`,
                mimeType: 'image/png',
              })),
              actor!.id,
            ),
          deps.render,
        )
      : await storePages(deps.files, typed, actor!.id);
  let deck: LiveSlideDeckDoc;
  try {
    const created = await LiveSlideDeck.create({
      session: session.id,
      pages: stored.map((file) => ({
        file: file.id,
        width: file.image!.width,
        height: file.image!.height,
        widths: [...file.image!.variants.map((variant) => variant.width).sort((a, b) => a - b), file.image!.width],
      })),
      originalName: first.name,
      createdBy: actor!.id,
    });
    deck = created.toObject() as LiveSlideDeckDoc;
  } catch (error) {
    await Promise.all(stored.map((file) => deps.files.removeStoredFile(file)));
    throw error;
  }
  return showDeck(session.id, deck, deps.live);
}

/** Puts the deck on the room's screen at page 1 and tells everyone in the room. */
export async function showDeck(
  sessionId: string,
  deck: LiveSlideDeckDoc,
  live: Pick<LiveConnections, 'broadcast'>,
): Promise<RoomSlides> {
  await LiveRoom.updateOne({ _id: sessionId }, { $set: { deck: deck._id, page: 1 } }, { upsert: true });
  const shown = { deck: deckView(deck), page: 1 };
  live.broadcast(liveRoom(sessionId), 'slides:deck', { session: sessionId, ...shown });
  return shown;
}

/** What the room shows now: its deck and page (the room's snapshot; the caller checked who asks). */
export async function roomSlides(sessionId: string): Promise<RoomSlides> {
  const room = mongoose.isValidObjectId(sessionId) ? await LiveRoom.findById(sessionId).lean<LiveRoomDoc>() : null;
  const deck = room?.deck ? await LiveSlideDeck.findById(room.deck).lean<LiveSlideDeckDoc>() : null;
  if (!room || !deck) return { deck: null, page: 1 };
  return { deck: deckView(deck), page: Math.min(room.page, deck.pages.length) };
}

/**
 * Turns the room's deck to `page` (the class's staff): 1 to its number of pages. 409 when the
 * room shows no deck, or another deck came on screen meanwhile (the page was meant for that one).
 */
export async function turnPage(actor: Actor | null, sessionId: string, page: number): Promise<{ deck: string; page: number }> {
  const { session, room } = await runSession(actor, sessionId);
  const deck = room?.deck ? await LiveSlideDeck.findById(room.deck).lean<LiveSlideDeckDoc>() : null;
  if (!deck) throw new ConflictError('liveSlides.errors.noDeck');
  if (!Number.isInteger(page) || page < 1 || page > deck.pages.length)
    throw new ValidationError([{ field: 'page', key: 'liveSlides.errors.pageRange', params: { pages: deck.pages.length } }]);
  const result = await LiveRoom.updateOne({ _id: session.id, deck: deck._id }, { $set: { page } });
  if (result.matchedCount === 0) throw new ConflictError('liveSlides.errors.deckChanged');
  return { deck: String(deck._id), page };
}

/**
 * The stored file of a deck's page, for whoever may see the session (its trainees and staff).
 * A deck of another session, or a page it does not have, is not found.
 */
export async function slidePageFile(actor: Actor | null, sessionId: string, deckId: string, page: number): Promise<string> {
  const { session } = await visibleSession(actor, sessionId);
  if (!mongoose.isValidObjectId(deckId)) throw new NotFoundError();
  const deck = await LiveSlideDeck.findOne({ _id: deckId, session: session.id }).lean<LiveSlideDeckDoc>();
  const found = Number.isInteger(page) && page >= 1 ? deck?.pages[page - 1] : undefined;
  if (!found) throw new NotFoundError();
  return String(found.file);
}
