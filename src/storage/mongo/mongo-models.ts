import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection, Model, Schema } from 'mongoose';
import type { Doc } from './mongo-docs.js';
import { run } from './mongo-errors.js';
import {
  DAILY_COUNT,
  MESSAGE_SCHEMA,
  MONGO_MODELS,
  NODE_SAMPLE,
  PROJECT,
  REGISTRATION,
  RESOURCE_COUNTER,
  SUBSCRIPTION,
  TOPIC,
  USER,
} from './mongo-schemas.js';

/**
 * The models of MONGO_MODELS on one connection, shared by every adapter of this folder (an adapter reaches the
 * collections of other aggregates where a delete cascades or a count spans them).
 */
@Injectable()
export class MongoModels implements OnModuleInit {
  readonly projects: Model<Doc>;
  readonly users: Model<Doc>;
  readonly topics: Model<Doc>;
  readonly subscriptions: Model<Doc>;
  readonly dailyCounters: Model<Doc>;
  readonly registrations: Model<Doc>;
  readonly resourceCounters: Model<Doc>;
  readonly nodes: Model<Doc>;
  readonly schemas: Model<Doc>;

  constructor(@InjectConnection() readonly connection: Connection) {
    for (const { name, schema } of MONGO_MODELS) connection.model<Doc>(name, schema as Schema<Doc>);
    const model = (name: string): Model<Doc> => connection.model<Doc>(name);
    this.projects = model(PROJECT);
    this.users = model(USER);
    this.topics = model(TOPIC);
    this.subscriptions = model(SUBSCRIPTION);
    this.dailyCounters = model(DAILY_COUNT);
    this.registrations = model(REGISTRATION);
    this.resourceCounters = model(RESOURCE_COUNTER);
    this.nodes = model(NODE_SAMPLE);
    this.schemas = model(MESSAGE_SCHEMA);
  }

  /** Unique indexes must exist before the first insert relies on them, so start-up waits for them. */
  async onModuleInit(): Promise<void> {
    await run(async () => {
      for (const { name } of MONGO_MODELS) await this.connection.model(name).createIndexes();
    });
  }
}
