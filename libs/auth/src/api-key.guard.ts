import {
  ForbiddenException,
  Injectable,
  SetMetadata,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Role } from './api-key';
import { ApiKeyService } from './api-key.service';
import type { RequestWithPrincipal } from './principal';

const ROLES_METADATA = 'kanshi:roles';

/** The roles allowed on a route (any one of them). Routes without it are refused: deny by default. */
export const RequireRoles = (...roles: Role[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES_METADATA, roles);

/** Authenticates `Authorization: Bearer <api key>` and checks the route's roles. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly apiKeys: ApiKeyService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithPrincipal>();
    const header = request.headers['authorization'];
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      throw new UnauthorizedException('Send an API key as "Authorization: Bearer <key>".');
    }
    const principal = await this.apiKeys.authenticate(match[1] as string);
    if (!principal) throw new UnauthorizedException('The API key is unknown, revoked or malformed.');
    const allowed = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!allowed || !principal.roles.some((r) => allowed.includes(r))) {
      throw new ForbiddenException(`This key's roles (${principal.roles.join(', ')}) do not allow this action.`);
    }
    request.principal = principal;
    return true;
  }
}
