import mongoose from 'mongoose';
import supertest from 'supertest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/platform/config.js';
import { createLogger } from '../../src/platform/logger.js';
import { checkApiResponses, type OpenApiDocument } from './openapi.js';

export const testSessionSecret = 'test-session-secret-that-is-long-enough-0123456789';

/**
 * The real app (and its declared API) on the test file's database, listening on nothing. Its API
 * answers are checked against its OpenAPI document (openapi.ts).
 */
export function buildTestServer() {
  // TEST_LOG_LEVEL=error shows what the app logs, e.g. the cause of an unexpected 500.
  const logLevel = process.env.TEST_LOG_LEVEL ?? 'silent';
  // Never the working tree's uploads/ (globalDatabase.ts sets a temporary folder).
  if (!process.env.TEST_UPLOAD_DIR) throw new Error('TEST_UPLOAD_DIR is not set: run the tests through mocha (.mocharc)');
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: logLevel,
    SESSION_SECRET: testSessionSecret,
    UPLOAD_DIR: process.env.TEST_UPLOAD_DIR,
  });
  const server = createApp({
    config,
    log: createLogger(logLevel),
    connection: mongoose.connection,
    sessionSecret: testSessionSecret,
  });
  // Every API answer a test receives must be what the OpenAPI document declares (openapi.ts).
  checkApiResponses(server.app, () => server.api.openapiDocument() as OpenApiDocument);
  return server;
}

export function buildTestApp() {
  return buildTestServer().app;
}

export type Agent = ReturnType<typeof supertest.agent>;

/** The CSRF token of the agent's session, read from a page as a browser would. */
export async function csrfTokenOf(agent: Agent, page = '/login'): Promise<string> {
  const response = await agent.get(page);
  const match = /name="_csrf" value="([^"]+)"/.exec(response.text);
  if (!match?.[1]) throw new Error(`No CSRF token on ${page} (status ${response.status})`);
  return match[1];
}

/** Posts a form as a browser would: urlencoded, with the session's CSRF token. */
export async function submitForm(agent: Agent, path: string, fields: Record<string, string | string[]>, language = 'id') {
  const _csrf = await csrfTokenOf(agent);
  return agent
    .post(path)
    .type('form')
    .set('Accept-Language', language)
    .send({ _csrf, ...fields });
}

/** A browser-like agent logged in through the login form. */
export async function loggedInAgent(app: Parameters<typeof supertest.agent>[0], email: string, password: string): Promise<Agent> {
  const agent = supertest.agent(app);
  const response = await submitForm(agent, '/login', { email, password });
  if (response.status !== 303) throw new Error(`Login of ${email} failed with ${response.status}`);
  return agent;
}

/** The text a person reads on a page: scripts and tags dropped, entities and spaces folded. */
export const visibleText = (html: string) =>
  html
    .replace(/<(script|style)[\s\S]*?<\/\1>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&#34;|&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
