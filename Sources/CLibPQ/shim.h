// libpq, PostgreSQL's own C client (Debian: libpq-dev; pkg-config `libpq` adds
// -I/usr/include/postgresql), for persistent-queue's postgres backend. It replaced postgres-nio,
// whose swift-crypto and swift-nio-ssl brought two copies of BoringSSL into every build of this
// package (README: "CI: what it runs and how long").
#ifndef BPBENCH_CLIBPQ_SHIM_H
#define BPBENCH_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
