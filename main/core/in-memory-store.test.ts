import { describeStoreContract } from '../../test/store-contract.js';
import { InMemoryStore } from './in-memory-store.js';

describeStoreContract('InMemoryStore', () => ({ store: new InMemoryStore() }));
