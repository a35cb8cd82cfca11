import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withLocalKafkaPrincipal } from '../../infra/scripts/local-kafka';
import { CACHE_DIR } from '../../infra/scripts/local-services';

/**
 * `npm run kanshi`: the packaged `kanshi` command, with what the local stack needs filled in when
 * not given: the producers' Kafka principal of the local broker, and the demo tenant's ingest
 * key that `npm start` made (`~/.cache/kanshi/dev-ingest-key`).
 */
Object.assign(process.env, withLocalKafkaPrincipal(process.env, 'kanshi-producer'));
const devIngestKey = join(CACHE_DIR, 'dev-ingest-key');
if (!process.env['KANSHI_INGEST_KEY'] && existsSync(devIngestKey)) process.env['KANSHI_INGEST_KEY'] = readFileSync(devIngestKey, 'utf8').trim();
// Loaded after the environment is set: the command reads it as it starts.
void import('../../libs/telemetry-client/src/cli/kanshi');
