export { committedOffsets, startGroupAtEnd } from './kafka-fixture';
export { telemetryEvent } from './telemetry-factory';
export { createTenantFixture, type TenantFixture } from './tenant-fixture';
export { uniqueId, waitFor } from './wait-for';
export { findingRecord, g1Fingerprint, raiseAlertJob } from './alert-factory';
