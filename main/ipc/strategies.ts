import type { NasApi } from '../../shared/ipc/contract.js';
import { s } from '../../shared/ipc/schema.js';
import type { StrategyCatalog } from '../../shared/strategy-info.js';
import { strategyCatalog } from '../core/strategy-docs.js';
import type { ServiceSchemas } from './server.js';

type StrategyApi = NasApi['strategy'];

/** The `strategy` namespace: every registered strategy with its documented options (what --help prints). */
export class StrategyService implements StrategyApi {
  async list(): Promise<StrategyCatalog> {
    return strategyCatalog();
  }
}

export const STRATEGY_SCHEMAS: ServiceSchemas<'strategy'> = {
  list: s.none(),
};
