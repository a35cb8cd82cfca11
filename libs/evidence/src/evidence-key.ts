import { readFileSync } from 'node:fs';
import { ConfigError, decodeSecretsKey, type AppConfig } from '@kanshi/config';
import { EvidenceSigner } from './evidence-signer';

/**
 * The signer of `KANSHI_EVIDENCE_SIGNING_KEY` (a seed) or `KANSHI_EVIDENCE_SIGNING_KEY_FILE` (a
 * PEM file). Unset outside production: the public development key, with `warn` told so.
 * Production refuses an unset key and the development key: its checkpoints would prove nothing.
 * Called before the app is created, so a bad key stops it with one clear line.
 */
export function evidenceSignerFromConfig(config: AppConfig, warn: (message: string) => void): EvidenceSigner {
  const { evidenceSigningKey, evidenceSigningKeyFile } = config.values;
  let signer: EvidenceSigner;
  if (evidenceSigningKey !== undefined) signer = EvidenceSigner.fromSeed(decodeSecretsKey(evidenceSigningKey));
  else if (evidenceSigningKeyFile !== undefined) {
    try {
      signer = EvidenceSigner.fromPem(readFileSync(evidenceSigningKeyFile, 'utf8'));
    } catch (error) {
      throw new ConfigError(`KANSHI_EVIDENCE_SIGNING_KEY_FILE (${evidenceSigningKeyFile}): ${error instanceof Error ? error.message : String(error)}`);
    }
  } else {
    if (config.isProduction) {
      throw new ConfigError('KANSHI_EVIDENCE_SIGNING_KEY is not set, and NODE_ENV=production needs it to sign the evidence ledger: make one with `openssl rand -base64 32` (or set KANSHI_EVIDENCE_SIGNING_KEY_FILE) and keep it in your secret manager.');
    }
    signer = EvidenceSigner.development();
    warn(`KANSHI_EVIDENCE_SIGNING_KEY is not set: ledger checkpoints are signed with the public development key (id ${signer.keyId}), which proves nothing. Production refuses it.`);
  }
  if (signer.isDevelopmentKey && config.isProduction) throw new ConfigError('KANSHI_EVIDENCE_SIGNING_KEY is the public development key, which NODE_ENV=production refuses.');
  return signer;
}
