import type { Provider } from '@nestjs/common';
import type { EngineQuotaLimits } from './engine-quotas';
import { gatewaySigningRoots, ingestSecretContext, type GatewaySigningRoot, type SecretBox } from '@kanshi/secrets';

/** How the engine opens the tenants' sealed ingest secrets, and the gateway's signing roots. */
export interface IngestSecrets {
  /** The secret of ingest key `keyId`; throws when it cannot be opened (wrong or missing key). */
  open(sealed: string, keyId: string): string;
  readonly gatewayRoots: readonly GatewaySigningRoot[];
}

/** The ingest secrets of a {@link SecretBox} (`KANSHI_SECRETS_KEY` and its previous keys). */
export function ingestSecretsOf(box: SecretBox): IngestSecrets {
  return { open: (sealed, keyId) => box.open(sealed, ingestSecretContext(keyId)), gatewayRoots: gatewaySigningRoots(box) };
}

export interface PolicyCoreOptions {
  /** Sector module classes (decorated with `@SectorModule`) the engine loads. */
  readonly sectorModules: readonly unknown[];
  readonly inventoryRefreshMs: number;
  readonly maxEventBytes: number;
  /** The engine's consumer group: rule state checkpoints belong to it. */
  readonly consumerGroup: string;
  readonly ingestSecrets: IngestSecrets;
  /** The per-tenant quotas each engine instance enforces. */
  readonly quotas: EngineQuotaLimits;
  /** Rule state untouched this long (event time) with no pending timer is dropped; default never. */
  readonly ruleStateIdleAfterMs?: number;
  /** Largest rule state record (state and timers as JSON) in bytes; default 256 KiB. */
  readonly ruleStateMaxBytes?: number;
}

export const POLICY_CORE_OPTIONS = Symbol('POLICY_CORE_OPTIONS');

/** How the host supplies the options and the inventory source. */
export interface PolicyCoreModuleOptions {
  readonly sectorModules: readonly unknown[];
  /** Modules that export what `useFactory` and the inventory source inject. */
  readonly imports?: Parameters<typeof import('@nestjs/common').Module>[0]['imports'];
  readonly inject?: readonly (string | symbol | Function)[]; // eslint-disable-line @typescript-eslint/no-unsafe-function-type
  readonly useFactory: (...deps: never[]) => Omit<PolicyCoreOptions, 'sectorModules'>;
  /** Provider of `MODEL_INVENTORY_SOURCE`. */
  readonly inventorySource: Provider;
  /** Provider of `RULE_STATE_STORE`. */
  readonly ruleStateStore: Provider;
}
