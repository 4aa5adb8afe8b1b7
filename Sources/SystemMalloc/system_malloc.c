/*
 * The system allocator for a scenario child linked with jemalloc (`bpbench run --allocator
 * system`): preloaded (LD_PRELOAD), these definitions come first in symbol lookup, so every
 * malloc, free, calloc, realloc, aligned allocation and malloc_usable_size of the program — the
 * Swift runtime's, libstdc++'s, the scenario's — goes to glibc's malloc, while jemalloc stays
 * loaded but unused. glibc's own functions are found with dlsym on libc's handle (a plain
 * RTLD_NEXT lookup would find jemalloc's, which the executable loaded first).
 *
 * dlopen and dlsym may allocate before the pointers are known: those few requests are served
 * from a small static arena and never freed.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

static void *(*real_malloc)(size_t);
static void (*real_free)(void *);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void *(*real_memalign)(size_t, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static size_t (*real_usable_size)(void *);
static void *(*real_valloc)(size_t);

static _Alignas(64) char bootstrap[1 << 16];
static size_t bootstrap_used;
static int resolving;

static int in_bootstrap(const void *pointer) {
    return (const char *)pointer >= bootstrap && (const char *)pointer < bootstrap + sizeof bootstrap;
}

static void *bootstrap_alloc(size_t size, size_t alignment) {
    size_t start = (bootstrap_used + alignment - 1) & ~(alignment - 1);
    if (start + size > sizeof bootstrap) { errno = ENOMEM; return NULL; }
    bootstrap_used = start + size;
    return bootstrap + start;
}

static void resolve(void) {
    if (real_malloc != NULL || resolving) return;
    resolving = 1;
    void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
    if (libc == NULL) libc = dlopen("libc.so.6", RTLD_LAZY);
    if (libc != NULL) {
        real_free = (void (*)(void *))dlsym(libc, "free");
        real_calloc = (void *(*)(size_t, size_t))dlsym(libc, "calloc");
        real_realloc = (void *(*)(void *, size_t))dlsym(libc, "realloc");
        real_memalign = (void *(*)(size_t, size_t))dlsym(libc, "memalign");
        real_posix_memalign = (int (*)(void **, size_t, size_t))dlsym(libc, "posix_memalign");
        real_aligned_alloc = (void *(*)(size_t, size_t))dlsym(libc, "aligned_alloc");
        real_usable_size = (size_t (*)(void *))dlsym(libc, "malloc_usable_size");
        real_valloc = (void *(*)(size_t))dlsym(libc, "valloc");
        real_malloc = (void *(*)(size_t))dlsym(libc, "malloc"); /* last: it marks resolution done */
    }
    resolving = 0;
}

void *malloc(size_t size) {
    resolve();
    return real_malloc ? real_malloc(size) : bootstrap_alloc(size, 16);
}

void free(void *pointer) {
    if (pointer == NULL || in_bootstrap(pointer)) return;
    resolve();
    if (real_free) real_free(pointer);
}

void *calloc(size_t count, size_t size) {
    resolve();
    if (real_calloc) return real_calloc(count, size);
    if (size != 0 && count > (size_t)-1 / size) { errno = ENOMEM; return NULL; }
    void *pointer = bootstrap_alloc(count * size, 16);
    if (pointer) memset(pointer, 0, count * size);
    return pointer;
}

void *realloc(void *pointer, size_t size) {
    resolve();
    if (pointer != NULL && in_bootstrap(pointer)) {
        void *moved = malloc(size);
        size_t available = (size_t)(bootstrap + sizeof bootstrap - (char *)pointer);
        if (moved) memcpy(moved, pointer, size < available ? size : available);
        return moved;
    }
    return real_realloc ? real_realloc(pointer, size) : bootstrap_alloc(size, 16);
}

void *memalign(size_t alignment, size_t size) {
    resolve();
    return real_memalign ? real_memalign(alignment, size) : bootstrap_alloc(size, alignment < 16 ? 16 : alignment);
}

