/**
 * The kinds of file Kompeten accepts and the types (sniffed from the bytes) each kind allows.
 * This is an allow-list: HTML, SVG, scripts and executables are refused because they are not in
 * it, whatever their name or the browser's Content-Type says.
 */
export const fileKinds = ['video', 'document', 'image'] as const;
export type FileKind = (typeof fileKinds)[number];

type AcceptedType = {
  kind: FileKind;
  /** Extensions a download of this type may carry; the first is added when the name has none of them. */
  extensions: readonly string[];
  /** Browsers show these themselves without running any of our origin's script, so they may be inline. */
  inline: boolean;
};

const acceptedTypes: Record<string, AcceptedType> = {
  'video/mp4': { kind: 'video', extensions: ['mp4', 'm4v'], inline: true },
  'video/webm': { kind: 'video', extensions: ['webm'], inline: true },
  'application/pdf': { kind: 'document', extensions: ['pdf'], inline: true },
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': {
    kind: 'document',
    extensions: ['docx'],
    inline: false,
  },
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { kind: 'document', extensions: ['xlsx'], inline: false },
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': {
    kind: 'document',
    extensions: ['pptx'],
    inline: false,
  },
  'application/vnd.oasis.opendocument.text': { kind: 'document', extensions: ['odt'], inline: false },
  'application/vnd.oasis.opendocument.spreadsheet': { kind: 'document', extensions: ['ods'], inline: false },
  'application/vnd.oasis.opendocument.presentation': { kind: 'document', extensions: ['odp'], inline: false },
  'application/msword': { kind: 'document', extensions: ['doc'], inline: false },
  'application/vnd.ms-excel': { kind: 'document', extensions: ['xls'], inline: false },
  'application/vnd.ms-powerpoint': { kind: 'document', extensions: ['ppt'], inline: false },
  'image/png': { kind: 'image', extensions: ['png'], inline: true },
  'image/jpeg': { kind: 'image', extensions: ['jpg', 'jpeg'], inline: true },
  'image/webp': { kind: 'image', extensions: ['webp'], inline: true },
  'image/gif': { kind: 'image', extensions: ['gif'], inline: true },
};

/** The accepted type of a sniffed MIME type, or undefined when Kompeten does not take it. */
export function acceptedType(mimeType: string): AcceptedType | undefined {
  return Object.hasOwn(acceptedTypes, mimeType) ? acceptedTypes[mimeType] : undefined;
}

export function mayBeShownInline(mimeType: string): boolean {
  return acceptedType(mimeType)?.inline ?? false;
}

const megabyte = 1024 * 1024;

export function megabytesToBytes(megabytes: number): number {
  return Math.floor(megabytes * megabyte);
}
