import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';

const run = promisify(execFile);
const kafkaSh = path.resolve(__dirname, '../../../deploy/kafka/kafka.sh');

export interface RawKafkaThroughput {
  producerRecordsPerSec: number;
  producerMBPerSec: number;
  producerAvgLatencyMs: number;
  producerP99LatencyMs: number;
  consumerRecordsPerSec: number;
  consumerMBPerSec: number;
  records: number;
  recordSize: number;
}

/**
 * The broker's own speed in this run, measured with Kafka's producer and consumer performance tools on
 * the same broker, so every Sluice figure can be read against it on a noisy shared machine.
 */
export async function rawKafkaThroughput(brokers: string, records = 200_000, recordSize = 512): Promise<RawKafkaThroughput> {
  const topic = `bench.raw-kafka.${Date.now().toString(36)}`;
  const kafka = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: true });
  try {
    const prod = await run(
      'bash',
      [kafkaSh, 'class', 'org.apache.kafka.tools.ProducerPerformance', '--topic', topic, '--num-records', String(records), '--record-size', String(recordSize), '--throughput', '-1', '--producer-props', `bootstrap.servers=${brokers}`, 'acks=all', 'linger.ms=5', 'batch.size=262144', 'compression.type=lz4'],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    // "200000 records sent, 81234.5 records/sec (39.67 MB/sec), 310.12 ms avg latency, 800.00 ms max latency, 300 ms 50th, 700 ms 95th, 780 ms 99th, 799 ms 99.9th."
    const summary = prod.stdout.trim().split('\n').pop() ?? '';
    const m = /([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency.*?(\d+) ms 99th/.exec(summary);
    if (!m) throw new Error(`cannot read ProducerPerformance output: ${summary}`);
    const cons = await run('bash', [kafkaSh, 'class', 'org.apache.kafka.tools.ConsumerPerformance', '--bootstrap-server', brokers, '--topic', topic, '--messages', String(records), '--timeout', '60000'], {
      maxBuffer: 16 * 1024 * 1024,
    });
    // header then: start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, ...
    const lines = cons.stdout.trim().split('\n');
    const cols = lines[lines.length - 1].split(',').map((s) => s.trim());
    const header = lines.find((l) => l.includes('nMsg.sec'))?.split(',').map((s) => s.trim()) ?? [];
    const col = (name: string) => Number(cols[header.indexOf(name)]);
    return {
      producerRecordsPerSec: Number(m[1]),
      producerMBPerSec: Number(m[2]),
      producerAvgLatencyMs: Number(m[3]),
      producerP99LatencyMs: Number(m[4]),
      consumerRecordsPerSec: col('nMsg.sec'),
      consumerMBPerSec: col('MB.sec'),
      records,
      recordSize,
    };
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}
