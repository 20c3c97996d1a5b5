/**
 * Preloaded (NODE_OPTIONS=--require) into every Node process the benchmark suite starts: when the suite
 * process is gone (killed, or crashed without running its clean-up), the process stops itself. Services
 * left running by a dead suite would otherwise keep consuming CPU and skew every later measurement.
 */
const suite = Number(process.env.SLUICE_BENCH_SUITE_PID);
if (suite > 0 && suite !== process.pid) {
  const timer = setInterval(() => {
    try {
      process.kill(suite, 0);
    } catch {
      clearInterval(timer);
      // SIGTERM: services shut down gracefully; load generators simply end. Forced after 40 s.
      setTimeout(() => process.exit(1), 40_000).unref();
      process.kill(process.pid, 'SIGTERM');
    }
  }, 1000);
  timer.unref();
}
