// TRB splitting, producer/event ring bookkeeping and context packing (xHCI §4.9, §6.2, §6.4).
#include <gtest/gtest.h>

#include <vector>

#include "drivers/usb/xhci_context.h"
#include "drivers/usb/xhci_ring.h"
#include "drivers/usb/xhci_trb.h"

using namespace inferpi::xhci;

TEST(SplitTransfer, OneMebibyteAlignedIsSixteenPieces) {
  TransferPiece p[40];
  uint32_t n = split_transfer(0x100000, 1 << 20, 1024, p, 40);
  ASSERT_EQ(n, 16u);
  for (uint32_t i = 0; i < n; i++) {
    EXPECT_EQ(p[i].bus, 0x100000u + i * 0x10000u);
    EXPECT_EQ(p[i].length, 0x10000u);
  }
  EXPECT_EQ(p[0].td_size, 31u);   // capped
  EXPECT_EQ(p[14].td_size, 31u);  // 64 packets left, capped
  EXPECT_EQ(p[15].td_size, 0u);   // last TRB
}

TEST(SplitTransfer, NeverCrossesA64KiBBoundary) {
  TransferPiece p[40];
  uint32_t n = split_transfer(0x1FF00, 0x20000, 512, p, 40);
  ASSERT_EQ(n, 3u);
  EXPECT_EQ(p[0].length, 0x100u);
  EXPECT_EQ(p[1].bus, 0x20000u);
  EXPECT_EQ(p[1].length, 0x10000u);
  EXPECT_EQ(p[2].length, 0x10000u - 0x100u);
  uint64_t total = 0;
  for (uint32_t i = 0; i < n; i++) {
    EXPECT_EQ(p[i].bus >> 16, (p[i].bus + p[i].length - 1) >> 16) << "piece " << i;
    total += p[i].length;
  }
  EXPECT_EQ(total, 0x20000u);
  EXPECT_EQ(p[1].td_size, 31u);
  EXPECT_EQ(p[2].td_size, 0u);
}

TEST(SplitTransfer, TdSizeCountsRemainingPackets) {
  TransferPiece p[4];
  // 64 KiB + 1000 bytes at max packet 512: after the first TRB, 1000 bytes = 2 packets.
  uint32_t n = split_transfer(0x40000, 0x10000 + 1000, 512, p, 4);
  ASSERT_EQ(n, 2u);
  EXPECT_EQ(p[0].td_size, 2u);
  EXPECT_EQ(p[1].td_size, 0u);
}

TEST(SplitTransfer, RejectsZeroAndOverflow) {
  TransferPiece p[2];
  EXPECT_EQ(split_transfer(0, 0, 512, p, 2), 0u);
  EXPECT_EQ(split_transfer(0, 0x30000, 512, p, 2), 0u);  // needs 3 pieces
}

TEST(ProducerRing, LinkTrbAndCycleToggle) {
  std::vector<Trb> mem(8);
  ProducerRing ring;
  ring.init(mem.data(), 0x10000, 8);
  EXPECT_EQ(trb::type_of(mem[7]), trb::kLink);
  EXPECT_EQ(mem[7].parameter, 0x10000u);
  EXPECT_TRUE(mem[7].control & trb::kToggleCycle);
  EXPECT_FALSE(mem[7].control & trb::kCycle);  // not handed over yet

  Trb one{0xABC, 8, trb::type_bits(trb::kNoOp)};
  uint64_t where[1];
  for (int i = 0; i < 7; i++) {
    ASSERT_TRUE(ring.enqueue_td(&one, 1, where));
    EXPECT_EQ(where[0], 0x10000u + 16u * i);
    EXPECT_TRUE(mem[i].control & trb::kCycle) << i;  // first lap: cycle 1
  }
  // Seven TRBs filled the segment: the link was handed over with cycle 1, PCS is now 0.
  EXPECT_TRUE(mem[7].control & trb::kCycle);
  EXPECT_FALSE(ring.cycle());
  EXPECT_EQ(ring.enqueue_bus(), 0x10000u);
  ASSERT_TRUE(ring.enqueue_td(&one, 1, where));
  EXPECT_FALSE(mem[0].control & trb::kCycle);  // second lap: cycle 0
}

TEST(ProducerRing, ChainedTdAcrossTheLinkSetsChainOnLink) {
  std::vector<Trb> mem(8);
  ProducerRing ring;
  ring.init(mem.data(), 0x20000, 8);
  Trb one{0, 0, trb::type_bits(trb::kNoOp)};
  for (int i = 0; i < 5; i++) ASSERT_TRUE(ring.enqueue_td(&one, 1, nullptr));
  Trb td[3] = {{1, 0, trb::type_bits(trb::kNormal) | trb::kChain},
               {2, 0, trb::type_bits(trb::kNormal) | trb::kChain},
               {3, 0, trb::type_bits(trb::kNormal) | trb::kIoc}};
  uint64_t where[3];
  ASSERT_TRUE(ring.enqueue_td(td, 3, where));
  EXPECT_EQ(where[0], 0x20000u + 5 * 16);
  EXPECT_EQ(where[1], 0x20000u + 6 * 16);
  EXPECT_EQ(where[2], 0x20000u);  // after the link
  EXPECT_TRUE(mem[7].control & trb::kChain);
  EXPECT_TRUE(mem[5].control & trb::kCycle);
  EXPECT_TRUE(mem[6].control & trb::kCycle);
  EXPECT_FALSE(mem[0].control & trb::kCycle);  // new lap
  EXPECT_EQ(mem[0].parameter, 3u);
  EXPECT_TRUE(ring.contains(where[2]));
  EXPECT_FALSE(ring.contains(0x20000u + 8 * 16));
}

