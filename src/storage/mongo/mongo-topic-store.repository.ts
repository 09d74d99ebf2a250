import { Injectable } from '@nestjs/common';
import type { Page, PageQuery } from '../../common/pagination.js';
import type { TopicRecord } from '../ports/records.js';
import type { TopicFilter, TopicPatch, TopicStore } from '../ports/topic-store.repository.js';
import { aclNames, type Doc, insert, one, pageOf, setOf, topicFrom, update, withAcl } from './mongo-docs.js';
import { run } from './mongo-errors.js';
import { MongoModels } from './mongo-models.js';

@Injectable()
export class MongoTopicStore implements TopicStore {
  constructor(private readonly m: MongoModels) {}

  createTopic(t: TopicRecord): Promise<boolean> {
    const { authorizedUsers, ...rest } = t;
    return insert(this.m.topics, { ...rest, acl: [...authorizedUsers] });
  }

  topic(projectUuid: string, name: string): Promise<TopicRecord | null> {
    return one(this.m.topics, { projectUuid, name }, topicFrom);
  }

  listTopics(projectUuid: string, filter: TopicFilter, page: PageQuery): Promise<Page<TopicRecord> | null> {
    return pageOf(this.m.topics, withAcl({ projectUuid }, filter.aclUser), page, topicFrom);
  }

  async updateTopic(projectUuid: string, name: string, patch: TopicPatch): Promise<TopicRecord | null> {
    const outcome = await update(this.m.topics, { projectUuid, name }, setOf(patch, { authorizedUsers: 'acl' }), topicFrom);
    return typeof outcome === 'string' ? null : outcome;
  }

  deleteTopic(projectUuid: string, name: string): Promise<boolean> {
    return run(async () => {
      const deleted = (await this.m.topics.deleteOne({ projectUuid, name })).deletedCount === 1;
      await this.m.resourceCounters.deleteMany({ kind: 'topic', projectUuid, name });
      return deleted;
    });
  }

  aclTopicNames(projectUuid: string, userUuid: string): Promise<string[]> {
    return aclNames(this.m.topics, projectUuid, userUuid);
  }

  topicLogIds(): Promise<string[]> {
    return run(async () => ((await this.m.topics.find({}, { logId: 1 }).lean()) as Doc[]).map((d) => d.logId as string));
  }
}
