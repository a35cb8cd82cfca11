import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Role } from './api-key';

/** Who is calling: the key's tenant and roles. Every query is scoped by `tenantId`. */
export interface Principal {
  readonly tenantId: string;
  readonly keyId: string;
  /** The key's name, as its admin gave it: shown as "who" in alert history and audit. */
  readonly keyName: string;
  readonly roles: readonly Role[];
}

export interface RequestWithPrincipal {
  principal?: Principal;
  headers: Record<string, string | string[] | undefined>;
}

/** Injects the authenticated {@link Principal} into a controller method. */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<RequestWithPrincipal>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a route without ApiKeyGuard');
  return principal;
});
