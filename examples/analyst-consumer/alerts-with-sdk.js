#!/usr/bin/env node
/**
 * The same as consume-alerts.js, through the Sluice SDK (@sluice/client): an async iterator of decoded
 * alerts in your own consumer group. An alert's offset is committed only after the loop body that got it
 * has finished, so a crash re-delivers rather than loses (deduplicate by alert.dedupKey if that matters).
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 REGISTRY_URL=http://127.0.0.1:8081 GROUP_ID=analyst-jane node alerts-with-sdk.js
 *
 * Same environment as consume-alerts.js (KAFKA_BROKERS, REGISTRY_URL, SLUICE_TOPIC_PREFIX, GROUP_ID,
 * FROM_BEGINNING, MIN_SEVERITY, OUTPUT, MAX_ALERTS).
 */
'use strict';
const { settings, formatAlert } = require('./consume-alerts');

// Inside the Sluice repository the SDK is the workspace package (built by `npm run build`).
function loadSdk() {
  try {
    return require('@sluice/client');
  } catch {
    return require('../../libs/client/dist');
  }
}

const SEVERITIES = ['INFO', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

async function main() {
  const s = settings(process.env);
  const { consumeAlerts } = loadSdk();
  const alerts = consumeAlerts({
    brokers: s.brokers,
    registryUrl: s.registryUrl,
    prefix: process.env.SLUICE_TOPIC_PREFIX || '',
    groupId: s.groupId,
    fromBeginning: s.fromBeginning,
  });
  const stop = () => void alerts.close();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  console.error(`reading alerts as consumer group ${s.groupId}`);

  let seen = 0;
  for await (const { alert, partition, offset, schemaId } of alerts) {
    if (SEVERITIES.indexOf(alert.severity) >= SEVERITIES.indexOf(s.minSeverity)) {
      console.log(s.output === 'json' ? JSON.stringify({ partition, offset, schemaId, alert }) : formatAlert(alert));
    }
    if (s.maxAlerts > 0 && ++seen >= s.maxAlerts) break; // leaving the loop closes the stream
  }
}

main().catch((err) => {
  console.error(`alerts-with-sdk: ${err.message}`);
  process.exit(1);
});
