import { Module, type DynamicModule } from '@nestjs/common';
import type { RetryOptions } from 'kafkajs';
import { AppConfig } from '@kanshi/config';
import { createKafkaClient, kafkaConnectionOf, PATIENT_RETRY } from './kafka-client';
import { KAFKA_CLIENT, KafkaProducer } from './kafka-producer.service';
import { TopicLogEnds } from './topic-log-ends';

/** Kafka for one app: a client named after the app, an idempotent producer and a reader of log ends (connects on first use). */
@Module({})
export class MessagingModule {
  static forRoot(appName: string, retry: RetryOptions = PATIENT_RETRY): DynamicModule {
    return {
      module: MessagingModule,
      providers: [
        {
          provide: KAFKA_CLIENT,
          inject: [AppConfig],
          useFactory: (config: AppConfig) =>
            createKafkaClient(kafkaConnectionOf(config), `${config.values.kafkaClientId}-${appName}`, retry),
        },
        KafkaProducer,
        TopicLogEnds,
      ],
      exports: [KAFKA_CLIENT, KafkaProducer, TopicLogEnds],
    };
  }
}
