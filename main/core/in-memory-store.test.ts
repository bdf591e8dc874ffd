import { describeStoreContract } from '../../test/store-contract.js';
import { InMemoryStore } from './in-memory-store.js';

describeStoreContract('InMemoryStore', () => {
  const store = new InMemoryStore();
  return { store, reopen: () => store.connect() };
});
