export { MASKED, maskUrl } from './mask-url';
export { SecretBox, SecretOpenError, secretsKeyId } from './secret-box';
export { SecretsModule } from './secrets.module';
