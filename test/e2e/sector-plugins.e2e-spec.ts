import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOPICS } from '@kanshi/contracts';
import { loadConfig } from '@kanshi/config';
import { createKafkaClient, kafkaConnectionOf } from '@kanshi/messaging';
import { POLICY_SDK_VERSION } from '@kanshi/policy-sdk';
import { startGroupAtEnd, uniqueId } from '@kanshi/testing';
import { requireBuild, ROOT, runApp } from './run-built-app';

const EXAMPLE = './dist/examples/acme-credit-override/src/index.js';

describe('sector-module plug-ins loaded through KANSHI_SECTOR_MODULES (built engine)', () => {
  let dir: string;

  beforeAll(() => {
    requireBuild();
    dir = mkdtempSync(join(tmpdir(), 'kanshi-plugin-'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A plug-in file built against the SDK the way a bank's package would be, with its own range. */
  function plugin(id: string, compatibility: string): string {
    const file = join(dir, `${id}.js`);
    writeFileSync(
      file,
      `const { SectorModule } = require(${JSON.stringify(join(ROOT, 'dist/libs/policy-sdk/src/index.js'))});\n` +
        `class Plugin {}\n` +
        `SectorModule({ id: ${JSON.stringify(id)}, description: 'test', sectors: ['finance'], rules: [], compatibility: ${JSON.stringify(compatibility)} })(Plugin);\n` +
        `module.exports = { Plugin };\n`,
    );
    return file;
  }

  /** The built engine with plug-ins, in a consumer group of its own that starts at the topic's end. */
  const engine = async (modules: string, until?: RegExp) => {
    const groupId = uniqueId('plugin-engine');
    const kafka = createKafkaClient(kafkaConnectionOf(loadConfig()), groupId);
    await startGroupAtEnd(kafka, groupId, TOPICS.telemetry);
    return runApp('policy-engine', { KANSHI_SECTOR_MODULES: modules, KANSHI_ENGINE_GROUP_ID: groupId, KANSHI_LOG_LEVEL: 'log' }, until);
  };

  it('loads the example plug-in beside the built-in modules, with no change to the engine', async () => {
    const { matched, stdout } = await engine(EXAMPLE, /sector modules: .*acme-credit-override/);
    expect(matched).toBe(true);
    expect(stdout).toMatch(/sector modules: general \(\d+ rules\), finance-fsa \(\d+ rules\), medical-pmda \(\d+ rules\), privacy-appi \(\d+ rules\), acme-credit-override \(1 rules\)/);
  });

  it('refuses to start with a plug-in built for another SDK range, naming the module and both versions', async () => {
    const { code, stderr } = await engine(plugin('legacy-bank', '^0.1.0'));
    expect(code).toBe(1);
    expect(stderr).toContain(`Sector module "legacy-bank" requires @kanshi/policy-sdk ^0.1.0, but this engine provides ${POLICY_SDK_VERSION}`);
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it('names a plug-in that cannot be found or exports no sector module', async () => {
    const missing = await engine('./no/such/plugin.js');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Could not load the sector-module plug-in "./no/such/plugin.js" named in KANSHI_SECTOR_MODULES');

    const empty = join(dir, 'empty.js');
    writeFileSync(empty, 'module.exports = { answer: 42 };\n');
    const none = await engine(empty);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('exports no class decorated with @SectorModule');
  });
});
