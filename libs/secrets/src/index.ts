export {
  gatewayKeyId,
  gatewaySigningRoots,
  gatewayTenantSecret,
  ingestSecretContext,
  type GatewaySigningRoot,
} from './ingest-signing';
export { MASKED, maskUrl } from './mask-url';
export { SecretBox, SecretOpenError, secretsKeyId } from './secret-box';
export { SecretsModule } from './secrets.module';
