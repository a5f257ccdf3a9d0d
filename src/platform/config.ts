import path from 'node:path';
import { z } from 'zod';
import { projectRoot } from './paths.js';

const booleanFlag = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((value) => ['true', '1', 'yes'].includes(value));

/**
 * Every environment variable Kompeten reads. The README's configuration table mirrors this
 * schema; keep the two together.
 */
const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
    .optional(),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  DATA_DIR: z.string().min(1).default('data'),
  FERRETDB_BIN: z.string().min(1).optional(),
  POSTGRES_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  // Several app processes share live events (Socket.IO) through this Redis; absent, one process.
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/./, 'must start with redis:// or rediss://')
    .refine((value) => URL.canParse(value), 'is not a valid URL (e.g. redis://127.0.0.1:6379)')
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRUST_PROXY: z.string().optional(),
  COOKIE_SECURE: booleanFlag.optional(),
  SEED_DEMO: booleanFlag.optional(),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
  UPLOAD_DIR: z.string().min(1).default('uploads'),
  UPLOAD_MAX_VIDEO_MB: z.coerce.number().positive().default(500),
  UPLOAD_MAX_DOCUMENT_MB: z.coerce.number().positive().default(25),
  UPLOAD_MAX_IMAGE_MB: z.coerce.number().positive().default(10),
  // Where people reach the app (https://lms.example.id): the address printed on certificates and
  // signed into their credentials. Absent, each request's own origin is used.
  PUBLIC_URL: z
    .string()
    .regex(/^https?:\/\/[^/?#]+(\/[^?#]*)?$/, 'must be an http:// or https:// address without ?query or #fragment')
    .refine((value) => URL.canParse(value), 'is not a valid URL (e.g. https://lms.example.id)')
    .transform((value) => value.replace(/\/+$/, ''))
    .optional(),
  // xAPI: learning records go to this LRS (statements at <endpoint>/statements); absent, none are queued.
  XAPI_ENDPOINT: z
    .string()
    .regex(
      /^(https:\/\/[^/?#]+|http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?)(\/[^?#]*)?$/,
      'must be an https:// address (http:// only for 127.0.0.1 or localhost) without ?query or #fragment',
    )
    .refine((value) => URL.canParse(value), 'is not a valid URL (e.g. https://lrs.example.id/xapi)')
    .refine(
      (value) => !URL.canParse(value) || (new URL(value).username === '' && new URL(value).password === ''),
      'must not carry the key and secret (use XAPI_USERNAME and XAPI_PASSWORD)',
    )
    .transform((value) => value.replace(/\/+$/, ''))
    .optional(),
  XAPI_USERNAME: z.string().optional(),
  XAPI_PASSWORD: z.string().optional(),
});

export type Config = {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  mongodbUri: string | undefined;
  sessionSecret: string | undefined;
  dataDir: string;
  ferretdbBin: string | undefined;
  /** An existing PostgreSQL for the embedded FerretDB, instead of one started under DATA_DIR. */
  postgresUrl: string | undefined;
  /** Redis between app processes (Socket.IO's adapter); undefined: a single process. */
  redisUrl: string | undefined;
  logLevel: string;
  trustProxy: string | undefined;
  cookieSecure: boolean;
  seedDemo: boolean | undefined;
  shutdownTimeoutMs: number;
  uploadDir: string;
  /** The largest accepted upload of each kind of file, in megabytes (MiB). */
  uploadMaxMb: { video: number; document: number; image: number };
  /** The app's public address without a trailing slash (certificates, credentials); undefined: the request's origin. */
  publicUrl: string | undefined;
  /** The learning record store xAPI statements go to (Basic auth when a username is given); undefined: none are queued. */
  xapi: { endpoint: string; username: string; password: string } | undefined;
};

export class ConfigError extends Error {}

/**
 * What is wrong with the xAPI settings, if anything: the key and secret go together and need the
 * endpoint; in production the LRS must ask for them, and PUBLIC_URL must be set, since statements
 * name trainees and activities by the app's address and an LRS keeps those for good.
 */
function xapiConfigProblem(env: z.output<typeof environmentSchema>): string | undefined {
  const { XAPI_ENDPOINT: endpoint, XAPI_USERNAME: username, XAPI_PASSWORD: password } = env;
  if (Boolean(username) !== Boolean(password))
    return 'XAPI_USERNAME, XAPI_PASSWORD: set both (the LRS key and secret) or neither';
  if (username && !endpoint) return 'XAPI_ENDPOINT: required when XAPI_USERNAME is set (the LRS address)';
  if (endpoint && env.NODE_ENV === 'production' && !username)
    return 'XAPI_USERNAME, XAPI_PASSWORD: required with XAPI_ENDPOINT in production';
  if (endpoint && env.NODE_ENV === 'production' && !env.PUBLIC_URL)
    return 'PUBLIC_URL: required with XAPI_ENDPOINT in production';
  return undefined;
}

/** Reads and validates the environment once; a bad variable stops the start with its name. */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = environmentSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const env = parsed.data;
  if (env.MONGODB_URI && !env.SESSION_SECRET) {
    throw new ConfigError('Invalid configuration:\n  SESSION_SECRET: required when MONGODB_URI is set (at least 32 characters)');
  }
  const xapiProblem = xapiConfigProblem(env);
  if (xapiProblem) throw new ConfigError(`Invalid configuration:\n  ${xapiProblem}`);
  return {
    env: env.NODE_ENV,
    host: env.HOST,
    port: env.PORT,
    mongodbUri: env.MONGODB_URI,
    sessionSecret: env.SESSION_SECRET,
    dataDir: path.resolve(projectRoot, env.DATA_DIR),
    ferretdbBin: env.FERRETDB_BIN,
    postgresUrl: env.POSTGRES_URL,
    redisUrl: env.REDIS_URL,
    logLevel: env.LOG_LEVEL,
    trustProxy: env.TRUST_PROXY,
    cookieSecure: env.COOKIE_SECURE ?? env.NODE_ENV === 'production',
    seedDemo: env.SEED_DEMO,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    uploadDir: path.resolve(projectRoot, env.UPLOAD_DIR),
    uploadMaxMb: { video: env.UPLOAD_MAX_VIDEO_MB, document: env.UPLOAD_MAX_DOCUMENT_MB, image: env.UPLOAD_MAX_IMAGE_MB },
    publicUrl: env.PUBLIC_URL,
    xapi: env.XAPI_ENDPOINT
      ? { endpoint: env.XAPI_ENDPOINT, username: env.XAPI_USERNAME ?? '', password: env.XAPI_PASSWORD ?? '' }
      : undefined,
  };
}
