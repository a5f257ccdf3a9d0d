import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { languages } from '../../src/platform/i18n.js';
import { localesDir } from '../../src/platform/paths.js';

type Messages = { [key: string]: string | Messages };

function keys(messages: Messages, prefix = ''): string[] {
  return Object.entries(messages).flatMap(([key, value]) =>
    typeof value === 'string' ? [`${prefix}${key}`] : keys(value, `${prefix}${key}.`),
  );
}

describe('translations', () => {
  it('has every message in every language, file by file', () => {
    const files = readdirSync(path.join(localesDir, 'id')).filter((file) => file.endsWith('.json'));
    expect(files.length).to.be.greaterThan(0);
    for (const file of files) {
      const [first, ...others] = languages.map((language) =>
        keys(JSON.parse(readFileSync(path.join(localesDir, language, file), 'utf8'))).sort(),
      );
      for (const other of others) expect(other, file).to.deep.equal(first);
    }
  });
});
