// Store retention for a service fed with readings from a fixed day in the past. Retention is
// reckoned from the wall clock (as a time-series database's is), so records of a plant whose clock
// is in January 2026 are past the default retention and a pruning pass, once the service has run
// for `pruneIntervalMs`, would delete them while the test still reads them back.
export const historicDataRetention = {
  scoresMaxAgeDays: 3650,
  alertsMaxAgeDays: 3650,
  framesMaxAgeDays: 3650,
} as const;
