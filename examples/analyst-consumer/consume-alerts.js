#!/usr/bin/env node
/**
 * Reads Sluice alerts (topic sluice.alerts.v1) with a stock Kafka client and the schema registry, in
 * the analyst's own consumer group. Nothing here is Sluice code: any Confluent-compatible consumer works
 * the same way, because every value is Avro in the Confluent wire format (magic byte 0, the 4-byte id
 * of its schema in the registry, then the Avro body) and the registry serves the schema for each id.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 REGISTRY_URL=http://127.0.0.1:8081 GROUP_ID=analyst-jane node consume-alerts.js
 *
 * Environment:
 *   KAFKA_BROKERS        bootstrap servers, comma-separated            (127.0.0.1:9092)
 *   REGISTRY_URL         schema registry URL                           (http://127.0.0.1:8081)
 *   SLUICE_TOPIC_PREFIX  deployment prefix in front of topic names     (none)
 *   GROUP_ID             your own consumer group: offsets are kept per group, so each analyst, tool
 *                        or dashboard reads every alert independently  (analyst-<user>)
 *   FROM_BEGINNING       true: a new group starts at the oldest retained alert (30 days); else new alerts only
 *   MIN_SEVERITY         INFO, LOW, MEDIUM, HIGH or CRITICAL: print only alerts at least this severe (INFO)
 *   OUTPUT               text (one line per alert) or json (one JSON object per line)   (text)
 *   MAX_ALERTS           stop after this many alerts (0: run until Ctrl-C)               (0)
 */
'use strict';
const os = require('node:os');
const { Kafka, logLevel, CompressionTypes, CompressionCodecs } = require('kafkajs');
const { SchemaRegistry } = require('@kafkajs/confluent-schema-registry');
const lz4 = require('lz4js');

// Sluice's producers (librdkafka) compress record batches with LZ4; kafkajs reads gzip by itself and
// needs a codec for the others. lz4js is a pure-JavaScript LZ4 frame codec.
CompressionCodecs[CompressionTypes.LZ4] = () => ({
  compress: async (encoder) => Buffer.from(lz4.compress(encoder.buffer)),
  decompress: async (buffer) => Buffer.from(lz4.decompress(buffer)),
});

const SEVERITIES = ['INFO', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

function settings(env) {
  const prefix = env.SLUICE_TOPIC_PREFIX || '';
  const minSeverity = (env.MIN_SEVERITY || 'INFO').toUpperCase();
  if (!SEVERITIES.includes(minSeverity)) throw new Error(`MIN_SEVERITY=${env.MIN_SEVERITY}: expected one of ${SEVERITIES.join(', ')}`);
  const output = env.OUTPUT || 'text';
  if (output !== 'text' && output !== 'json') throw new Error(`OUTPUT=${output}: expected text or json`);
  const maxAlerts = Number(env.MAX_ALERTS || 0);
  if (!Number.isInteger(maxAlerts) || maxAlerts < 0) throw new Error(`MAX_ALERTS=${env.MAX_ALERTS}: expected a whole number (0 for no limit)`);
  return {
    brokers: (env.KAFKA_BROKERS || '127.0.0.1:9092').split(',').map((b) => b.trim()).filter(Boolean),
    registryUrl: env.REGISTRY_URL || 'http://127.0.0.1:8081',
    // Sluice's naming: an optional deployment prefix, a dot, then the versioned topic name.
    topic: `${prefix ? (prefix.endsWith('.') ? prefix : `${prefix}.`) : ''}sluice.alerts.v1`,
    groupId: env.GROUP_ID || `analyst-${os.userInfo().username}`,
    fromBeginning: env.FROM_BEGINNING === 'true',
    minSeverity,
    output,
    maxAlerts,
  };
}

/** One line an analyst reads: severity, title, what it is about, and when. */
function formatAlert(alert) {
  const when = new Date(Number(alert.firedAt)).toISOString();
  const count = alert.evidence.figures && alert.evidence.figures.count !== undefined ? `, count ${alert.evidence.figures.count}` : '';
  return `${when} [${alert.severity}] ${alert.title} (rule ${alert.rule}, ${alert.entity.type} ${alert.entity.value}${alert.source && alert.entity.type !== 'source' ? `, source ${alert.source}` : ''}${count}, dedup ${alert.dedupKey.slice(0, 12)})`;
}

async function main() {
  const s = settings(process.env);
  const kafka = new Kafka({ clientId: `sluice-analyst-${s.groupId}`, brokers: s.brokers, logLevel: logLevel.WARN });
  const registry = new SchemaRegistry({ host: s.registryUrl });
  const consumer = kafka.consumer({ groupId: s.groupId });
  let seen = 0;
  let stopping = false;

  const stop = async (code) => {
    if (stopping) return;
    stopping = true;
    // Leaving the group commits the offsets of the alerts handled so far: the next run resumes after them.
    await consumer.disconnect().catch(() => undefined);
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  // kafkajs restarts after retriable errors by itself; anything else ends the run with the error.
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart) return;
    console.error(`consume-alerts: the consumer stopped: ${payload.error.message}`);
    void stop(1);
  });

  await consumer.connect();
  await consumer.subscribe({ topic: s.topic, fromBeginning: s.fromBeginning });
  console.error(`reading ${s.topic} as consumer group ${s.groupId} (${s.fromBeginning ? 'from the oldest retained alert' : 'new alerts'} when the group is new)`);

  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      // The registry client reads the schema id from the record's header and decodes with that schema.
      let alert;
      try {
        alert = await registry.decode(message.value);
      } catch (err) {
        console.error(`partition ${partition} offset ${message.offset}: not a decodable alert, skipped: ${err.message}`);
        return;
      }
      if (SEVERITIES.indexOf(alert.severity) >= SEVERITIES.indexOf(s.minSeverity)) {
        if (s.output === 'json') console.log(JSON.stringify({ partition, offset: message.offset, schemaId: message.value.readUInt32BE(1), alert }));
        else console.log(formatAlert(alert));
      }
      seen++;
      if (s.maxAlerts > 0 && seen >= s.maxAlerts) setImmediate(() => void stop(0));
    },
  });
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`consume-alerts: ${err.message}`);
    process.exit(1);
  });
}

module.exports = { settings, formatAlert };
