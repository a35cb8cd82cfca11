import { Injectable } from '@nestjs/common';
import type { ChannelTarget } from './channel-config';
import { sendEmail } from './email.sender';
import type { DeliveryOutcome, NotificationMessage } from './notification-message';
import { sendSlack } from './slack.sender';
import { sendWebhook } from './webhook.sender';

/** Delivers one notification to one channel. Never throws: failures are outcomes. */
@Injectable()
export class ChannelSender {
  send(message: NotificationMessage, target: ChannelTarget): Promise<DeliveryOutcome> {
    switch (target.kind) {
      case 'webhook':
        return sendWebhook(message, target);
      case 'email':
        return sendEmail(message, target);
      case 'slack':
        return sendSlack(message, target);
    }
  }
}
