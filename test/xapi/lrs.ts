import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateStatement } from '../../src/xapi/validate.js';

export const lrsKey = 'kompeten-test';
export const lrsSecret = 'rahasia-lrs';

type Stored = Record<string, unknown> & { id: string };
type Forced = { status: number; body?: string };

/**
 * A small learning record store on 127.0.0.1, strict where xAPI 1.0.3 is: it takes POSTs of a
 * statement array at /statements only with the version header and the right Basic credentials,
 * refuses a batch whole when a statement in it is invalid, refused (`refuse`), or has the id of a
 * stored statement with other content (409), and keeps a statement once whatever its id's repeats.
 * `force` makes the next answers errors (503, …) whatever comes.
 */
export async function startLrs() {
  const stored = new Map<string, Stored>();
  const requests: { batch: number; ids: string[] }[] = [];
  const forced: Forced[] = [];
  const refused = new Set<string>();
  let failures = { header: 0, auth: 0 };

  const answer = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(body === undefined ? '' : JSON.stringify(body));
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const next = forced.shift();
      if (next) return answer(res, next.status, { error: next.body ?? 'forced' });
      if (req.method !== 'POST' || req.url !== '/xapi/statements') return answer(res, 404, { error: 'not here' });
      if (req.headers['x-experience-api-version'] !== '1.0.3') {
        failures.header += 1;
        return answer(res, 400, { error: 'X-Experience-API-Version missing' });
      }
      const expected = `Basic ${Buffer.from(`${lrsKey}:${lrsSecret}`).toString('base64')}`;
      if (req.headers.authorization !== expected) {
        failures.auth += 1;
        return answer(res, 401, { error: 'unauthorised' });
      }
      let batch: Stored[];
      try {
        const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
        batch = (Array.isArray(parsed) ? parsed : [parsed]) as Stored[];
      } catch {
        return answer(res, 400, { error: 'not JSON' });
      }
      requests.push({ batch: batch.length, ids: batch.map((statement) => statement.id) });
      for (const statement of batch) {
        const validation = validateStatement(statement);
        if (!validation.valid) return answer(res, 400, { error: validation.errors.join('; ') });
        if (refused.has(statement.id)) return answer(res, 400, { error: `statement ${statement.id} refused` });
        const earlier = stored.get(statement.id);
        if (earlier && JSON.stringify(earlier) !== JSON.stringify(statement)) {
          return answer(res, 409, { error: `statement ${statement.id} exists with other content` });
        }
      }
      for (const statement of batch) stored.set(statement.id, statement);
      answer(
        res,
        200,
        batch.map((statement) => statement.id),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}/xapi`;
  return {
    endpoint,
    port,
    lrs: { endpoint, username: lrsKey, password: lrsSecret },
    stored,
    requests,
    /** Ids of statements the LRS refuses (400 for a batch holding one). */
    refused,
    force: (...answers: Forced[]) => forced.push(...answers),
    failures: () => failures,
    reset() {
      stored.clear();
      requests.length = 0;
      forced.length = 0;
      refused.clear();
      failures = { header: 0, auth: 0 };
    },
    /** Stops listening: the port refuses connections until `reopen`. */
    down: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    reopen: () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
export type TestLrs = Awaited<ReturnType<typeof startLrs>>;
