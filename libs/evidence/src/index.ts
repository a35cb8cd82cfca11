export { canonicalJson } from './canonical-json';
export { chainRecords, GENESIS_HASH, sha256Hex, type ChainHead, type EntryBody, type EvidenceRecord, type LedgerEntry } from './ledger-chain';
export { LedgerVerifier, type LedgerProblem, type LedgerProblemKind, type LedgerReport, type VerifyRange } from './ledger-verifier';
export {
  checkpointPayload,
  checkpointSignatureValid,
  DEVELOPMENT_EVIDENCE_SEED,
  EvidenceSigner,
  isDevelopmentKeyId,
  keyIdOf,
  publicKeyFromPem,
  statementSignatureValid,
  type Checkpoint,
} from './evidence-signer';
export { evidenceSignerFromConfig } from './evidence-key';
export { EvidenceLedger, verifyLedger, type EvidencePublicKey, type VerifyKeys } from './evidence-ledger.service';
export { EvidenceSealer } from './evidence-sealer.service';
export { EvidenceController, evidenceOpenApiSchemas } from './evidence.controller';
export { EvidenceModule } from './evidence.module';
export {
  BUNDLE_FILES,
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_V1,
  exportBundle,
  REPORT_FILES,
  verifyBundle,
  type BundleManifest,
  type BundleProgress,
  type BundleReport,
  type BundleReportSource,
} from './evidence-bundle';
export { buildEvidenceReport, changedFields, clockState, coverageOf, formatDuration, type ClockState, type EvidenceReport, type ReportFacts, type ReportModel, type RuleInForce } from './report/evidence-report';
export { gatherReportFacts, REPORT_LIMITS, type RulesInForce } from './report/report-facts';
export { JAPANESE_FONT_CANDIDATES, reportFontPath, writeReportPdf } from './report/report-pdf';
export { REPORT_LANGUAGES, REPORT_TEXT, type ReportLanguage, type ReportText } from './report/report-text';
export { EvidenceBundlesController, evidenceBundleOpenApiSchemas, KEPT_BUNDLES_PER_TENANT, OPEN_BUNDLES_PER_TENANT } from './bundles/evidence-bundles.controller';
export { bundleDirName, ExportBundleJobHandler, RULES_IN_FORCE } from './bundles/export-bundle.job';
export { ARCHIVE_PART_BYTES, packBundle, unpackBundle } from './bundles/bundle-archive';
export { rulesInForceOf } from './report/rules-in-force';
export { buildReportDraft, draftKindOf, DRAFT_KINDS, pmdReportDays, type DraftField, type DraftInput, type DraftKind, type ReportDraft } from './drafts/report-draft';
export { writeDraftPdf } from './drafts/draft-pdf';
export { ReportDraftsController, reportDraftOpenApiSchemas } from './drafts/report-drafts.controller';
