export * from './alert-job';
export * from './queues';
export * from './sectors';
export * from './severity';
export * from './telemetry-event';
export * from './telemetry-validation';
export * from './topics';
