export { AcmeCreditOverrideModule } from './acme-credit-override.module';
export { unauthorisedLimitOverride } from './unauthorised-limit-override.rule';
