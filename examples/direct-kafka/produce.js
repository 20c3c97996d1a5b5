#!/usr/bin/env node
/**
 * Produces RawEvents straight into Sluice's raw topic with a stock Kafka client (kafkajs) and the stock
 * Confluent Avro serializer (@kafkajs/confluent-schema-registry). Nothing here comes from Sluice: any
 * Confluent-compatible producer does the same three things.
 *   1. Find the writer schema under the topic's subject (TopicNameStrategy: "<topic>-value"); register
 *      schemas/RawEvent.avsc there if the subject is still empty.
 *   2. Encode each event as Confluent-framed Avro (magic byte 0, 4-byte schema id, Avro body).
 *   3. Produce with key "<source>:<author.id>" (one author's events stay in order), acks=all.
 *
 * Usage: node produce.js [--count N] [--invalid] [--out DIR]
 *   --count N   events to send (default 3)
 *   --invalid   also send one record that is valid Avro but breaks Sluice's rules (source "Twitter Feed"
 *               is not a lower-case token): the enrich stage sends it to the dead-letter topic with its reason
 *   --out DIR   write each framed record to DIR/<n>.avro (and its key to DIR/<n>.key) instead of
 *               producing, for another client such as kcat to send
 * Environment: KAFKA_BROKERS (127.0.0.1:9092), REGISTRY_URL (http://127.0.0.1:8081), SLUICE_TOPIC_PREFIX
 * (empty), SCHEMA_FILE (../../schemas/RawEvent.avsc).
 */
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const { Kafka, Partitioners, logLevel } = require('kafkajs');
const { SchemaRegistry, SchemaType } = require('@kafkajs/confluent-schema-registry');

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);

const brokers = (process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(',');
const registryUrl = process.env.REGISTRY_URL || 'http://127.0.0.1:8081';
const prefix = process.env.SLUICE_TOPIC_PREFIX ? `${process.env.SLUICE_TOPIC_PREFIX.replace(/\.$/, '')}.` : '';
const topic = `${prefix}sluice.events.raw.v1`;
const subject = `${topic}-value`;
const schemaFile = process.env.SCHEMA_FILE || path.resolve(__dirname, '../../schemas/RawEvent.avsc');
const count = Number(option('--count', '3'));
const outDir = option('--out', undefined);

/** A RawEvent as the schema defines it: a direct producer sets id and receivedAt itself; producer stays null. */
function event(i, overrides = {}) {
  const now = Date.now();
  return {
    id: `direct-${crypto.randomUUID()}`,
    source: 'telegram',
    kind: 'CHAT',
    occurredAt: now - 1500,
    receivedAt: now,
    author: { id: `channel-${i % 2}`, handle: `news_channel_${i % 2}`, followers: 25_000, verified: true },
    text: `Direct from Kafka, message ${i} #sluice`,
    url: null,
    lang: 'en',
    parentId: null,
    engagement: { likes: 3, shares: 1, comments: 0, views: 410 },
    attributes: { channel: 'direct-kafka-example' },
    producer: null,
    ...overrides,
  };
}

async function schemaId(registry) {
  try {
    return await registry.getLatestSchemaId(subject);
  } catch (err) {
    if (err.status !== 404) throw err;
    const schema = fs.readFileSync(schemaFile, 'utf8');
    const { id } = await registry.register({ type: SchemaType.AVRO, schema }, { subject });
    console.error(`registered ${schemaFile} under ${subject} as schema id ${id}`);
    return id;
  }
}

async function main() {
  const registry = new SchemaRegistry({ host: registryUrl });
  const id = await schemaId(registry);
  const events = Array.from({ length: count }, (_, i) => event(i));
  if (flag('--invalid')) events.push(event(count, { id: `direct-invalid-${crypto.randomUUID()}`, source: 'Twitter Feed' }));
  const messages = [];
  for (const e of events) messages.push({ key: `${e.source}:${e.author.id}`, value: await registry.encode(id, e) });

  if (outDir) {
    fs.mkdirSync(outDir, { recursive: true });
    messages.forEach((m, n) => {
      fs.writeFileSync(path.join(outDir, `${n}.avro`), m.value);
      fs.writeFileSync(path.join(outDir, `${n}.key`), m.key);
    });
    console.log(JSON.stringify({ topic, subject, schemaId: id, written: messages.length, dir: outDir }));
    return;
  }

  const kafka = new Kafka({ clientId: 'direct-kafka-example', brokers, logLevel: logLevel.WARN });
  // The Java client's partitioner (murmur2 of the key), which Sluice's own producers use too, so an
  // author's events land in the same partition whichever way they arrive.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    const result = await producer.send({ topic, acks: -1, messages });
    console.log(JSON.stringify({ topic, subject, schemaId: id, sent: events.map((e) => e.id), partitions: result }));
  } finally {
    await producer.disconnect();
  }
}

main().catch((err) => {
  console.error(`direct-kafka example failed: ${err.message}`);
  process.exit(1);
});
