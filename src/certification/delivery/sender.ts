import { failureReason, printable, readBounded } from '../../platform/http/outbound.js';
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
      error: ok ? '' : printable(`${response.status} ${response.statusText} ${text}`, answerCharsKept),
      retryAfter: response.headers.get('retry-after'),
      durationMs: durationMs(),
    };
  } catch (error) {
    return {
      status: null,
      error: failureReason(error, requestTimeoutMs, answerCharsKept),
      retryAfter: null,
      durationMs: durationMs(),
    };
  }
}
