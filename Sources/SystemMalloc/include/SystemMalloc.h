/* libBPBenchSystemMalloc.so: preloaded into a scenario child by `bpbench run --allocator system`.
 * It defines malloc and its family as glibc's own, so a child linked with jemalloc allocates
 * through glibc's malloc instead (jemalloc stays loaded, unused, for mallctl). No API. */
