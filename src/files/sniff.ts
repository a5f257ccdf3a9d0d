import { type FileHandle, open } from 'node:fs/promises';
import { fileTypeFromFile } from 'file-type';

/**
 * The MIME type of a file, read from its bytes alone; undefined when they match no known format
 * (plain text, HTML and SVG among them: file-type recognises no text formats as such).
 */
export async function sniffMimeType(filePath: string): Promise<string | undefined> {
  const detected = await fileTypeFromFile(filePath);
  if (detected?.mime === 'application/x-cfb') return legacyOfficeType(filePath);
  return detected?.mime;
}

/**
 * Word 97–2003, Excel and PowerPoint files are Compound File Binary containers, which file-type
 * reports only as "CFB" (so are MSI installers and Outlook messages). The name of a stream at the
 * root of the container tells them apart.
 */
const streamTypes: Record<string, string> = {
  WordDocument: 'application/msword',
  Workbook: 'application/vnd.ms-excel',
  Book: 'application/vnd.ms-excel',
  'PowerPoint Document': 'application/vnd.ms-powerpoint',
};

async function legacyOfficeType(filePath: string): Promise<string | undefined> {
  const handle = await open(filePath, 'r');
  try {
    for (const name of await rootEntryNames(handle)) {
      if (Object.hasOwn(streamTypes, name)) return streamTypes[name];
    }
    return undefined;
  } catch {
    return undefined; // a malformed container is simply not a document we know
  } finally {
    await handle.close();
  }
}

const noEntry = 0xffffffff;
const firstSpecialSector = 0xfffffffa; // this and above mark the end of a chain or unused sectors
const entrySize = 128;
const maxDirectorySectors = 256; // a bound against loops in a crafted file

/** The names of the entries directly under the root of a compound file (MS-CFB, sections 2.2–2.6). */
async function rootEntryNames(handle: FileHandle): Promise<string[]> {
  const header = await readAt(handle, 0, 512);
  const sectorShift = header.readUInt16LE(30);
  if (sectorShift !== 9 && sectorShift !== 12) return [];
  const sectorSize = 1 << sectorShift;
  const sectorOffset = (sector: number) => (sector + 1) * sectorSize;
  // Only the 109 FAT sectors listed in the header are followed: they cover files up to 7 MB
  // (512-byte sectors) or 436 MB (4 KB sectors); a directory beyond that is not recognised.
  const nextSector = async (sector: number) => {
    const perFatSector = sectorSize / 4;
    const listed = Math.floor(sector / perFatSector);
    if (listed >= 109) return noEntry;
    const fatSector = header.readUInt32LE(76 + listed * 4);
    if (fatSector >= firstSpecialSector) return noEntry;
    return (await readAt(handle, sectorOffset(fatSector) + (sector % perFatSector) * 4, 4)).readUInt32LE(0);
  };

  const entries: { name: string; left: number; right: number; child: number }[] = [];
  let sector = header.readUInt32LE(48);
  for (let count = 0; sector < firstSpecialSector && count < maxDirectorySectors; count++) {
    const data = await readAt(handle, sectorOffset(sector), sectorSize);
    for (let offset = 0; offset + entrySize <= data.length; offset += entrySize) {
      const nameBytes = Math.min(64, data.readUInt16LE(offset + 64));
      entries.push({
        name: data.toString('utf16le', offset, offset + Math.max(0, nameBytes - 2)),
        left: data.readUInt32LE(offset + 68),
        right: data.readUInt32LE(offset + 72),
        child: data.readUInt32LE(offset + 76),
      });
    }
    sector = await nextSector(sector);
  }

  // The root's children form a tree through their left and right siblings.
  const names: string[] = [];
  const pending = [entries[0]?.child ?? noEntry];
  const seen = new Set<number>();
  while (pending.length) {
    const id = pending.pop() ?? noEntry;
    const entry = entries[id];
    if (!entry || seen.has(id)) continue;
    seen.add(id);
    names.push(entry.name);
    pending.push(entry.left, entry.right);
  }
  return names;
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  if (bytesRead < length) throw new Error('truncated compound file');
  return buffer;
}
