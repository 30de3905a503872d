// parallel_for on Linux: a persistent pool of std::threads (one per hardware thread, at most
// 8, or INFERPI_THREADS). The caller is worker 0; workers 1..n-1 sleep on a condition
// variable between jobs. One job = one generation number; the caller waits until every
// worker has reported that generation done, so each call costs exactly one barrier.
#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime/core/parallel.h"

namespace inferpi {
namespace {

class HostPool {
 public:
  HostPool() {
    unsigned n = std::thread::hardware_concurrency();
    if (const char* env = std::getenv("INFERPI_THREADS")) n = unsigned(std::atoi(env));
    workers_ = int(std::clamp(n, 1u, 8u));
    for (int i = 1; i < workers_; i++) threads_.emplace_back([this, i] { worker_loop(i); });
  }
  ~HostPool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
  }

  int workers() const { return workers_; }

  void run(int64_t n, int64_t grain, RangeFn fn, void* ctx) {
    if (n <= 0) return;
    if (workers_ == 1) {
      fn(ctx, 0, n, 0);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      job_ = Job{n, grain < 1 ? 1 : grain, fn, ctx};
      pending_ = workers_ - 1;
      generation_++;
    }
    wake_.notify_all();
    run_chunk(0);
    std::unique_lock<std::mutex> lock(mu_);
    done_.wait(lock, [this] { return pending_ == 0; });
  }

 private:
  struct Job {
    int64_t n = 0, grain = 1;
    RangeFn fn = nullptr;
    void* ctx = nullptr;
  };

  // Chunk w of the job: contiguous, boundaries at multiples of grain (the last one ends at n).
  void run_chunk(int w) {
    int64_t units = (job_.n + job_.grain - 1) / job_.grain;
    int64_t begin = std::min(job_.n, units * w / workers_ * job_.grain);
    int64_t end = std::min(job_.n, units * (w + 1) / workers_ * job_.grain);
    if (begin < end) job_.fn(job_.ctx, begin, end, w);
  }

  void worker_loop(int w) {
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
      }
      run_chunk(w);
      std::lock_guard<std::mutex> lock(mu_);
      if (--pending_ == 0) done_.notify_one();
    }
  }

  int workers_ = 1;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable wake_, done_;
  Job job_;
  uint64_t generation_ = 0;
  int pending_ = 0;
  bool stop_ = false;
};

HostPool& pool() {
  static HostPool p;
  return p;
}

}  // namespace

void parallel_for(int64_t n, int64_t grain, RangeFn fn, void* ctx) {
  pool().run(n, grain, fn, ctx);
}
int worker_count() { return pool().workers(); }

}  // namespace inferpi
