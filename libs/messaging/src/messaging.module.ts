import { Module, type DynamicModule } from '@nestjs/common';
import { AppConfig } from '@kanshi/config';
import { createKafkaClient } from './kafka-client';
import { KAFKA_CLIENT, KafkaProducer } from './kafka-producer.service';

/** Kafka for one app: a client named after the app and an idempotent producer. */
@Module({})
export class MessagingModule {
  static forRoot(appName: string): DynamicModule {
    return {
      module: MessagingModule,
      providers: [
        {
          provide: KAFKA_CLIENT,
          inject: [AppConfig],
          useFactory: (config: AppConfig) =>
            createKafkaClient(config.values.kafkaBrokers, `${config.values.kafkaClientId}-${appName}`),
        },
        KafkaProducer,
      ],
      exports: [KAFKA_CLIENT, KafkaProducer],
    };
  }
}
