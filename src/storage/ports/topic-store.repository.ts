import type { Page, PageQuery } from '../../common/pagination.js';
import type { TopicRecord } from './records.js';

export const TOPICS = Symbol('TopicStore');

export type TopicPatch = Partial<Pick<TopicRecord, 'schemaUuid' | 'authorizedUsers' | 'retentionSeconds'>>;

/** `aclUser` keeps only topics whose ACL holds that user uuid. */
export interface TopicFilter {
  readonly aclUser?: string;
}

/** Topic records (their messages live behind MessageLog). Lists are newest first; unknown page positions answer null. */
export interface TopicStore {
  /** False when the project already has a topic of that name. */
  createTopic(topic: TopicRecord): Promise<boolean>;
  topic(projectUuid: string, name: string): Promise<TopicRecord | null>;
  listTopics(projectUuid: string, filter: TopicFilter, page: PageQuery): Promise<Page<TopicRecord> | null>;
  updateTopic(projectUuid: string, name: string, patch: TopicPatch): Promise<TopicRecord | null>;
  /** Removes the topic with its resource counters (its daily counters stay: they are the project's history). */
  deleteTopic(projectUuid: string, name: string): Promise<boolean>;
  /** Names of the project's topics whose ACL holds the user, in creation order (user views, spec 3.0). */
  aclTopicNames(projectUuid: string, userUuid: string): Promise<string[]>;
  /** The log id of every topic record, orphaned ones included: the logs something still refers to. Any order. */
  topicLogIds(): Promise<string[]>;
}
