#include "JemallocDefaults.h"

/*
 * jemalloc reads this global at start-up, before main, and lets the MALLOC_CONF environment
 * variable override it. Why these values:
 *  - dirty_decay_ms:1000 / muzzy_decay_ms:0: freed pages go back to the kernel within about a
 *    second instead of jemalloc's 10 s default, so the RSS timeline shows a buffer draining
 *    and the final RSS means something. Peaks are unaffected: decay only acts after a free.
 *  - background_thread:false (the default, stated): purging happens on the scenario's own
 *    threads, so the child has no extra thread the parent did not ask for.
 */
const char *malloc_conf = "dirty_decay_ms:1000,muzzy_decay_ms:0,background_thread:false";

const char *bpbench_compiled_malloc_conf(void) { return malloc_conf; }
