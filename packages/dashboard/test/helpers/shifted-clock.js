// Loaded into `tollgate serve` by the browser tests (`node --import`) to record history on earlier
// days through the real API: the process runs as on a machine whose clock is
// TOLLGATE_TEST_CLOCK_SHIFT_MS behind, so the actions, votes and reviews it stores are stamped that
// long ago. The server reads time only through Date.now (its system clock).
const shift = Number(process.env.TOLLGATE_TEST_CLOCK_SHIFT_MS ?? '0');
const realNow = Date.now;
Date.now = () => realNow() - shift;
