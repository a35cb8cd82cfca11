/**
 * Preloaded (`node --require`) into apps the benchmark profiles with `--cpu-prof`. Nest's
 * shutdown hook closes the app on SIGTERM and then raises SIGTERM again to die of it, which
 * skips V8's profile writer; this listener, still registered then, exits normally instead.
 */
let signals = 0;
process.on('SIGTERM', () => {
  signals += 1;
  if (signals >= 2) process.exit(0);
});

export {};
