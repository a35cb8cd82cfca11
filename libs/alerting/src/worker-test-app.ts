import type { INestApplication, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { ConfigModule, type AppConfig } from '@kanshi/config';
import { EvidenceModule } from '@kanshi/evidence';
import { PersistenceModule } from '@kanshi/persistence';
import { AlertingModule } from './alerting.module';

/**
 * For the integration specs: the alert worker's modules (every handler, the BullMQ workers, the
 * outbox relay, the evidence sealer) on the real servers of `config`, created but not started (`init` starts it), so
 * a spec can seed rows before the workers run.
 */
export async function createWorkerTestApp(config: AppConfig, ...extra: Type[]): Promise<{ app: INestApplication; dataSource: DataSource }> {
  const moduleRef = await Test.createTestingModule({
    // The evidence module brings the handler of the `evidence` queue: the workers refuse to start without one.
    imports: [ConfigModule.forRoot(config), PersistenceModule.forRoot('kanshi-int-test'), AlertingModule.forWorker(), EvidenceModule.forWorker(config), ...extra],
  }).compile();
  const app = moduleRef.createNestApplication();
  return { app, dataSource: app.get(DataSource) };
}
