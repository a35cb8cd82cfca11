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
export { BUNDLE_FILES, BUNDLE_FORMAT, exportBundle, verifyBundle, type BundleManifest, type BundleReport } from './evidence-bundle';
