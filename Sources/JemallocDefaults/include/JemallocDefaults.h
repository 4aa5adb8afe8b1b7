#ifndef JEMALLOC_DEFAULTS_H
#define JEMALLOC_DEFAULTS_H
/// The compiled-in jemalloc options (see jemalloc_defaults.c). MALLOC_CONF still overrides them.
const char *bpbench_compiled_malloc_conf(void);
#endif
