export { MedicalPmdaSectorModule } from './medical-pmda-sector.module';
