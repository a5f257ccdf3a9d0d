import { failureReason, printable, readBounded } from '../platform/http/outbound.js';
import { xapiVersion } from './statements.js';

/** How long one POST may take, from connecting to the end of the answer. */
export const requestTimeoutMs = 10_000;
/** How much of the LRS's answer is read, and kept to show the admin why it refused. */
const answerBytesRead = 2_048;
const answerCharsKept = 300;

export type Lrs = { endpoint: string; username: string; password: string };
export type LrsAnswer = { status: number | null; error: string; retryAfter: string | null };

export const statementsUrl = (endpoint: string) => `${endpoint}/statements`;

/**
 * POSTs statements (their JSON texts, as an array) to the LRS's statements resource, never
 * throwing: a refused connection or a timeout is an answer without a status. Redirects are not
 * followed (the Basic credentials go only where they were configured).
 */
export async function postStatements(lrs: Lrs, jsons: string[], fetcher: typeof fetch = fetch): Promise<LrsAnswer> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'X-Experience-API-Version': xapiVersion,
    'User-Agent': 'Kompeten-xAPI/1',
  };
  if (lrs.username) headers.Authorization = `Basic ${Buffer.from(`${lrs.username}:${lrs.password}`).toString('base64')}`;
  try {
    const response = await fetcher(statementsUrl(lrs.endpoint), {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(requestTimeoutMs),
      headers,
      body: `[${jsons.join(',')}]`,
    });
    const text = await readBounded(response, answerBytesRead);
    const ok = response.status >= 200 && response.status < 300;
    return {
      status: response.status,
      error: ok ? '' : printable(`${response.status} ${response.statusText} ${text}`, answerCharsKept),
      retryAfter: response.headers.get('retry-after'),
    };
  } catch (error) {
    return { status: null, error: failureReason(error, requestTimeoutMs, answerCharsKept), retryAfter: null };
  }
}
