export { FinanceFsaSectorModule } from './finance-fsa-sector.module';
