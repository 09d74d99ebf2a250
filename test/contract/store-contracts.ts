import { counterStoreContract } from './counter-store.contract.js';
import type { OpenHarness } from './harness.js';
import { projectStoreContract } from './project-store.contract.js';
import { registrationStoreContract } from './registration-store.contract.js';
import { schemaStoreContract } from './schema-store.contract.js';
import type { Stores } from './store-fixtures.js';
import { subscriptionStoreContract } from './subscription-store.contract.js';
import { topicStoreContract } from './topic-store.contract.js';
import { userStoreContract } from './user-store.contract.js';

/** The contract suite of every metadata port, each on a store of its own opened by `open`. */
export function storeContracts(backend: string, open: OpenHarness<Stores>): void {
  for (const contract of [
    projectStoreContract,
    userStoreContract,
    topicStoreContract,
    subscriptionStoreContract,
    schemaStoreContract,
    registrationStoreContract,
    counterStoreContract,
  ]) {
    contract(backend, open);
  }
}
