import { prom, registry } from '@sluice/runtime';

function counter(name: string, help: string, labelNames: string[] = []) {
  return new prom.Counter({ name, help, labelNames, registers: [registry] });
}
function gauge(name: string, help: string, labelNames: string[] = []) {
  return new prom.Gauge({ name, help, labelNames, registers: [registry] });
}

/** The notification service's own metrics (the stage runtime exports the consuming side). */
export const notifyMetrics = {
  clients: gauge('sluice_notify_clients', 'WebSocket clients connected.'),
  alerts: counter('sluice_notify_alerts_total', 'Alert records processed, by dedup outcome.', ['status']),
  messagesSent: counter('sluice_notify_alert_messages_total', 'Alert messages handed to WebSocket clients (live and catch-up).', ['kind']),
  evictions: counter('sluice_notify_client_evictions_total', 'WebSocket clients disconnected by the service.', ['reason']),
  refusedConnections: counter('sluice_notify_refused_connections_total', 'WebSocket upgrades refused.', ['status']),
  catchups: counter('sluice_notify_catchups_total', 'Catch-ups from a cursor, by outcome.', ['outcome']),
  catchupRecords: counter('sluice_notify_catchup_records_total', 'Alert records read back from Kafka for catch-ups.'),
  acks: counter('sluice_notify_acks_total', 'Alerts acknowledged by analysts.'),
  deliveryLatency: new prom.Histogram({
    name: 'sluice_notify_delivery_latency_seconds',
    help: 'From the alert reaching its topic (Kafka timestamp) to its fan-out to the connected clients.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  }),
  webhookAttempts: counter('sluice_notify_webhook_attempts_total', 'Webhook HTTP attempts, by subscription and outcome.', ['subscription', 'outcome']),
  webhookDelivered: counter('sluice_notify_webhook_delivered_total', 'Alerts a webhook endpoint accepted.', ['subscription']),
  webhookDeadLettered: counter('sluice_notify_webhook_dead_lettered_total', 'Alerts sent to the dead-letter topic after a webhook gave up.', ['subscription', 'reason']),
  confirmationClients: gauge('sluice_notify_confirmation_clients', 'Producer confirmation sockets connected.'),
  confirmationRecords: counter('sluice_notify_confirmation_records_total', 'Confirmation records read from the confirmations topic (no_producer: written without a producer, nobody to tell).', ['outcome']),
  confirmationsDelivered: counter('sluice_notify_confirmations_delivered_total', 'Event confirmations (event ids) handed to producer sockets, live or replayed on resume.', ['kind']),
  confirmationsDropped: counter('sluice_notify_confirmation_messages_dropped_total', 'Confirmation messages still queued for a producer socket when it was closed (slow consumer, heartbeat, shutdown); the producer resumes from its cursor.'),
  confirmationEvictions: counter('sluice_notify_confirmation_evictions_total', 'Producer confirmation sockets disconnected by the service.', ['reason']),
  pipelineWatching: gauge('sluice_notify_pipeline_tails', 'Topics tailed for the console pipeline view (0 while nobody watches it).'),
  pipelineRecords: counter('sluice_notify_pipeline_records_total', 'Records the console pipeline view read, per topic.', ['topic']),
  webhookQueued: gauge('sluice_notify_webhook_queued', 'Alerts waiting for (or retrying) delivery, per webhook subscription.', ['subscription']),
};
