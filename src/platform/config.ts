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
};

export class ConfigError extends Error {}

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
  };
}
