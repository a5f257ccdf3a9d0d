import path from 'node:path';
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/platform/config.js';
import { projectRoot } from '../../src/platform/paths.js';

function configError(environment: NodeJS.ProcessEnv): string {
  try {
    loadConfig(environment);
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('configuration', () => {
  it('starts with defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config).to.include({ env: 'development', host: '127.0.0.1', port: 3000, cookieSecure: false });
    expect(config.dataDir).to.equal(path.join(projectRoot, 'data'));
    expect(config.mongodbUri).to.equal(undefined);
  });

  it('names each bad variable and says what is wrong', () => {
    const message = configError({ PORT: 'delapan', LOG_LEVEL: 'loud', MONGODB_URI: 'postgres://x', SESSION_SECRET: 'short' });
    expect(message).to.contain('PORT');
    expect(message).to.contain('LOG_LEVEL');
    expect(message).to.contain('MONGODB_URI: must start with mongodb:// or mongodb+srv://');
    expect(message).to.contain('SESSION_SECRET: must be at least 32 characters');
  });

  it('requires SESSION_SECRET when MONGODB_URI is set', () => {
    expect(configError({ MONGODB_URI: 'mongodb://db.example:27017/kompeten' })).to.contain(
      'SESSION_SECRET: required when MONGODB_URI is set',
    );
    const config = loadConfig({ MONGODB_URI: 'mongodb://db.example:27017/kompeten', SESSION_SECRET: 'x'.repeat(32) });
    expect(config.mongodbUri).to.equal('mongodb://db.example:27017/kompeten');
  });

  it('uses secure cookies in production unless told otherwise', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).cookieSecure).to.equal(true);
    expect(loadConfig({ NODE_ENV: 'production', COOKIE_SECURE: 'false' }).cookieSecure).to.equal(false);
  });
});
