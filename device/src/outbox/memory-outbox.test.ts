import { MemoryOutbox, MemoryOutboxStore } from './memory-outbox.js';
import { describeOutboxContract } from './outbox.contract.js';

describeOutboxContract('memory', () => {
  const store = new MemoryOutboxStore();
  return { create: (options) => new MemoryOutbox({ ...options, store }), cleanup: async () => {} };
});
