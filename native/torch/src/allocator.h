// A caching CPU allocator for libtorch. Training allocates the same tensor sizes every step; with
// glibc malloc large blocks go back to the kernel on free and come back as page faults on the next
// step, which made training ~3x slower. Freed blocks are kept per size (rounded to 64 bytes) and
// reused; the cache is bounded and trimmed after each job.
#pragma once
#include <cstddef>

namespace frontier {

/** Makes the caching allocator libtorch's CPU allocator (once per process). */
void installCachingAllocator();
/** Returns every cached free block to the system. */
void trimAllocatorCache();
/** Bytes currently held in the cache (free blocks) and handed out (live blocks). */
size_t cachedBytes();
size_t liveBytes();

}  // namespace frontier
