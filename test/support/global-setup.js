// Tests run against the real Kafka broker, schema registry and PostgreSQL. When one is missing the run
// fails here with what to start, rather than skipping tests.
const net = require('node:net');

function reachable(host, port, timeoutMs = 3000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

module.exports = async () => {
  const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  const registry = new URL(process.env.REGISTRY_URL ?? 'http://127.0.0.1:8081');
  const pg = new URL(process.env.DATABASE_URL ?? 'postgres://sluice:sluice@127.0.0.1:5432/sluice');
  const needs = [
    ['Kafka', brokers[0].split(':')[0], Number(brokers[0].split(':')[1]), 'KAFKA_BROKERS', 'deploy/kafka/kafka.sh start'],
    ['schema registry', registry.hostname, Number(registry.port || 80), 'REGISTRY_URL', 'deploy/stack.sh registry'],
    ['PostgreSQL', pg.hostname, Number(pg.port || 5432), 'DATABASE_URL', 'deploy/postgres/postgres.sh start'],
  ];
  const missing = [];
  for (const [what, host, port, variable, start] of needs) {
    if (!(await reachable(host, port))) missing.push(`${what} is not reachable at ${host}:${port} (${variable}); start it with ${start}, or run the whole suite with npm test`);
  }
  if (missing.length) throw new Error(`test infrastructure missing:\n  ${missing.join('\n  ')}`);
  // Workers inherit it: every prefix of this run carries it, and global-teardown deletes those topics.
  process.env.SLUICE_TEST_RUN = `r${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;
};
