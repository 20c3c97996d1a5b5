import * as Kafka from 'node-rdkafka';
import type { ControlCommand } from '@sluice/contracts';
import type { Logger } from '../log';
import type { AvroSerde } from '../registry';
import type { ReliableProducer } from '../kafka/producer';

export interface ControlTarget {
  group: string;
  instance: string;
  leaveGroup(): Promise<void>;
  rejoinGroup(): Promise<void>;
}

/**
 * Listens on the control topic for operator commands to this stage's group (a coordinated replay:
 * PAUSE = leave the group and stay out, RESUME = rejoin) and acknowledges each with an ACK record.
 * It reads by assignment from the log end, outside any consumer group, so it never rebalances.
 */
export async function listenForControl(opts: {
  brokers: string[];
  topic: string;
  serde: AvroSerde;
  producer: ReliableProducer;
  target: ControlTarget;
  logger: Logger;
}): Promise<{ close(): Promise<void> }> {
  const { brokers, topic, serde, producer, target, logger } = opts;
  const consumer = new Kafka.KafkaConsumer(
    { 'group.id': `${target.group}.control.${target.instance}`, 'metadata.broker.list': brokers.join(','), 'enable.auto.commit': false },
    { 'auto.offset.reset': 'latest' },
  );
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 30_000 }, (err) => (err ? reject(err) : resolve())));
  consumer.assign([{ topic, partition: 0, offset: -1 /* RD_KAFKA_OFFSET_END */ }]);
  consumer.setDefaultConsumeTimeout(200);
  let open = true;
  let queue = Promise.resolve();

  const ack = async (cmd: ControlCommand) => {
    const value: ControlCommand = { id: cmd.id, group: cmd.group, action: 'ACK', instance: target.instance, issuedAt: Date.now() };
    await producer.send([{ topic, key: cmd.group, value: serde.encode('control', value) }]);
  };

  const loop = async () => {
    while (open) {
      const messages = await new Promise<Kafka.Message[]>((resolve) => consumer.consume(100, (err, m) => resolve(err ? [] : m)));
      for (const m of messages) {
        let cmd: ControlCommand;
        try {
          cmd = await serde.decode<ControlCommand>('control', m.value);
        } catch (e) {
          logger.warn({ err: (e as Error).message, offset: m.offset }, 'unreadable control record ignored');
          continue;
        }
        if (cmd.group !== target.group || cmd.action === 'ACK') continue;
        queue = queue.then(async () => {
          logger.info({ command: cmd.action, id: cmd.id }, 'control command');
          if (cmd.action === 'PAUSE') await target.leaveGroup();
          else if (cmd.action === 'RESUME') await target.rejoinGroup();
          await ack(cmd);
        }).catch((e) => logger.error({ err: String(e) }, 'control command failed'));
      }
    }
  };
  const running = loop();
  return {
    async close() {
      open = false;
      await running;
      await queue;
      await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
    },
  };
}
