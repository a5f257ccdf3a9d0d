import { xapiVersion } from './statements.js';

/** How long one POST may take, from connecting to the end of the answer. */
export const requestTimeoutMs = 10_000;
/** How much of the LRS's answer is read, and kept to show the admin why it refused. */
const answerBytesRead = 2_048;
const answerCharsKept = 300;

export type Lrs = { endpoint: string; username: string; password: string };
export type LrsAnswer = { status: number | null; error: string; retryAfter: string | null };

/** Control characters out, and short: the LRS's answer is shown on a page. */
const printable = (text: string) =>
  text
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, answerCharsKept);

async function readBounded(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < answerBytesRead) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, answerBytesRead).toString('utf8');
}

function reasonOf(error: unknown): string {
  const failure = error as { name?: string; cause?: { code?: string; message?: string }; message?: string };
  if (failure.name === 'TimeoutError') return `timeout after ${requestTimeoutMs / 1000} s`;
  return printable(String(failure.cause?.code ?? failure.cause?.message ?? failure.message ?? 'request failed'));
}

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
    const text = await readBounded(response);
    const ok = response.status >= 200 && response.status < 300;
    return {
      status: response.status,
      error: ok ? '' : printable(`${response.status} ${response.statusText} ${text}`),
      retryAfter: response.headers.get('retry-after'),
    };
  } catch (error) {
    return { status: null, error: reasonOf(error), retryAfter: null };
  }
}