TEST(ProducerRing, RejectsTdLargerThanRing) {
  std::vector<Trb> mem(8);
  ProducerRing ring;
  ring.init(mem.data(), 0, 8);
  Trb td[7] = {};
  EXPECT_FALSE(ring.enqueue_td(td, 7, nullptr));
  EXPECT_FALSE(ring.enqueue_td(td, 0, nullptr));
}

TEST(EventRing, ConsumesByCycleAndWraps) {
  std::vector<Trb> mem(4);
  EventRing ev;
  ev.init(mem.data(), 0x3000, 4);
  Trb out;
  EXPECT_FALSE(ev.peek(&out));
  for (int i = 0; i < 4; i++)
    mem[i] = Trb{uint64_t(i), 0, trb::type_bits(trb::kTransferEvent) | trb::kCycle};
  for (int i = 0; i < 4; i++) {
    ASSERT_TRUE(ev.peek(&out));
    EXPECT_EQ(out.parameter, uint64_t(i));
    ev.advance();
  }
  EXPECT_EQ(ev.dequeue_bus(), 0x3000u);
  EXPECT_FALSE(ev.peek(&out));  // old cycle-1 entries are stale on the second lap
  mem[0].control = trb::type_bits(trb::kCommandCompletion);  // controller writes cycle 0
  ASSERT_TRUE(ev.peek(&out));
  EXPECT_EQ(trb::type_of(out), trb::kCommandCompletion);
}

TEST(Trb, SetupPacketAndEventFields) {
  EXPECT_EQ(setup_packet(0x80, 6, 0x0100, 0, 18), 0x0012000001000680ull);
  Trb ev{0, (13u << 24) | 100, (3u << 24) | (5u << 16) | trb::type_bits(trb::kTransferEvent)};
  EXPECT_EQ(trb::completion_code(ev), 13u);
  EXPECT_EQ(trb::residual_length(ev), 100u);
  EXPECT_EQ(trb::event_slot(ev), 3u);
  EXPECT_EQ(trb::event_endpoint(ev), 5u);
  EXPECT_STREQ(completion_name(cc::kStall), "stall");
  EXPECT_STREQ(completion_name(36), "split transaction error");
  EXPECT_STREQ(completion_name(255), "unknown completion code");
  EXPECT_STREQ(speed_name(Speed::Full), "full speed");
  EXPECT_STREQ(speed_name(Speed::SuperPlus), "SuperSpeed+");
  EXPECT_STREQ(speed_name(Speed::None), "unknown speed");
  EXPECT_EQ(trb::transfer_status(0x10000, 40), 0x10000u | (31u << 17));
}

TEST(Context, DciAndLayout) {
  EXPECT_EQ(dci_of(0x00), 1u);
  EXPECT_EQ(dci_of(0x81), 3u);
  EXPECT_EQ(dci_of(0x02), 4u);
  ContextLayout small(32), big(64);
  EXPECT_EQ(small.input_bytes(), 33u * 32);
  EXPECT_EQ(big.output_bytes(), 32u * 64);
  alignas(64) uint8_t buf[33 * 64] = {};
  EXPECT_EQ(reinterpret_cast<uint8_t*>(big.input_endpoint(buf, 1)) - buf, 128);
  EXPECT_EQ(reinterpret_cast<uint8_t*>(small.input_endpoint(buf, 3)) - buf, 0x20 + 0x20 * 3);
}

TEST(Context, SlotAndEndpointFields) {
  uint32_t s[8];
  SlotFields f;
  f.route = 0x21;
  f.speed = Speed::High;
  f.context_entries = 3;
  f.root_port = 1;
  f.is_hub = true;
  f.hub_ports = 4;
  f.tt_hub_slot = 2;
  f.tt_port = 3;
  f.tt_think_time = 1;
  write_slot_context(s, f);
  EXPECT_EQ(s[0], 0x21u | (3u << 20) | (1u << 26) | (3u << 27));
  EXPECT_EQ(s[1], (1u << 16) | (4u << 24));
  EXPECT_EQ(s[2], 2u | (3u << 8) | (1u << 16));
  uint32_t e[8];
  EndpointFields ef;
  ef.type = EpType::BulkIn;
  ef.max_packet = 1024;
  ef.max_burst = 15;
  ef.average_trb_length = 3072;
  ef.dequeue = 0x12345000;
  ef.dequeue_cycle = true;
  write_endpoint_context(e, ef);
  EXPECT_EQ(e[1], (3u << 1) | (6u << 3) | (15u << 8) | (1024u << 16));
  EXPECT_EQ(e[2], 0x12345001u);
  EXPECT_EQ(e[3], 0u);
  EXPECT_EQ(e[4], 3072u);
}
