package retry

// Backoff is the wait before attempt, before jitter.
var Backoff = Policy.backoff

// Jitter is the jitter Delay applies.
var Jitter = jitter
