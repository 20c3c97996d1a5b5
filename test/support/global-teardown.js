// Deletes the topics this jest run created (prefixes from uniquePrefix carry the run id global-setup set).
// Without it every run leaves a few thousand partitions behind, and a development broker runs out of file
// descriptors after a handful of runs. SLUICE_KEEP_TEST_TOPICS=1 keeps them for a post-mortem. A cleanup
// problem is reported, never turned into a failed run.
const path = require('node:path');

module.exports = async () => {
  const run = process.env.SLUICE_TEST_RUN;
  if (!run || process.env.SLUICE_KEEP_TEST_TOPICS === '1') return;
  const { kafkaAdminClient } = require(path.join(__dirname, '../../libs/runtime/dist'));
  const admin = kafkaAdminClient((process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), 'test-teardown');
  const started = Date.now();
  try {
    await admin.connect();
    const mine = (await admin.listTopics()).filter((t) => t.startsWith('test.') && t.split('.').some((part) => part.startsWith(run)));
    for (let i = 0; i < mine.length; i += 200) await admin.deleteTopics({ topics: mine.slice(i, i + 200), timeout: 30_000 });
    if (mine.length) console.log(`\n[teardown] deleted this run's ${mine.length} test topics in ${Date.now() - started} ms`);
  } catch (err) {
    console.warn(`\n[teardown] could not delete this run's test topics (${err.message}); the broker keeps them`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
};
