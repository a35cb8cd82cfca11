export { PrivacyAppiSectorModule } from './privacy-appi-sector.module';
