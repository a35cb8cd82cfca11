import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule } from '@kanshi/auth';
import { SectorModuleRegistry } from '@kanshi/policy-core';
import { ModelsController } from './models.controller';
import { PoliciesController } from './policies.controller';
import { PostureController } from './posture.controller';

/** The model inventory and policy configuration endpoints. Needs `PersistenceModule`. */
@Module({})
export class InventoryModule {
  /** `sectorModules`: the same list the engine runs (`sectorModulesFromConfig`), for the rules' metadata and argument schemas. */
  static forApi(sectorModules: readonly unknown[]): DynamicModule {
    return {
      module: InventoryModule,
      imports: [AuthModule],
      controllers: [ModelsController, PoliciesController, PostureController],
      providers: [{ provide: SectorModuleRegistry, useValue: SectorModuleRegistry.load(sectorModules) }],
    };
  }
}
