import { createHmac, timingSafeEqual } from 'node:crypto';
import { assertUnderLimits, type Counter, recordAttempt } from '../auth/throttle.js';
import { sha256Hex } from '../platform/text.js';
import { TracerSurvey, type TracerSurveyDoc } from './model.js';

/**
 * The survey link: answering without a password, for a graduate who no longer logs in. The token
 * is an HMAC of the survey's id under the app's secret, cut to 144 bits (24 characters of
 * base64url): it cannot be guessed, carries no account data (the id, which names the trainee, is
 * not in it), and is the same each time it is made, so a reminder sent twice sends one link.
 * The survey is found by the token's SHA-256 (`linkKey`, indexed), stored when a link is first
 * made; the token itself is stored nowhere, and a new secret ends every link made with the old
 * one (its HMAC no longer matches).
 */
const purpose = 'tracer-survey';
const tokenBytes = 18;
const tokenPattern = /^[A-Za-z0-9_-]{24}$/;

function mac(secret: string, surveyId: string): Buffer {
  return createHmac('sha256', secret).update(`${purpose}|${surveyId}`).digest().subarray(0, tokenBytes);
}

export const linkKeyOf = (token: string) => sha256Hex(token);

/** The survey's link token, its key stored on the survey the first time (or after a change of secret). */
export async function surveyToken(secret: string, survey: Pick<TracerSurveyDoc, '_id' | 'linkKey'>): Promise<string> {
  const token = mac(secret, survey._id).toString('base64url');
  const linkKey = linkKeyOf(token);
  if (survey.linkKey !== linkKey) await TracerSurvey.updateOne({ _id: survey._id }, { $set: { linkKey } });
  return token;
}

/** Failed link look-ups one address may make in 15 minutes (throttle.ts's window) before every look-up is refused. */
export const linkGuessLimit = 20;
const guessCounter = (ip: string): Counter => ({ key: `tracer-link:${ip}`, limit: linkGuessLimit });

/**
 * The survey a token opens, or null for a token that is malformed, unknown or signed with another
 * secret: all alike, so nothing tells a near miss from a wild guess. Each failure counts against
 * the address; once it has used up its tries, every look-up from it is refused (429) until they
 * age out, valid links too, so the answer cannot be used to test guesses.
 */
export async function surveyByToken(secret: string, token: string, ip: string, now: Date): Promise<TracerSurveyDoc | null> {
  await assertUnderLimits([guessCounter(ip)], now.getTime(), 'tracer.link.tooMany');
  const survey = tokenPattern.test(token)
    ? await TracerSurvey.findOne({ linkKey: linkKeyOf(token) }).lean<TracerSurveyDoc>()
    : null;
  const genuine = survey !== null && timingSafeEqual(mac(secret, survey._id), Buffer.from(token, 'base64url'));
  if (genuine) return survey;
  await recordAttempt([guessCounter(ip)], now.getTime());
  return null;
}
