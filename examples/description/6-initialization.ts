// The description's "Database Initialization".
import { MigrationManager, initDatabase } from 'livekit-conversation-log';

// Initialize database and run migrations
const dbManager = await initDatabase();
const migrationManager = new MigrationManager(dbManager);
const result = await migrationManager.migrateToLatest();
console.log(`Migrated: ${result.ok}`);
await dbManager.dataSource.destroy();
