import { Module } from '@nestjs/common';
import { resolveDashboardAssets } from './dashboard-assets';
import { DASHBOARD_ASSETS_DIR, DashboardController } from './dashboard.controller';

/**
 * The risk officers' web page, served by the api at `/` (`/v1`, `/health`, `/openapi.json` and
 * `/docs` stay the API's). A small controller rather than `@nestjs/serve-static`: three routes
 * with a fixed file-name pattern need no extra dependency.
 */
@Module({
  controllers: [DashboardController],
  providers: [{ provide: DASHBOARD_ASSETS_DIR, useFactory: () => resolveDashboardAssets() }],
})
export class DashboardModule {}
