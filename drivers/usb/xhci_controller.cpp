// xHCI controller bring-up, command and event handling, root ports and slots.
// References: xHCI 1.2 §4.2 (initialisation), §4.6 (commands), §4.19 (root ports);
// ../shared/docs/pi4-hardware.md §8 (VL805 facts and quirks), qemu.md §5 (qemu-xhci).
#include "drivers/usb/xhci_controller.h"

#include <cstring>

#include "runtime/core/platform.h"

namespace inferpi::xhci {
namespace {

constexpr uint32_t kCnrTimeoutUs = 1'000'000;    // VL805 without firmware never clears CNR
constexpr uint32_t kHaltTimeoutUs = 100'000;     // spec: 16 ms
constexpr uint32_t kResetTimeoutUs = 1'000'000;  // U-Boot uses 250 ms, Circle 20 ms
constexpr uint32_t kPortResetTimeoutUs = 500'000;
constexpr uint32_t kLinkTrainingTimeoutUs = 300'000;
// After a root port reset: TRSTRCY (USB 2.0 §7.1.7.5) is 10 ms; Linux hub.c waits 10 + 40 ms
// and Circle 100 ms because real devices need it (review item 4).
constexpr uint32_t kRecoveryDelayUs = 50'000;
constexpr uint32_t kBiosHandoffTimeoutUs = 1'000'000;

}  // namespace

XhciController::Slot* XhciController::slot(uint8_t id) {
  if (id == 0 || id > max_slots_ || !slots_[id].used) return nullptr;
  return &slots_[id];
}

Status XhciController::usable() const {
  if (broken_) return Status::error("xhci: controller stopped responding; re-initialise USB");
  if (!running_) return Status::error("xhci: controller not initialised");
  return Status::ok();
}

Status XhciController::wait_bits(uint32_t offset, uint32_t mask, uint32_t want, uint32_t timeout_us,
                                 const char* step) {
  uint64_t start = platform::now_us();
  for (;;) {
    uint32_t v = op_.read32(offset);
    if ((v & mask) == want) return Status::ok();
    if (platform::now_us() - start > timeout_us)
      return Status::error("xhci: %s: timed out after %u ms (register 0x%x = 0x%08x)", step,
                           timeout_us / 1000, offset, v);
    platform::delay_us(50);
  }
}

void XhciController::read_capabilities() {
  uint32_t lv = cap_.read32(cap::kLengthVersion);  // 32-bit read: see xhci_regs.h
  uint32_t caplength = lv & 0xFF;
  version_ = uint16_t(lv >> 16);
  uint32_t hcs1 = cap_.read32(cap::kHcsParams1);
  uint32_t hcs2 = cap_.read32(cap::kHcsParams2);
  uint32_t hcc1 = cap_.read32(cap::kHccParams1);
  max_slots_ = hcs1 & 0xFF;
  if (max_slots_ > kMaxSlots) max_slots_ = kMaxSlots;
  port_count_ = hcs1 >> 24;
  if (port_count_ > kMaxPorts) port_count_ = kMaxPorts;
  scratchpads_ = (((hcs2 >> 21) & 0x1F) << 5) | (hcs2 >> 27);
  layout_ = ContextLayout((hcc1 & (1u << 2)) ? 64 : 32);
  xecp_offset_ = (hcc1 >> 16) * 4;
  op_ = mmio::RegisterBlock(cap_.base() + caplength);
  rt_ = mmio::RegisterBlock(cap_.base() + (cap_.read32(cap::kRtsOff) & ~0x1Fu));
  db_ = mmio::RegisterBlock(cap_.base() + (cap_.read32(cap::kDbOff) & ~0x3u));
}

// Supported Protocol capabilities tell USB 2 from USB 3 root ports (QEMU: USB 3 first,
// VL805: port 1 USB 2, ports 2-5 USB 3); the legacy-support capability is handed to us.
void XhciController::scan_extended_capabilities() {
  for (uint32_t i = 0; i <= kMaxPorts; i++) port_protocol_[i] = 0;
  uint32_t offset = xecp_offset_;
  for (int guard = 0; offset != 0 && guard < 64; guard++) {
    uint32_t header = cap_.read32(offset);
    uint32_t id = header & 0xFF;
    if (id == xecp::kSupportedProtocol) {
      uint32_t major = header >> 24;
      uint32_t ports = cap_.read32(offset + 8);
      uint32_t first = ports & 0xFF, count = (ports >> 8) & 0xFF;
      for (uint32_t p = first; p < first + count && p <= kMaxPorts; p++)
        port_protocol_[p] = uint8_t(major);
    } else if (id == xecp::kLegacySupport && (header & xecp::kBiosOwned)) {
      cap_.write32(offset, header | xecp::kOsOwned);
      uint64_t start = platform::now_us();
      while ((cap_.read32(offset) & xecp::kBiosOwned) &&
             platform::now_us() - start < kBiosHandoffTimeoutUs)
        platform::delay_us(100);
    }
    uint32_t next = (header >> 8) & 0xFF;
    offset = next ? offset + next * 4 : 0;
  }
}

Status XhciController::setup_memory() {
  usb::DmaPool& pool = *pool_;
  usb::DmaBlock dcbaa = pool.alloc((max_slots_ + 1) * 8, 64);
  if (!dcbaa) return Status::error("xhci: out of DMA memory for the DCBAA");
  dcbaa_ = static_cast<uint64_t*>(dcbaa.cpu);
  if (scratchpads_ > 0) {
    usb::DmaBlock array = pool.alloc(scratchpads_ * 8, 64);
    usb::DmaBlock pages = pool.alloc(size_t(scratchpads_) * 4096, 4096);
    if (!array || !pages)
      return Status::error("xhci: out of DMA memory for %u scratchpads", scratchpads_);
    uint64_t* entries = static_cast<uint64_t*>(array.cpu);
    for (uint32_t i = 0; i < scratchpads_; i++) entries[i] = pages.bus + uint64_t(i) * 4096;
    dcbaa_[0] = array.bus;
  }
  // Rings: 4 KiB segment followed by a zeroed 4 KiB guard page (VL805 over-fetch).
  usb::DmaBlock cmd = pool.alloc(8192, 4096);
  usb::DmaBlock evt = pool.alloc(8192, 4096);
  usb::DmaBlock erst = pool.alloc(64, 64);
  control_bounce_ = pool.alloc(kControlBounce, 64);
  if (!cmd || !evt || !erst || !control_bounce_)
    return Status::error("xhci: out of DMA memory for rings");
  command_ring_.init(static_cast<Trb*>(cmd.cpu), cmd.bus, kRingTrbs);
  event_ring_.init(static_cast<Trb*>(evt.cpu), evt.bus, kRingTrbs);
  uint32_t* e = static_cast<uint32_t*>(erst.cpu);
  e[0] = uint32_t(evt.bus);
  e[1] = uint32_t(evt.bus >> 32);
  e[2] = kRingTrbs;
  e[3] = 0;
  mmio::barrier_full();

  op_.write64(op::kDcbaap, dcbaa.bus);
  op_.write64(op::kCrcr, cmd.bus | 1);  // RCS = 1
  rt_.write32(rt::kErstSz, 1);
  rt_.write64(rt::kErdp, evt.bus);
  rt_.write64(rt::kErstBa, erst.bus);  // last: arms the event ring (xHCI §4.9.4)
  rt_.write32(rt::kIman, 1);           // clear IP, interrupts stay disabled (we poll)
  return Status::ok();
}

Status XhciController::init(uintptr_t mmio_base, usb::DmaPool& pool) {
  running_ = false;
  broken_ = false;
  pool_ = &pool;
  pool.reset();
  for (auto& s : slots_) s = Slot{};
  cap_ = mmio::RegisterBlock(mmio_base);
  read_capabilities();
  if (port_count_ == 0 || max_slots_ == 0)
    return Status::error("xhci: no ports or slots (HCSPARAMS1 = 0x%08x)",
                         cap_.read32(cap::kHcsParams1));

  // 1. Controller ready? On a Pi 4 a CNR that never clears means the VL805 has no firmware.
  INFERPI_TRY(wait_bits(op::kUsbSts, usbsts::kNotReady, 0, kCnrTimeoutUs,
                        "waiting for controller ready (CNR)"));
  // 2. Stop, then 3. reset.
  if (op_.read32(op::kUsbCmd) & usbcmd::kRun) {
    op_.clear_bits32(op::kUsbCmd, usbcmd::kRun);
    INFERPI_TRY(wait_bits(op::kUsbSts, usbsts::kHalted, usbsts::kHalted, kHaltTimeoutUs,
                          "stopping the controller (HCH)"));
  }
  op_.write32(op::kUsbCmd, usbcmd::kReset);
  platform::delay_us(1000);
  INFERPI_TRY(
      wait_bits(op::kUsbCmd, usbcmd::kReset, 0, kResetTimeoutUs, "controller reset (HCRST)"));
  INFERPI_TRY(wait_bits(op::kUsbSts, usbsts::kNotReady, 0, kResetTimeoutUs,
                        "controller ready after reset (CNR)"));
  // 4. We only do 4 KiB pages.
  if (!(op_.read32(op::kPageSize) & 1))
    return Status::error("xhci: controller does not support 4 KiB pages (PAGESIZE 0x%x)",
                         op_.read32(op::kPageSize));
  scan_extended_capabilities();
  // 5.-9. Slots, DCBAA, scratchpads, rings.
  op_.write32(op::kConfig, (op_.read32(op::kConfig) & ~0xFFu) | max_slots_);
  INFERPI_TRY(setup_memory());
  // 11. Run.
  op_.write32(op::kUsbCmd, usbcmd::kRun);
  INFERPI_TRY(
      wait_bits(op::kUsbSts, usbsts::kHalted, 0, kHaltTimeoutUs, "starting the controller"));
  running_ = true;
  // 12. Power any unpowered port (only matters with port power control).
  bool powered = false;
  for (uint32_t p = 1; p <= port_count_; p++) {
    uint32_t v = port_status(p);
    if (!(v & portsc::kPower)) {
      op_.write32(op::kPortBase + 0x10 * (p - 1), (v & portsc::kPreserveMask) | portsc::kPower);
      powered = true;
    }
  }
  if (powered) platform::delay_us(20'000);
  return Status::ok();
}

uint32_t XhciController::port_protocol(uint32_t port) const {
  return port >= 1 && port <= port_count_ ? port_protocol_[port] : 0;
}

uint32_t XhciController::port_status(uint32_t port) {
  if (port < 1 || port > port_count_) return 0;
  return op_.read32(op::kPortBase + 0x10 * (port - 1));
}

bool XhciController::port_connected(uint32_t port) {
  return (port_status(port) & portsc::kConnected) != 0;
}

Status XhciController::reset_port(uint32_t port, Speed* speed) {
  INFERPI_TRY(usable());
  uint32_t reg = op::kPortBase + 0x10 * (port - 1);
  uint32_t v = op_.read32(reg);
  if (!(v & portsc::kConnected)) return Status::error("xhci: port %u: nothing connected", port);
  // Clear stale change bits first (RW1C).
  op_.write32(reg, (v & portsc::kPreserveMask) | (v & portsc::kChangeBits));
  bool usb3 = port_protocol(port) == 3;
  if (usb3) {
    // USB 3: link training enables the port by itself; wait for U0, warm-reset if stuck.
    uint64_t start = platform::now_us();
    while (!(op_.read32(reg) & portsc::kEnabled) &&
           platform::now_us() - start < kLinkTrainingTimeoutUs)
      platform::delay_us(1000);
    v = op_.read32(reg);
    uint32_t pls = (v & portsc::kLinkStateMask) >> portsc::kLinkStateShift;
    if (!(v & portsc::kEnabled)) {
      bool warm = pls == portsc::kLinkInactive || pls == portsc::kLinkCompliance;
      op_.write32(reg, (v & portsc::kPreserveMask) | (warm ? portsc::kWarmReset : portsc::kReset));
      INFERPI_TRY(wait_bits(reg, portsc::kResetChange, portsc::kResetChange, kPortResetTimeoutUs,
                            warm ? "USB 3 warm port reset" : "USB 3 port reset"));
    }
  } else {
    // USB 2: a port reset moves the port to Enabled (xHCI §4.19.1.1).
    op_.write32(reg, (v & portsc::kPreserveMask) | portsc::kReset);
    INFERPI_TRY(wait_bits(reg, portsc::kResetChange | portsc::kReset, portsc::kResetChange,
                          kPortResetTimeoutUs, "USB 2 port reset (PRC)"));
  }
  v = op_.read32(reg);
  op_.write32(reg, (v & portsc::kPreserveMask) | (v & portsc::kChangeBits));
  if (!(v & portsc::kEnabled))
    return Status::error("xhci: port %u not enabled after reset (PORTSC 0x%08x)", port, v);
  platform::delay_us(kRecoveryDelayUs);
  *speed = Speed((v >> portsc::kSpeedShift) & 0xF);
  return Status::ok();
}

// ---- events and commands --------------------------------------------------------------

void XhciController::ring_doorbell(uint32_t target, uint32_t value) {
  mmio::barrier_full();  // TRBs visible before the doorbell (pi4-hardware.md §3.3)
  db_.write32(target * 4, value);
}

void XhciController::update_dequeue() {
  // Once after draining, not per event (Circle 46d048de: per-event writes stalled the VL805).
  rt_.write64(rt::kErdp, event_ring_.dequeue_bus() | rt::kErdpBusy);
}

// Handles one event. Port changes update the disconnect state of the slots behind that
// port; the event the caller waits for is reported through td_done / command_done.
bool XhciController::handle_event(const Trb& ev, const PendingTd* td, TdResult* result,
                                  bool* td_done, uint64_t command_bus, Trb* completion,
                                  bool* command_done) {
  switch (trb::type_of(ev)) {
    case trb::kPortStatusChange: {
      uint32_t port = trb::event_port(ev);
      if (port >= 1 && port <= port_count_ && !port_connected(port)) {
        for (uint32_t i = 1; i <= max_slots_; i++)
          if (slots_[i].used && slots_[i].root_port == port) slots_[i].gone = true;
      }
      return false;
    }
    case trb::kCommandCompletion:
      if (command_done && ev.parameter == command_bus) {
        *completion = ev;
        *command_done = true;
        return true;
      }
      return false;
    case trb::kTransferEvent: {
      if (!td || trb::event_slot(ev) != td->slot || trb::event_endpoint(ev) != td->dci)
        return false;
      uint32_t index = td->count;
      for (uint32_t i = 0; i < td->count; i++)
        if (td->trb_bus[i] == ev.parameter) index = i;
      if (index == td->count) return false;  // stale event of an earlier TD
      uint32_t code = trb::completion_code(ev);
      uint32_t done_before = 0;
      for (uint32_t i = 0; i < index; i++) done_before += td->trb_length[i];
      uint32_t len = td->trb_length[index];
      uint32_t residual = trb::residual_length(ev);
      if (code == cc::kShortPacket) {
        // Bytes up to this TRB plus what this TRB moved; later TRBs of the TD are skipped.
        result->actual = done_before + (residual < len ? len - residual : 0);
        result->short_packet = true;
        if (result->code == 0) result->code = code;
        // A control transfer continues with its status stage after a short data stage.
        if (!td->control || index + 1 == td->count) *td_done = true;
      } else if (code == cc::kSuccess) {
        if (index + 1 == td->count) {
          if (!result->short_packet) {
            uint32_t total = 0;
            for (uint32_t i = 0; i < td->count; i++) total += td->trb_length[i];
            result->actual = total;
          }
          if (result->code == 0) result->code = code;
          *td_done = true;
        }
      } else {
        result->code = code;
        result->actual = done_before;
        *td_done = true;
      }
      return *td_done;
    }
    default:
      return false;  // host controller events, bandwidth requests...
  }
}

// Handles the events waiting on the event ring until the awaited one (`*td_done` or
// `*command_done`) has come, then tells the controller how far we have read (ERDP).
void XhciController::drain_events(const PendingTd* td, TdResult* result, bool* td_done,
                                  uint64_t command_bus, Trb* completion, bool* command_done) {
  const bool* done = td_done ? td_done : command_done;
  Trb ev;
  bool any = false;
  while (!*done && event_ring_.peek(&ev)) {
    event_ring_.advance();
    any = true;
    handle_event(ev, td, result, td_done, command_bus, completion, command_done);
  }
  if (any) update_dequeue();
}

// USBSTS.HSE: the controller hit a fatal error (xHCI §5.4.2) and stops; so do we.
bool XhciController::host_system_error() {
  if (!(op_.read32(op::kUsbSts) & usbsts::kHostSystemError)) return false;
  broken_ = true;
  return true;
}

Status XhciController::command(const Trb& cmd, const char* step, Trb* completion) {
  INFERPI_TRY(usable());
  uint64_t bus = 0;
  if (!command_ring_.enqueue_td(&cmd, 1, &bus))
    return Status::error("xhci: %s: command ring full", step);
  ring_doorbell(0, 0);
  bool done = false;
  uint64_t start = platform::now_us();
  while (!done) {
    drain_events(nullptr, nullptr, nullptr, bus, completion, &done);
    if (done) break;
    if (host_system_error()) return Status::error("xhci: %s: host system error", step);
    if (platform::now_us() - start > kCommandTimeoutUs) {
      broken_ = true;
      return Status::error("xhci: %s: no command completion after %u ms", step,
                           kCommandTimeoutUs / 1000);
    }
  }
  uint32_t code = trb::completion_code(*completion);
  if (code != cc::kSuccess)
    return Status::error("xhci: %s: %s (completion code %u)", step, completion_name(code), code);
  return Status::ok();
}

Status XhciController::run_td(PendingTd& td, const Trb* trbs, uint32_t timeout_us, const char* step,
                              TdResult* result, Meanwhile* meanwhile) {
  Slot* s = slot(td.slot);
  if (!s || !s->endpoints[td.dci].active)
    return Status::error("usb: %s: endpoint not configured", step);
  if (s->gone) return Status::error("usb: %s: device unplugged", step);
  if (!s->endpoints[td.dci].ring.enqueue_td(trbs, td.count, td.trb_bus))
    return Status::error("usb: %s: transfer too large for the ring", step);
  ring_doorbell(td.slot, td.dci);
  if (meanwhile && meanwhile->run) {
    meanwhile->run(meanwhile->ctx);
    meanwhile->run = nullptr;
  }
  *result = TdResult{};
  bool done = false;
  uint64_t start = platform::now_us();
  while (!done) {
    drain_events(&td, result, &done, 0, nullptr, nullptr);
    if (done) break;
    if (s->gone) {
      (void)abort_td(td.slot, td.dci);
      return Status::error("usb: %s: device unplugged", step);
    }
    if (host_system_error()) return Status::error("usb: %s: host system error", step);
    if (platform::now_us() - start > timeout_us) {
      // Take the abandoned TD off the ring so the endpoint can be used again.
      Status abort = abort_td(td.slot, td.dci);
      if (!port_connected(s->root_port)) s->gone = true;
      if (s->gone) return Status::error("usb: %s: device unplugged", step);
      return Status::error("usb: %s: no completion after %u ms%s", step, timeout_us / 1000,
                           abort ? "" : " (endpoint could not be stopped)");
    }
  }
  return Status::ok();
}

// Stop Endpoint, then move the dequeue pointer past everything queued (xHCI §4.6.9).
Status XhciController::abort_td(uint8_t slot_id, uint32_t dci) {
  Trb done;
  Trb stop{0, 0,
           trb::type_bits(trb::kStopEndpoint) | trb::endpoint_bits(dci) | trb::slot_bits(slot_id)};
  Status st = command(stop, "Stop Endpoint", &done);
  if (!st && trb::completion_code(done) != cc::kContextState) return st;
  ProducerRing& ring = slots_[slot_id].endpoints[dci].ring;
  Trb set{ring.enqueue_bus() | (ring.cycle() ? 1u : 0u), 0,
          trb::type_bits(trb::kSetTrDequeue) | trb::endpoint_bits(dci) | trb::slot_bits(slot_id)};
  return command(set, "Set TR Dequeue Pointer", &done);
}

// ---- slots -----------------------------------------------------------------------------

Status XhciController::enable_slot(uint8_t* slot_id) {
  Trb done;
  INFERPI_TRY(command(Trb{0, 0, trb::type_bits(trb::kEnableSlot)}, "Enable Slot", &done));
  uint32_t id = trb::event_slot(done);
  if (id == 0 || id > max_slots_) {
    Trb ignored;
    (void)command(Trb{0, 0, trb::type_bits(trb::kDisableSlot) | trb::slot_bits(id)}, "Disable Slot",
                  &ignored);
    return Status::error("xhci: Enable Slot returned slot %u (we use at most %u)", id, max_slots_);
  }
  Slot& s = slots_[id];
  s = Slot{};
  s.input = pool_->alloc(layout_.input_bytes(), 64);
  s.output = pool_->alloc(layout_.output_bytes(), 64);
  if (!s.input || !s.output) return Status::error("xhci: out of DMA memory for device contexts");
  s.used = true;
  dcbaa_[id] = s.output.bus;
  mmio::barrier_full();
  *slot_id = uint8_t(id);
  return Status::ok();
}

Status XhciController::setup_endpoint_ring(Slot& s, uint32_t dci, uint32_t max_packet) {
  Endpoint& ep = s.endpoints[dci];
  if (!ep.active) {
    usb::DmaBlock ring = pool_->alloc(8192, 4096);  // segment + guard page
    if (!ring) return Status::error("xhci: out of DMA memory for a transfer ring");
    ep.ring.init(static_cast<Trb*>(ring.cpu), ring.bus, kRingTrbs);
    ep.active = true;
  } else {
    ep.ring.init(const_cast<Trb*>(ep.ring.trbs()), ep.ring.bus(), kRingTrbs);
  }
  ep.max_packet = max_packet;
  return Status::ok();
}

Status XhciController::address_device(uint8_t slot_id, const SlotFields& fields, uint32_t ep0_mps) {
  Slot* s = slot(slot_id);
  if (!s) return Status::error("xhci: Address Device: slot %u not enabled", slot_id);
  s->speed = fields.speed;
  s->root_port = fields.root_port;
  INFERPI_TRY(setup_endpoint_ring(*s, 1, ep0_mps));
  memset(s->input.cpu, 0, s->input.size);
  uint32_t* icc = layout_.input_control(s->input.cpu);
  icc[1] = 0x3;  // add slot (A0) and EP0 (A1)
  SlotFields f = fields;
  f.context_entries = 1;
  write_slot_context(layout_.input_slot(s->input.cpu), f);
  EndpointFields ep0;
  ep0.type = EpType::Control;
  ep0.max_packet = ep0_mps;
  ep0.average_trb_length = 8;
  ep0.dequeue = s->endpoints[1].ring.bus();
  ep0.dequeue_cycle = true;
  write_endpoint_context(layout_.input_endpoint(s->input.cpu, 1), ep0);
  return input_context_command(slot_id, *s, trb::kAddressDevice, "Address Device");
}

Status XhciController::update_ep0_max_packet(uint8_t slot_id, uint32_t max_packet) {
  Slot* s = slot(slot_id);
  if (!s) return Status::error("xhci: Evaluate Context: slot %u not enabled", slot_id);
  memset(s->input.cpu, 0, s->input.size);
  layout_.input_control(s->input.cpu)[1] = 0x2;  // A1: EP0
  uint32_t* ep0 = layout_.input_endpoint(s->input.cpu, 1);
  memcpy(ep0, layout_.output_endpoint(s->output.cpu, 1), 32);
  ep0[1] = (ep0[1] & 0xFFFF) | (max_packet << 16);
  s->endpoints[1].max_packet = max_packet;
  return input_context_command(slot_id, *s, trb::kEvaluateContext,
                               "Evaluate Context (EP0 max packet)");
}

Status XhciController::configure_endpoints(uint8_t slot_id, const EndpointConfig* eps,
                                           uint32_t count, bool is_hub, uint32_t hub_ports,
                                           uint32_t ttt, bool multi_tt) {
  Slot* s = slot(slot_id);
  if (!s) return Status::error("xhci: Configure Endpoint: slot %u not enabled", slot_id);
  memset(s->input.cpu, 0, s->input.size);
  uint32_t* icc = layout_.input_control(s->input.cpu);
  uint32_t* in_slot = layout_.input_slot(s->input.cpu);
  memcpy(in_slot, layout_.output_slot(s->output.cpu), 32);
  uint32_t max_dci = (in_slot[0] >> 27) & 31;
  icc[1] = 1;  // A0: the slot context changes too (context entries, hub fields)
  for (uint32_t i = 0; i < count; i++) {
    const EndpointConfig& c = eps[i];
    uint32_t dci = dci_of(c.address);
    INFERPI_TRY(setup_endpoint_ring(*s, dci, c.max_packet));
    EndpointFields f;
    f.type = c.type;
    f.max_packet = c.max_packet;
    f.max_burst = c.max_burst;
    f.interval = c.interval;
    bool bulk = c.type == EpType::BulkIn || c.type == EpType::BulkOut;
    f.average_trb_length = bulk ? 3072 : 1024;
    f.max_esit_payload = bulk ? 0 : c.max_packet * (c.max_burst + 1u);
    f.dequeue = s->endpoints[dci].ring.bus();
    f.dequeue_cycle = true;
    write_endpoint_context(layout_.input_endpoint(s->input.cpu, dci), f);
    icc[1] |= 1u << dci;
    if (dci > max_dci) max_dci = dci;
  }
  in_slot[0] = (in_slot[0] & ~(31u << 27)) | (max_dci << 27);
  set_hub_fields(in_slot, is_hub, hub_ports, ttt, multi_tt);
  return input_context_command(slot_id, *s, trb::kConfigureEndpoint, "Configure Endpoint");
}

void XhciController::set_hub_fields(uint32_t* in_slot, bool is_hub, uint32_t hub_ports,
                                    uint32_t ttt, bool multi_tt) {
  in_slot[0] = (in_slot[0] & ~(1u << 26) & ~(1u << 25)) | (is_hub ? 1u << 26 : 0) |
               (multi_tt ? 1u << 25 : 0);
  if (is_hub) {
    in_slot[1] = (in_slot[1] & 0x00FFFFFF) | (hub_ports << 24);
    in_slot[2] = (in_slot[2] & ~(3u << 16)) | ((ttt & 3) << 16);
  }
  in_slot[3] = 0;  // slot state / address are output-only
}

Status XhciController::evaluate_hub_fields(uint8_t slot_id, uint32_t hub_ports, uint32_t ttt,
                                           bool multi_tt) {
  Slot* s = slot(slot_id);
  if (!s) return Status::error("xhci: Evaluate Context: slot %u not enabled", slot_id);
  memset(s->input.cpu, 0, s->input.size);
  layout_.input_control(s->input.cpu)[1] = 1;  // A0: the slot context only
  uint32_t* in_slot = layout_.input_slot(s->input.cpu);
  memcpy(in_slot, layout_.output_slot(s->output.cpu), 32);
  set_hub_fields(in_slot, true, hub_ports, ttt, multi_tt);
  return input_context_command(slot_id, *s, trb::kEvaluateContext, "Evaluate Context (hub fields)");
}

// Address Device, Configure Endpoint and Evaluate Context point the controller at the slot's
// input context, which the caller has just written: the full barrier puts those writes
// (coherent DMA memory) before the command TRB and its doorbell. Linux does the same with the
// wmb() in xhci-ring.c queue_trb() before the cycle bit hands a TRB over, Circle with the
// DataSyncBarrier() in xhcicommandmanager.cpp DoCommand() before the doorbell; a DSB SY
// completes normal-memory writes before the later MMIO doorbell write (Armv8 memory model).
Status XhciController::input_context_command(uint8_t slot_id, const Slot& s, uint32_t type,
                                             const char* step) {
  mmio::barrier_full();
  Trb done;
  return command(Trb{s.input.bus, 0, trb::type_bits(type) | trb::slot_bits(slot_id)}, step, &done);
}

Status XhciController::disable_slot(uint8_t slot_id) {
  Slot* s = slot(slot_id);
  if (!s) return Status::ok();
  s->used = false;
  dcbaa_[slot_id] = 0;
  Trb done;
  return command(Trb{0, 0, trb::type_bits(trb::kDisableSlot) | trb::slot_bits(slot_id)},
                 "Disable Slot", &done);
}

bool XhciController::device_gone(uint8_t slot_id) const {
  return slot_id >= 1 && slot_id <= max_slots_ && slots_[slot_id].used && slots_[slot_id].gone;
}

Speed XhciController::slot_speed(uint8_t slot_id) const {
  return slot_id >= 1 && slot_id <= max_slots_ ? slots_[slot_id].speed : Speed::None;
}

}  // namespace inferpi::xhci
