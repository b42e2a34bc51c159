// Package reliability holds no code, only tests: they prove, under faults,
// crashes, overload and bad input, what spillway promises when things go
// wrong, on trees of stages composed as an adopter would compose them.
// Each package tests its own stage; these tests test the composition.
//
// # What is proven
//
//   - A full disk (ENOSPC, as an *os.File reports it) under a JSON-lines
//     sink: the error is counted and reported, the file never holds a
//     fragment of a line joined to a later line, the values it could not
//     write go to the queue's fallback (none lost) or are counted as failed
//     (without one), and writing resumes when space returns.
//   - Fallback chains on write failure, fanout isolation from a hung child,
//     and panics in a custom stage at each boundary (queue, fanout,
//     fallback): nothing is lost and every value is counted once by each
//     stage, across the tree ([pipeline.Walk]).
//   - A process killed with SIGKILL while writing under strategy.Block
//     leaves only whole lines, except at most one torn last line that the
//     Reader reports as torn; reopening the file appends on a fresh line.
//   - Every invalid option of every constructor is an error naming the
//     option, never a panic.
//   - Audit files are created with mode 0600, and nothing else is created
//     next to them: the sink never writes to a path the adopter did not
//     give (no temporary or rotated files). Error messages never embed an
//     event's contents (the seed's "no PHI exit"): hooks receive the value,
//     errors say only what went wrong.
//   - A bounded soak (20s, or SPILLWAY_SOAK=duration; skipped under -short):
//     several producers, mixed strategies, a writer that fails now and
//     then, a fanout with a slow child; at the end the accounting identity
//     holds exactly across the tree and the heap has not grown.
package reliability
