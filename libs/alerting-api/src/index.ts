export { AlertingApiModule } from './alerting-api.module';
export { alertingOpenApiSchemas } from './alerting-openapi';
export { AlertsController, toAlertView } from './alerts.controller';
export { ChannelsController, toChannelView } from './channels.controller';
export { RoutesController, toRouteView } from './routes.controller';
export { SilencesController, toSilenceView } from './silences.controller';
export { AlertingSettingsController } from './alerting-settings.controller';
