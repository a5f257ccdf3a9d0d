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
    redact: ['req.headers.cookie', 'req.headers.authorization', 'password', '*.password'],
  };
  return destination ? pino(options, destination) : pino(options);
}
