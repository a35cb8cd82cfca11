import { Logger, Module, type DynamicModule, type Provider } from '@nestjs/common';
import type { AppConfig } from '@kanshi/config';
import { AuthModule } from '@kanshi/auth';
import { sectorModulesFromConfig } from '@kanshi/policy-catalog';
import { SectorModuleRegistry } from '@kanshi/policy-core';
import { evidenceSignerFromConfig } from './evidence-key';
import { EvidenceController } from './evidence.controller';
import { EvidenceLedger } from './evidence-ledger.service';
import { EvidenceSealer } from './evidence-sealer.service';
import { EvidenceSigner } from './evidence-signer';
import { EvidenceBundlesController } from './bundles/evidence-bundles.controller';
import { ExportBundleJobHandler, RULES_IN_FORCE } from './bundles/export-bundle.job';
import { rulesInForceOf } from './report/rules-in-force';
import { ReportDraftsController } from './drafts/report-drafts.controller';

/** The signer, made from the configuration when the module is declared (a bad key stops the app before it is built). */
function signerProvider(config: AppConfig): Provider {
  const signer = evidenceSignerFromConfig(config, (message) => new Logger('EvidenceSigner').warn(message));
  return { provide: EvidenceSigner, useValue: signer };
}

/** The evidence ledger: its endpoints in the API, its sealer and the bundle jobs in the alert worker. */
@Module({})
export class EvidenceModule {
  static forApi(config: AppConfig): DynamicModule {
    return { module: EvidenceModule, imports: [AuthModule], controllers: [EvidenceController, EvidenceBundlesController, ReportDraftsController], providers: [signerProvider(config), EvidenceLedger] };
  }

  static forWorker(config: AppConfig): DynamicModule {
    // The reports show the rules in force: the worker loads the configured sector modules as the engine does.
    const rules = SectorModuleRegistry.load(sectorModulesFromConfig(config)).rules;
    return {
      module: EvidenceModule,
      providers: [signerProvider(config), EvidenceLedger, EvidenceSealer, ExportBundleJobHandler, { provide: RULES_IN_FORCE, useValue: rulesInForceOf(rules) }],
    };
  }
}
