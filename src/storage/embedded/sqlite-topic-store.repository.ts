import { Injectable } from '@nestjs/common';
import type { Page, PageQuery } from '../../common/pagination.js';
import type { TopicRecord } from '../ports/records.js';
import type { TopicFilter, TopicPatch, TopicStore } from '../ports/topic-store.repository.js';
import { SqliteAdapter, withAcl } from './sqlite-adapter.js';
import { TOPIC_COLUMNS, topicFrom } from './sqlite-rows.js';

@Injectable()
export class SqliteTopicStore extends SqliteAdapter implements TopicStore {
  async createTopic(t: TopicRecord): Promise<boolean> {
    return this.insertUnique(
      'INSERT INTO topics (project_uuid, name, log_id, schema_uuid, acl, created_on, retention_seconds) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [t.projectUuid, t.name, t.logId, t.schemaUuid, JSON.stringify(t.authorizedUsers), t.createdOn.getTime(), t.retentionSeconds],
    );
  }

  async topic(projectUuid: string, name: string): Promise<TopicRecord | null> {
    return this.one('SELECT * FROM topics WHERE project_uuid = ? AND name = ?', [projectUuid, name], topicFrom);
  }

  async listTopics(projectUuid: string, filter: TopicFilter, page: PageQuery): Promise<Page<TopicRecord> | null> {
    const [where, params] = withAcl('project_uuid = ?', [projectUuid], filter.aclUser);
    return this.page('topics', where, params, page, topicFrom);
  }

  async updateTopic(projectUuid: string, name: string, patch: TopicPatch): Promise<TopicRecord | null> {
    const outcome = this.updateRow('topics', 'project_uuid = ? AND name = ?', [projectUuid, name], patch, TOPIC_COLUMNS, topicFrom);
    return outcome === 'missing' || outcome === 'name-taken' ? null : outcome;
  }

  async deleteTopic(projectUuid: string, name: string): Promise<boolean> {
    return this.db.transaction(() => {
      this.sql("DELETE FROM resource_counters WHERE kind = 'topic' AND project_uuid = ? AND name = ?").run(projectUuid, name);
      return this.sql('DELETE FROM topics WHERE project_uuid = ? AND name = ?').run(projectUuid, name).changes === 1;
    })();
  }

  async aclTopicNames(projectUuid: string, userUuid: string): Promise<string[]> {
    return this.aclNames('topics', projectUuid, userUuid);
  }

  async topicLogIds(): Promise<string[]> {
    return this.sql('SELECT log_id FROM topics').pluck().all() as string[];
  }
}
