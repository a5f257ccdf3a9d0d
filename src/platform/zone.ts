/**
 * The time zone every time is typed and shown in: the institution's. Today every institution is
 * in WIB (UTC+7, no daylight saving); WITA (+08:00) and WIT (+09:00) institutions would make this
 * a setting of the institution. One place, so that change is one change.
 */
export const institutionZone = {
  /** What people read after a time: "19:00 WIB". */
  label: 'WIB',
  /** For Intl.DateTimeFormat. */
  iana: 'Asia/Jakarta',
  /** For ISO 8601 text. */
  offset: '+07:00',
  offsetMs: 7 * 3_600_000,
} as const;

/** A date (YYYY-MM-DD) and a time (HH:MM) typed in the zone, as the instant they name. */
export function zonedDateTime(day: string, time: string): Date {
  return new Date(`${day}T${time}:00${institutionZone.offset}`);
}

/** An instant as the zone's date (YYYY-MM-DD) and time (HH:MM), as form fields take them. */
export function zonedParts(date: Date | null | undefined): { day: string; time: string } {
  if (!date) return { day: '', time: '' };
  const iso = new Date(date.getTime() + institutionZone.offsetMs).toISOString();
  return { day: iso.slice(0, 10), time: iso.slice(11, 16) };
}
