#ifndef MODELWATCH_CZLIB_SHIM_H
#define MODELWATCH_CZLIB_SHIM_H
#include <zlib.h>

/// `inflateInit2` is a function-like macro that Swift cannot call; this shim forwards to the
/// real entry point with the version and struct size zlib checks.
static inline int modelwatch_inflateInit2(z_streamp stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}
#endif
