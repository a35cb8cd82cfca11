export { DASHBOARD_ASSET_NAME, DASHBOARD_HEADERS, dashboardContentType, resolveDashboardAssets } from './dashboard-assets';
export { DASHBOARD_ASSETS_DIR, DashboardController } from './dashboard.controller';
export { DashboardModule } from './dashboard.module';
