// zlib (Debian: zlib1g-dev) for the gzip-guide scenario. zlib's init calls are macros that pass
// the library's version and struct size, which Swift cannot call; these wrappers make them
// functions with the settings Node's zlib.createGzip() uses (Z_DEFAULT_COMPRESSION = level 6,
// a 32 KiB window, memLevel 8, the default strategy), so both languages compress alike.
#ifndef BPBENCH_CZLIB_SHIM_H
#define BPBENCH_CZLIB_SHIM_H
#include <zlib.h>

/// deflateInit2 writing the gzip wrapper (header + CRC-32/ISIZE trailer): windowBits 15 + 16.
static inline int bpbench_deflate_init_gzip(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}

/// inflateInit2 that accepts only a gzip stream (15 + 16), so its CRC-32 and length are checked.
static inline int bpbench_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 15 + 16);
}
#endif
