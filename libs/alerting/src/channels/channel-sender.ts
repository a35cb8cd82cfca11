import { Injectable } from '@nestjs/common';
import { OutboundGuard } from '../outbound/outbound-guard';
import type { ChannelTarget } from './channel-config';
import { sendEmail } from './email.sender';
import type { DeliveryOutcome, NotificationMessage } from './notification-message';
import { sendSlack } from './slack.sender';
import { sendWebhook } from './webhook.sender';

/**
 * Delivers one notification to one channel. Never throws: failures are outcomes. Every
 * connection passes the {@link OutboundGuard}.
 */
@Injectable()
export class ChannelSender {
  constructor(private readonly guard: OutboundGuard) {}

  send(message: NotificationMessage, target: ChannelTarget): Promise<DeliveryOutcome> {
    switch (target.kind) {
      case 'webhook':
        return sendWebhook(message, target, this.guard);
      case 'email':
        return sendEmail(message, target, this.guard);
      case 'slack':
        return sendSlack(message, target, this.guard);
    }
  }
}
