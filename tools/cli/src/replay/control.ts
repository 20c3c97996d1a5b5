import { randomUUID } from 'node:crypto';
import type { ControlAction, ControlCommand } from '@sluice/contracts';
import { ReliableProducer, type AvroSerde } from '@sluice/runtime';
import { serdeFor, type Admin, type CliContext } from '../context';
import { PartitionReader } from '../kafka/reader';
import { ensureTopicsReady } from '../kafka/topics';

export interface Ack {
  id: string;
  instance: string;
  at: number;
}

/**
 * The CLI's end of the control topic: it issues PAUSE/RESUME for a group and collects the instances'
 * ACKs. It starts reading at the log end before it sends anything, so no answer can be missed.
 */
export class ControlChannel {
  private readonly serde: AvroSerde;
  private readonly producer: ReliableProducer;
  private readonly reader: PartitionReader;
  private readonly acks: Ack[] = [];
  private readonly topic: string;

  constructor(
    private readonly ctx: CliContext,
    private readonly admin: Admin,
  ) {
    this.serde = serdeFor(ctx);
    this.topic = ctx.names.topic('control');
    this.producer = new ReliableProducer({ brokers: ctx.brokers, clientId: `sluice-cli-control-${process.pid}`, logger: ctx.logger });
    this.reader = new PartitionReader(ctx.brokers);
  }

  async open(): Promise<void> {
    await ensureTopicsReady(this.admin, this.ctx.names, ['control']);
    await this.serde.register(['control']);
    const [end] = await this.admin.fetchTopicOffsets(this.topic);
    await this.reader.connect();
    this.reader.assign([{ topic: this.topic, partition: 0, offset: Number(end.high) }]);
    await this.producer.connect();
  }

  async send(action: Exclude<ControlAction, 'ACK'>, group: string): Promise<string> {
    const command: ControlCommand = { id: randomUUID(), group, action, instance: null, issuedAt: Date.now() };
    await this.producer.send([{ topic: this.topic, key: group, value: this.serde.encode('control', command) }]);
    return command.id;
  }

  /** Reads what arrived on the control topic (waiting up to 100 ms) and returns every ACK seen so far. */
  async collect(): Promise<Ack[]> {
    for (const rec of await this.reader.poll(100)) {
      try {
        const cmd = await this.serde.decode<ControlCommand>('control', rec.value);
        if (cmd.action === 'ACK' && cmd.instance) this.acks.push({ id: cmd.id, instance: cmd.instance, at: cmd.issuedAt });
      } catch {
        // Not a command this CLI can read (another tool's record); the stages ignore it too.
      }
    }
    return this.acks;
  }

  /** Instances that acknowledged any of the command ids. */
  ackedBy(ids: Iterable<string>): Set<string> {
    const wanted = new Set(ids);
    return new Set(this.acks.filter((a) => wanted.has(a.id)).map((a) => a.instance));
  }

  async close(): Promise<void> {
    await this.reader.close();
    await this.producer.disconnect();
  }
}
