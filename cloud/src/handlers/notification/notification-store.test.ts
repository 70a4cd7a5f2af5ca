import Database from 'better-sqlite3';
import { describeNotificationStoreContract } from './notification-store.contract.js';
import { MemoryNotificationStore } from './notification-store.js';
import { SqliteNotificationStore } from './sqlite-notification-store.js';

describeNotificationStoreContract('memory', async () => ({
  store: new MemoryNotificationStore(),
  close: () => {},
}));

describeNotificationStoreContract('SQLite', async () => {
  const db = new Database(':memory:');
  return {
    store: new SqliteNotificationStore(db),
    close: () => {
      db.close();
    },
  };
});