int posix_memalign(void **result, size_t alignment, size_t size) {
    resolve();
    if (real_posix_memalign) return real_posix_memalign(result, alignment, size);
    *result = bootstrap_alloc(size, alignment < 16 ? 16 : alignment);
    return *result ? 0 : ENOMEM;
}

void *aligned_alloc(size_t alignment, size_t size) {
    resolve();
    return real_aligned_alloc ? real_aligned_alloc(alignment, size) : bootstrap_alloc(size, alignment < 16 ? 16 : alignment);
}

void *valloc(size_t size) {
    resolve();
    return real_valloc ? real_valloc(size) : bootstrap_alloc(size, 4096);
}

size_t malloc_usable_size(void *pointer) {
    if (pointer == NULL || in_bootstrap(pointer)) return 0;
    resolve();
    return real_usable_size ? real_usable_size(pointer) : 0;
}

/*
 * C++ operator new and delete. jemalloc's library defines them too (it is built with its C++
 * support), and they would hand out jemalloc memory that code elsewhere frees with free() — a
 * pairing that only works while one allocator serves both (measured: the Swift runtime's generic
 * metadata cache aborted in glibc's free() before these were added). Itanium-mangled names, so
 * no C++ compiler is needed; allocation failure aborts (a benchmark child has no recovery).
 */
#include <stdlib.h>

static void *must(void *pointer) {
    if (pointer == NULL) abort();
    return pointer;
}

static void *aligned(size_t size, size_t alignment) {
    void *pointer = NULL;
    return posix_memalign(&pointer, alignment < sizeof(void *) ? sizeof(void *) : alignment, size ? size : 1) == 0 ? pointer : NULL;
}

typedef struct { int unused; } nothrow_t;

void *_Znwm(size_t size) { return must(malloc(size ? size : 1)); }
void *_Znam(size_t size) { return must(malloc(size ? size : 1)); }
void *_ZnwmRKSt9nothrow_t(size_t size, const nothrow_t *tag) { (void)tag; return malloc(size ? size : 1); }
void *_ZnamRKSt9nothrow_t(size_t size, const nothrow_t *tag) { (void)tag; return malloc(size ? size : 1); }
void *_ZnwmSt11align_val_t(size_t size, size_t alignment) { return must(aligned(size, alignment)); }
void *_ZnamSt11align_val_t(size_t size, size_t alignment) { return must(aligned(size, alignment)); }
void *_ZnwmSt11align_val_tRKSt9nothrow_t(size_t size, size_t alignment, const nothrow_t *tag) { (void)tag; return aligned(size, alignment); }
void *_ZnamSt11align_val_tRKSt9nothrow_t(size_t size, size_t alignment, const nothrow_t *tag) { (void)tag; return aligned(size, alignment); }

void _ZdlPv(void *pointer) { free(pointer); }
void _ZdaPv(void *pointer) { free(pointer); }
void _ZdlPvm(void *pointer, size_t size) { (void)size; free(pointer); }
void _ZdaPvm(void *pointer, size_t size) { (void)size; free(pointer); }
void _ZdlPvRKSt9nothrow_t(void *pointer, const nothrow_t *tag) { (void)tag; free(pointer); }
void _ZdaPvRKSt9nothrow_t(void *pointer, const nothrow_t *tag) { (void)tag; free(pointer); }
void _ZdlPvSt11align_val_t(void *pointer, size_t alignment) { (void)alignment; free(pointer); }
void _ZdaPvSt11align_val_t(void *pointer, size_t alignment) { (void)alignment; free(pointer); }
void _ZdlPvmSt11align_val_t(void *pointer, size_t size, size_t alignment) { (void)size; (void)alignment; free(pointer); }
void _ZdaPvmSt11align_val_t(void *pointer, size_t size, size_t alignment) { (void)size; (void)alignment; free(pointer); }
void _ZdlPvSt11align_val_tRKSt9nothrow_t(void *pointer, size_t alignment, const nothrow_t *tag) { (void)alignment; (void)tag; free(pointer); }
void _ZdaPvSt11align_val_tRKSt9nothrow_t(void *pointer, size_t alignment, const nothrow_t *tag) { (void)alignment; (void)tag; free(pointer); }
