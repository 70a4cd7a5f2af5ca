import Database from 'better-sqlite3';
import { LocalQueues } from '../../queues/local-queues.js';
import { EventBusService } from '../service.js';

export const TEST_REGION = 'us-east-1';
export const TEST_ACCOUNT = '123456789012';

/** A started local EventBridge with its queues on an in-memory database, for unit tests. */
export function memoryBus(): {
  db: Database.Database;
  queues: LocalQueues;
  bus: EventBusService;
  close(): Promise<void>;
} {
  const db = new Database(':memory:');
  const queues = new LocalQueues({ db });
  const bus = new EventBusService({ db, queues, region: TEST_REGION, accountId: TEST_ACCOUNT });
  bus.start();
  return {
    db,
    queues,
    bus,
    async close() {
      await bus.stop();
      queues.stop();
      db.close();
    },
  };
}
