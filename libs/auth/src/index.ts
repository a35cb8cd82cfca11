export { generateApiKey, hashSecret, parseApiKey, ROLES, secretMatches, type Role } from './api-key';
export { ApiKeyGuard, RequireRoles } from './api-key.guard';
export { ApiKeyService, type CreateApiKeyInput } from './api-key.service';
export { AuthModule } from './auth.module';
export { CurrentPrincipal, type Principal } from './principal';
