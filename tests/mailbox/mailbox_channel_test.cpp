// MailboxChannel (review item 2): a 3 s answer window, abandoned buffers after a timeout,
// late replies skipped - against a fake VideoCore whose answers arrive at scripted times.
#include <gtest/gtest.h>

#include <deque>
#include <vector>

#include "drivers/mailbox/mailbox_channel.h"

using namespace inferpi;

namespace {

constexpr uint32_t kChannel = 8;
const uint32_t kBus[4] = {0xc0001000, 0xc0001100, 0xc0001200, 0xc0001300};

// Time advances 50 us per register poll. Each request gets its answer `delay_us` later
// (never, when delay_us < 0); scripted extra words can be queued at a given time.
class FakeVideoCore final : public MailboxPort {
 public:
  std::vector<int64_t> delays;  // per request, in order; missing = answer in 100 us
  std::vector<uint32_t> posted;
  struct Pending {
    uint64_t at;
    uint32_t value;
  };
  std::deque<Pending> queue;
  uint64_t now = 0;

  bool write_full() override {
    now += 50;
    return false;
  }
  void write(uint32_t v) override {
    size_t i = posted.size();
    posted.push_back(v);
    int64_t d = i < delays.size() ? delays[i] : 100;
    if (d >= 0) add(now + uint64_t(d), v);
  }
  bool read_empty() override {
    now += 50;
    return queue.empty() || queue.front().at > now;
  }
  uint32_t read() override {
    uint32_t v = queue.front().value;
    queue.pop_front();
    return v;
  }
  uint64_t now_us() override { return now; }
  void add(uint64_t at, uint32_t v) {
    auto it = queue.begin();
    while (it != queue.end() && it->at <= at) ++it;
    queue.insert(it, Pending{at, v});
  }
};

MailboxChannel make_channel() {
  MailboxChannel c;
  c.init(kBus, 4, kChannel);
  return c;
}

}  // namespace

TEST(MailboxChannel, SlowAnswerWithinThreeSecondsIsAccepted) {
  FakeVideoCore vc;
  vc.delays = {2'500'000};  // a VL805 firmware load can take over 1 s (Linux: 1 s -> 3 s)
  MailboxChannel c = make_channel();
  Status st = c.exchange(vc);
  EXPECT_TRUE(st.is_ok()) << st.message();
  ASSERT_EQ(vc.posted.size(), 1u);
  EXPECT_EQ(vc.posted[0], kBus[0] | kChannel);
  EXPECT_EQ(c.current(), 0);  // still the first buffer
}

TEST(MailboxChannel, TimeoutAbandonsTheBufferAndTheLateReplyIsSkipped) {
  FakeVideoCore vc;
  vc.delays = {3'500'000, 200};  // first answer after the 3 s window, second normal
  MailboxChannel c = make_channel();
  Status st = c.exchange(vc);
  ASSERT_FALSE(st.is_ok());
  EXPECT_NE(std::string(st.message()).find("no answer in 3000 ms"), std::string::npos)
      << st.message();
  EXPECT_GE(vc.now, 3'000'000u);
  EXPECT_LT(vc.now, 3'100'000u);
  EXPECT_EQ(c.current(), 1);  // the late answer may still be written into buffer 0
  // The next request goes out in buffer 1; buffer 0's late answer arrives while we wait and
  // must not be taken for ours (nor reported as an error).
  vc.delays[1] = 600'000;
  st = c.exchange(vc);
  EXPECT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(vc.posted[1], kBus[1] | kChannel);
  EXPECT_EQ(c.late_replies(), 1u);
}

TEST(MailboxChannel, StaleReplyQueuedBeforeTheRequestIsDrained) {
  FakeVideoCore vc;
  vc.delays = {-1};  // never answered
  MailboxChannel c = make_channel();
  EXPECT_FALSE(c.exchange(vc).is_ok());
  vc.add(vc.now, kBus[0] | kChannel);  // buffer 0's answer, very late, already queued
  vc.add(vc.now, 0x12345670 | 1);      // another channel's word
  EXPECT_TRUE(c.exchange(vc).is_ok());
  EXPECT_EQ(c.late_replies(), 1u);
}

TEST(MailboxChannel, ForeignAddressIsAnError) {
  FakeVideoCore vc;
  vc.delays = {-1};
  MailboxChannel c = make_channel();
  vc.add(1000, 0xdead0000 | kChannel);
  Status st = c.exchange(vc);
  ASSERT_FALSE(st.is_ok());
  EXPECT_NE(std::string(st.message()).find("answer for 0xdead0000"), std::string::npos);
  EXPECT_EQ(c.current(), 0);  // not a timeout: the buffer stays in use
}

TEST(MailboxChannel, EveryBufferAbandonedRefusesFurtherRequests) {
  FakeVideoCore vc;
  vc.delays = {-1, -1, -1, -1};
  MailboxChannel c = make_channel();
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(c.exchange(vc).is_ok());
  EXPECT_EQ(c.current(), -1);
  size_t posted = vc.posted.size();
  Status st = c.exchange(vc);
  ASSERT_FALSE(st.is_ok());
  EXPECT_NE(std::string(st.message()).find("abandoned"), std::string::npos);
  EXPECT_EQ(vc.posted.size(), posted);  // nothing sent
}
