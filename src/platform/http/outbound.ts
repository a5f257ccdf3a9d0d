/**
 * Requests to outside servers (a certification body's webhook, a learning record store): their
 * answers are read only so far, and shown on pages only cleaned, whatever they send.
 */

/** Control characters out, spaces collapsed, and short: an outside server's answer shown on a page. */
export const printable = (text: string, limit: number) =>
  text
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, limit);

/** Reads at most `limit` bytes of a body, then stops reading (a huge answer costs nothing more). */
export async function readBounded(response: Response, limit: number): Promise<string> {
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

/** What went wrong before an answer came (refused, unknown host, timed out), in a few words. */
export function failureReason(error: unknown, timeoutMs: number, limit: number): string {
  const failure = error as { name?: string; cause?: { code?: string; message?: string }; message?: string };
  if (failure.name === 'TimeoutError') return `timeout after ${timeoutMs / 1000} s`;
  return printable(String(failure.cause?.code ?? failure.cause?.message ?? failure.message ?? 'request failed'), limit);
}

/** 408, 425, 429 and 5xx: a passing trouble on the other side, worth trying again later. */
export const passingTrouble = (status: number) => status === 408 || status === 425 || status === 429 || status >= 500;

/** A Retry-After header in milliseconds (seconds or an HTTP date), 0 when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number {
  if (!header) return 0;
  if (/^\d{1,9}$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? 0 : Math.max(0, at - now);
}
