// SQLite's C API (Debian: libsqlite3-dev, the system's libsqlite3), for persistent-queue's
// default backend. It replaced GRDB.swift, the scenario's only use of which was one SQLite file:
// GRDB was 113 of a from-scratch release build's 629 CPU-s, compiled as one whole-module job
// (README: "CI: what it runs and how long").
#ifndef BPBENCH_CSQLITE_SHIM_H
#define BPBENCH_CSQLITE_SHIM_H
#include <sqlite3.h>
#endif
