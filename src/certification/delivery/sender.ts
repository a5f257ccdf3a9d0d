import { signatureHeader, signPayload } from './signature.js';

/** How long one push may take, from connecting to the end of the answer. */
export const requestTimeoutMs = 10_000;
/** How much of the receiver's answer is read (and kept, to show the coordinator why it failed). */
export const answerBytesRead = 2_048;
export const answerCharsKept = 500;

export type Push = {
  url: string;
  /** The exact bytes signed and sent: the batch's JSON. */
  body: string;
  secret: string;
  /** The batch id: the receiver treats every push with one key as one batch. */
  idempotencyKey: string;
  deliveryId: string;
  attempt: number;
  nowSeconds: number;
};

export type PushAnswer = { status: number | null; error: string; retryAfter: string | null; durationMs: number };

/** Control characters out, and short: the receiver's answer is shown on a page. */
const printable = (text: string) =>
  text
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .trim()
    .slice(0, answerCharsKept);

/** Reads at most `limit` bytes of a body, then stops reading (a huge answer costs nothing more). */
async function readBounded(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

/** What went wrong before an answer came, in a few words. */
function reasonOf(error: unknown): string {
  const failure = error as { name?: string; cause?: { code?: string; message?: string }; message?: string };
  if (failure.name === 'TimeoutError') return `timeout after ${requestTimeoutMs / 1000} s`;
  const cause = failure.cause?.code ?? failure.cause?.message ?? failure.message ?? 'request failed';
  return printable(String(cause));
}

/**
 * POSTs one signed push and returns what came back, never throwing: a refused connection or a
 * timeout is an answer without a status. Redirects are not followed (a push goes where it was
 * configured), and only the first bytes of the answer are read.
 */
export async function sendPush(push: Push, fetcher: typeof fetch = fetch): Promise<PushAnswer> {
  const started = performance.now();
  const durationMs = () => Math.round(performance.now() - started);
  try {
    const response = await fetcher(push.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(requestTimeoutMs),
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'Kompeten-Webhook/1',
        [signatureHeader]: signPayload(push.secret, push.body, push.nowSeconds),
        'Idempotency-Key': push.idempotencyKey,
        'Kompeten-Delivery': push.deliveryId,
        'Kompeten-Attempt': String(push.attempt),
      },
      body: push.body,
    });
    const text = await readBounded(response, answerBytesRead);
    const ok = response.status >= 200 && response.status < 300;
    return {
      status: response.status,
      error: ok ? '' : printable(`${response.status} ${response.statusText} ${text}`),
      retryAfter: response.headers.get('retry-after'),
      durationMs: durationMs(),
    };
  } catch (error) {
    return { status: null, error: reasonOf(error), retryAfter: null, durationMs: durationMs() };
  }
}
