#include "JemallocDefaults.h"

/*
 * jemalloc reads this global at start-up, before main, and lets the MALLOC_CONF environment
 * variable override it. Why these values:
 *  - dirty_decay_ms:1000 / muzzy_decay_ms:0: freed pages go back to the kernel within about a
 *    second instead of jemalloc's 10 s default, so the RSS timeline shows a buffer draining
 *    and the final RSS means something. Peaks are unaffected: decay only acts after a free.
 *  - background_thread:false (the default, stated): purging happens on the scenario's own
 *    threads, so the child has no extra thread the parent did not ask for.
 *  - narenas:2 instead of jemalloc's 4 x CPUs: the sampler refreshes `epoch` every 1 ms, and the
 *    refresh merges every arena's statistics. Measured on this 2-core machine (pipeline-copy,
 *    unthrottled): 8 arenas cost 64-80 us per tick and about 10 % of throughput; 2 arenas cost
 *    ~25 us and no measurable throughput. A fixed count also keeps memory figures comparable
 *    between machines with different core counts. Per-thread caches (tcache) keep contention low.
 */
const char *malloc_conf = "dirty_decay_ms:1000,muzzy_decay_ms:0,background_thread:false,narenas:2";

const char *bpbench_compiled_malloc_conf(void) { return malloc_conf; }
