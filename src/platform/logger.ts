import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

/**
 * The app's logger: JSON lines on standard output (or `destination`, which tests use to read
 * what the app would write). Secrets never reach a line: cookies and bearer tokens here, CSRF
 * tokens and first-login links in the request serializer (app.ts).
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: ['req.headers.cookie', 'req.headers.authorization', 'password', '*.password', 'nik', '*.nik'],
    // Personal numbers have no fixed place in a line: an error message can quote a NIK from a body
    // or a query. The last step before a line is written masks them wherever they stand.
    hooks: { streamWrite: maskPersonalNumbers },
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * Any run of exactly 16 digits (an Indonesian NIK, a card number), standing on its own (not part
 * of a longer number or an id), becomes `[redacted]`. Nothing the app logs on purpose looks like
 * that: times are 13 digits, ids are hexadecimal or UUIDs.
 */
export function maskPersonalNumbers(line: string): string {
  return line.replace(/(?<![0-9A-Za-z])\d{16}(?![0-9A-Za-z])/g, '[redacted]');
}
