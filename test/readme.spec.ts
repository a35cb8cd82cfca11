import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_VARIABLES } from '@kanshi/config';

const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
const rootPackage = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> };

describe('README', () => {
  it('documents every configuration variable with its default', () => {
    for (const variable of Object.values(CONFIG_VARIABLES)) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${variable.name}\` |`));
      expect(row).toBeDefined();
      if ('default' in variable) expect(row).toContain(`\`${variable.default}\``);
    }
  });

  it('gives exactly the two quick-start commands, and they exist', () => {
    const quickStart = readme.split('## Quick start')[1]?.split('##')[0] ?? '';
    const commands = [...quickStart.matchAll(/^npm (\w+)/gm)].map((m) => m[1]);
    expect(commands).toEqual(['start', 'test']);
    expect(rootPackage.scripts['start']).toBeDefined();
    expect(rootPackage.scripts['test']).toBeDefined();
  });

  it('lists only npm scripts that exist', () => {
    for (const [, script] of readme.matchAll(/`npm run ([\w:-]+)`/g)) {
      expect(rootPackage.scripts[script as string]).toBeDefined();
    }
  });
});
