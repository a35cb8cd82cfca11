export { InventoryModule } from './inventory.module';
export { toModelView } from './model.dto';
