import Database from 'better-sqlite3';
import { describeCorrelationStoreContract } from './correlation-store.contract.js';
import { MemoryCorrelationStore } from './correlation-store.js';
import { SqliteCorrelationStore } from './sqlite-correlation-store.js';

describeCorrelationStoreContract('memory', async () => ({
  store: new MemoryCorrelationStore(),
  close: () => {},
}));

describeCorrelationStoreContract('SQLite', async () => {
  const db = new Database(':memory:');
  return {
    store: new SqliteCorrelationStore(db),
    close: () => {
      db.close();
    },
  };
});
