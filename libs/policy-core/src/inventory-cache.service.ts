import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { ArgsResolver, ModelProfile } from '@kanshi/policy-sdk';
import { OutageLog } from '@kanshi/runtime';
import { StaticIngestKeyring, type IngestKeyEntry, type IngestKeyring } from './ingest-keyring';
import { MODEL_INVENTORY_SOURCE, StaticModelInventory, type ModelDeployment, type ModelInventory, type ModelInventorySource, type RuleVerdict, type SealedIngestKey, type TelemetrySeen } from './model-inventory';
import { RuleOverrideIndex } from './rule-overrides';
import { POLICY_CORE_OPTIONS, type PolicyCoreOptions } from './policy-core.options';

/** How stale `last_received_at` of a model may get while it keeps sending the same event times. */
const SEEN_WRITE_EVERY_MS = 30_000;

/**
 * Tenants, the inventory, the tenants' rule overrides and ingest keys held in memory and
 * refreshed in the background, so evaluating an event never waits on the database. A failed
 * refresh keeps the last good copy and is logged (sparingly through a long outage). A
 * background refresh starts only when the last one has finished, so a database that hangs
 * does not pile refreshes up.
 */
@Injectable()
export class InventoryCache implements ModelInventory, IngestKeyring, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(InventoryCache.name);
  private current = new StaticModelInventory([]);
  private keyring: IngestKeyring = new StaticIngestKeyring([]);
  /** Ingest keys already opened, by key id and sealed text: a refresh opens only new ones. */
  private opened = new Map<string, { sealed: string; secret: string }>();
  private overrides = new RuleOverrideIndex();
  private timer: NodeJS.Timeout | undefined;
  private background: Promise<void> | undefined;
  private readonly outage = new OutageLog(this.logger, 'inventory refresh');
  private loadedAt = 0;
  private readonly seenWritten = new Map<string, { at: number; lastEventAt: string }>();

  constructor(
    @Inject(MODEL_INVENTORY_SOURCE) private readonly source: ModelInventorySource,
    @Inject(POLICY_CORE_OPTIONS) private readonly options: PolicyCoreOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => {
      this.background ??= this.refresh()
        .then(
          () => this.outage.succeeded(),
          (error: unknown) => this.outage.failed(error),
        )
        .finally(() => (this.background = undefined));
    }, this.options.inventoryRefreshMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  async refresh(): Promise<void> {
    const { models, tenantIds, overrides, ingestKeys } = await this.source.loadInventory();
    const inventory = new StaticModelInventory(models, tenantIds);
    this.current = inventory;
    this.overrides = new RuleOverrideIndex(overrides ?? []);
    this.keyring = new StaticIngestKeyring(this.openKeys(ingestKeys ?? []), this.options.ingestSecrets.gatewayRoots, (t) => inventory.hasTenant(t));
    this.loadedAt = Date.now();
  }

  /** Opens the keys' secrets (each once); a key that cannot be opened is left out and logged. */
  private openKeys(keys: readonly SealedIngestKey[]): (IngestKeyEntry & { keyId: string })[] {
    const opened = new Map<string, { sealed: string; secret: string }>();
    const entries: (IngestKeyEntry & { keyId: string })[] = [];
    for (const { keyId, tenantId, secretSealed } of keys) {
      let secret = this.opened.get(keyId)?.sealed === secretSealed ? this.opened.get(keyId)?.secret : undefined;
      if (secret === undefined) {
        try {
          secret = this.options.ingestSecrets.open(secretSealed, keyId);
        } catch (error) {
          this.logger.error(`ingest key ${keyId} of tenant ${tenantId} cannot be opened, so its records are refused: ${error instanceof Error ? error.message : String(error)}`);
          continue;
        }
      }
      opened.set(keyId, { sealed: secretSealed, secret });
      entries.push({ keyId, tenantId, secret });
    }
    this.opened = opened;
    return entries;
  }

  find(keyId: string, recordTenant: string | undefined): IngestKeyEntry | undefined {
    return this.keyring.find(keyId, recordTenant);
  }

  /** Reloads now unless the copy in memory is younger than `maxAgeMs`; true when it reloaded. */
  async refreshIfOlderThan(maxAgeMs: number): Promise<boolean> {
    if (Date.now() - this.loadedAt < maxAgeMs) return false;
    await this.refresh();
    return true;
  }

  hasTenant(tenantId: string): boolean {
    return this.current.hasTenant(tenantId);
  }

  get(tenantId: string, modelId: string): ModelProfile | undefined {
    return this.current.get(tenantId, modelId);
  }

  /** The arguments in force from the overrides in memory; `undefined` = the rule is off for the model. */
  readonly argsFor: ArgsResolver = (rule, tenantId, modelId, model) => this.overrides.argsFor(rule, tenantId, modelId, model);

  /** Writes reported deployments to the inventory; the copy in memory follows at the next refresh. */
  async recordDeployments(deployments: readonly ModelDeployment[]): Promise<void> {
    if (deployments.length > 0) await this.source.recordDeployments(deployments);
  }

  /** Writes the latest verdicts of windowed rules (posture: passing, failing, not judged). */
  async recordRuleVerdicts(verdicts: readonly RuleVerdict[]): Promise<void> {
    if (verdicts.length > 0) await this.source.recordRuleVerdicts(verdicts);
  }

  /**
   * Writes when models last sent telemetry, at most once per model every
   * {@link SEEN_WRITE_EVERY_MS} unless the event time moved past what was written: a busy model
   * costs one small write per half minute, not one per batch.
   */
  async recordTelemetrySeen(seen: readonly TelemetrySeen[], now = Date.now()): Promise<void> {
    const due = seen.filter((s) => {
      const written = this.seenWritten.get(`${s.tenantId}\u0000${s.modelId}`);
      return !written || now - written.at >= SEEN_WRITE_EVERY_MS || s.lastEventAt > written.lastEventAt;
    });
    if (due.length === 0) return;
    await this.source.recordTelemetrySeen(due);
    if (this.seenWritten.size > 100_000) this.seenWritten.clear();
    for (const s of due) this.seenWritten.set(`${s.tenantId}\u0000${s.modelId}`, { at: now, lastEventAt: s.lastEventAt });
  }
}
