import { Controller, Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ClientProxyFactory, EventPattern, Payload, Transport } from '@nestjs/microservices';
import { lastValueFrom, type Observable } from 'rxjs';
import { AMS_CONFIG, type AmsConfig } from '../config/config.js';
import { type PushNotice, PUSH_NOTICE_PATTERN, PushNotices } from './push-notices.js';
import { TrackedSockets } from '../common/tracked-sockets.js';

/** What a microservice client (TCP or Kafka) offers that notices use. */
interface NoticeClient {
  emit(pattern: string, data: unknown): Observable<unknown>;
  close(): unknown;
}

/**
 * The API side of push notices over @nestjs/microservices (the worker side is PushNoticeController):
 *  - tcp: one client per worker in AMS_PUSH_NOTICE_TARGETS (embedded: workers run next to the API, known addresses);
 *  - kafka: one producer to the topic `ams.push.config-changed` (the event pattern); every worker reads it in a consumer
 *    group of its own, so all get it. Installations sharing a cluster share the topic: a foreign notice only makes a
 *    worker reconcile early.
 * Fire and forget: a notice that does not arrive only delays a change until the workers' next reconcile.
 */
@Injectable()
export class PushNoticeSender implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('PushNoticeSender');
  private readonly clients: NoticeClient[] = [];
  /** The Kafka client's broker connections: a notice sent as the process stops may connect after the client closed. */
  private readonly sockets = new TrackedSockets();

  constructor(
    @Inject(AMS_CONFIG) private readonly config: AmsConfig,
    private readonly notices: PushNotices,
  ) {}

  onApplicationBootstrap(): void {
    const push = this.config.push;
    if (!push.enabled || push.notices === 'none') return;
    if (push.notices === 'tcp') {
      for (const target of push.noticeTargets) {
        this.clients.push(ClientProxyFactory.create({ transport: Transport.TCP, options: { host: target.host, port: target.port } }));
      }
    } else if (this.config.kafka !== null) {
      this.clients.push(
        ClientProxyFactory.create({
          transport: Transport.KAFKA,
          options: {
            client: {
              clientId: 'ams-push-notices',
              brokers: [...this.config.kafka.brokers],
              logLevel: 1,
              socketFactory: this.sockets.factory,
            },
            producer: { allowAutoTopicCreation: true },
            producerOnlyMode: true,
          },
        }),
      );
    }
    for (const client of this.clients) {
      this.notices.addSender({
        send: async (notice) => {
          await lastValueFrom(client.emit(PUSH_NOTICE_PATTERN, notice), { defaultValue: undefined });
        },
      });
    }
    this.logger.log(`push notices over ${push.notices} to ${this.clients.length} target(s)`);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.clients.map((client) => Promise.resolve(client.close()).catch(() => undefined)));
    this.sockets.destroyAll();
  }
}

/** The worker side: a notice that arrived over the transport wakes this process's dispatcher. */
@Controller()
export class PushNoticeController {
  constructor(private readonly notices: PushNotices) {}

  @EventPattern(PUSH_NOTICE_PATTERN)
  received(@Payload() notice: PushNotice): void {
    if (typeof notice?.projectUuid === 'string' && typeof notice.subscription === 'string') this.notices.received(notice);
  }
}
