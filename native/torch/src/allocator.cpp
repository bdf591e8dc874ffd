#include "allocator.h"

#include <c10/core/CPUAllocator.h>
#include <torch/version.h>

#include <cstring>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace frontier {
namespace {

constexpr size_t kAlign = 64;
constexpr size_t kHeader = 64;                     // keeps the data 64-byte aligned; holds the size
constexpr size_t kMaxCached = size_t(1) << 30;     // 1 GiB of free blocks at most

struct Cache {
  std::mutex m;
  std::unordered_map<size_t, std::vector<void*>> free;  // size -> bases
  size_t cached = 0;
};

Cache& cache() {
  static Cache* c = new Cache();  // never destroyed: tensors may be freed during process exit
  return *c;
}

std::atomic<size_t> g_live{0};

size_t roundUp(size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

void freeBlock(void* data) {
  if (!data) return;
  char* base = static_cast<char*>(data) - kHeader;
  size_t size = *reinterpret_cast<size_t*>(base);
  g_live -= size;
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> lock(c.m);
    if (c.cached + size <= kMaxCached) {
      c.free[size].push_back(base);
      c.cached += size;
      return;
    }
  }
  std::free(base);
}

// PyTorch 2.3 made Allocator::allocate non-const and added copy_data.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3)
#define FRONTIER_ALLOCATE_CONST
#define FRONTIER_COPY_DATA \
  void copy_data(void* dest, const void* src, std::size_t count) const override { std::memcpy(dest, src, count); }
#else
#define FRONTIER_ALLOCATE_CONST const
#define FRONTIER_COPY_DATA
#endif

class CachingCpuAllocator final : public c10::Allocator {
 public:
  FRONTIER_COPY_DATA
  c10::DataPtr allocate(size_t n) FRONTIER_ALLOCATE_CONST override {
    const c10::Device cpu(c10::DeviceType::CPU);
    if (n == 0) return {nullptr, nullptr, &freeBlock, cpu};
    size_t size = roundUp(n);
    void* base = nullptr;
    Cache& c = cache();
    {
      std::lock_guard<std::mutex> lock(c.m);
      auto it = c.free.find(size);
      if (it != c.free.end() && !it->second.empty()) {
        base = it->second.back();
        it->second.pop_back();
        c.cached -= size;
      }
    }
    if (!base) {
      base = std::aligned_alloc(kAlign, size + kHeader);
      if (!base) throw std::bad_alloc();
    }
    *reinterpret_cast<size_t*>(base) = size;
    g_live += size;
    void* data = static_cast<char*>(base) + kHeader;
    return {data, data, &freeBlock, cpu};
  }
  c10::DeleterFnPtr raw_deleter() const override { return &freeBlock; }
};

}  // namespace

void installCachingAllocator() {
  static CachingCpuAllocator* alloc = new CachingCpuAllocator();
  static std::once_flag once;
  std::call_once(once, [] { c10::SetCPUAllocator(alloc, /*priority=*/100); });
}

void trimAllocatorCache() {
  Cache& c = cache();
  std::unordered_map<size_t, std::vector<void*>> drop;
  {
    std::lock_guard<std::mutex> lock(c.m);
    drop.swap(c.free);
    c.cached = 0;
  }
  for (auto& kv : drop)
    for (void* p : kv.second) std::free(p);
}

size_t cachedBytes() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.m);
  return c.cached;
}

size_t liveBytes() { return g_live.load(); }

}  // namespace frontier
