// The description's "Database Schema Migrations".
import { MigrationManager, initDatabase } from 'livekit-conversation-log';

const dbManager = await initDatabase();
const migrationManager = new MigrationManager(dbManager);

// Check migration status
const status = await migrationManager.getMigrationStatus();
console.log(`Current version: ${status['currentVersion'] ?? 'none'}`);
console.log(`Pending migrations: ${status['pendingCount']}`);

// Apply all pending migrations
const success = await migrationManager.migrateToLatest();
console.log(`Applied: ${success.ok}`);
const after = await migrationManager.getMigrationStatus();
console.log(`Current version: ${after['currentVersion']}`);
console.log(`Pending migrations: ${after['pendingCount']}`);
await dbManager.dataSource.destroy();
