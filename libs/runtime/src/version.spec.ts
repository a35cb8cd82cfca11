import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KANSHI_VERSION } from './version';

describe('KANSHI_VERSION', () => {
  it('is the version in the root package.json', () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as { version: string };
    expect(KANSHI_VERSION).toBe(version);
  });
});
