import { MemoryPersistenceLayer } from './memory-persistence-layer.js';
import { describePersistenceLayerContract } from './persistence-layer.contract.js';

describePersistenceLayerContract('memory', async () => ({
  layer: new MemoryPersistenceLayer(),
  close: () => {},
}));
