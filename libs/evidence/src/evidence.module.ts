import { Logger, Module, type DynamicModule, type Provider } from '@nestjs/common';
import type { AppConfig } from '@kanshi/config';
import { AuthModule } from '@kanshi/auth';
import { evidenceSignerFromConfig } from './evidence-key';
import { EvidenceController } from './evidence.controller';
import { EvidenceLedger } from './evidence-ledger.service';
import { EvidenceSealer } from './evidence-sealer.service';
import { EvidenceSigner } from './evidence-signer';

/** The signer, made from the configuration when the module is declared (a bad key stops the app before it is built). */
function signerProvider(config: AppConfig): Provider {
  const signer = evidenceSignerFromConfig(config, (message) => new Logger('EvidenceSigner').warn(message));
  return { provide: EvidenceSigner, useValue: signer };
}

/** The evidence ledger: its endpoints in the API, its sealer in the alert worker. */
@Module({})
export class EvidenceModule {
  static forApi(config: AppConfig): DynamicModule {
    return { module: EvidenceModule, imports: [AuthModule], controllers: [EvidenceController], providers: [signerProvider(config), EvidenceLedger] };
  }

  static forWorker(config: AppConfig): DynamicModule {
    return { module: EvidenceModule, providers: [signerProvider(config), EvidenceLedger, EvidenceSealer] };
  }
}
