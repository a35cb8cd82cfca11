export { InventoryModule } from './inventory.module';
export { toModelView } from './model.dto';
export { inventoryOpenApiSchemas } from './inventory-openapi';
