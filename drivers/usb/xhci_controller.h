// XhciController: one xHCI host controller (VL805 on the Pi 4, qemu-xhci on virt), driven
// entirely by polling. It owns the register windows, the command and event rings, the
// device slots and their transfer rings, and offers the verbs the USB core needs: reset a
// root port, enable and address a slot, configure endpoints, run control and bulk transfers
// and recover a halted endpoint. It knows nothing about the board: the caller passes the
// BAR's CPU address and a coherent DMA region (whose bus addresses already include the
// PCIe inbound-window offset on the Pi 4).
//
// Memory contract (all from the DmaPool, zeroed, coherent; pi4-hardware.md §8.3–8.5):
//   object            size                       align   notes
//   DCBAA             (MaxSlotsEn + 1) * 8       64
//   scratchpad array  n * 8                      64      n = HCSPARAMS2 (VL805: 31)
//   scratchpad pages  n * 4096                   4096
//   command ring      4 KiB (256 TRBs) + 4 KiB   4096    guard page: VL805 TRB over-fetch
//   event ring        4 KiB (256 TRBs) + 4 KiB   4096    one segment, never crosses 64 KiB
//   ERST              16                         64
//   per device        input ctx 33*CSZ, output ctx 32*CSZ (64-aligned), one 4 KiB ring +
//                     4 KiB guard per endpoint in use, 4 KiB control-data bounce (shared)
//
// Every wait has a deadline and a step name; a controller that timed out on a command is
// marked broken and every later call fails fast until init() is called again.
#pragma once
#include <cstddef>
#include <cstdint>

#include "drivers/mmio.h"
#include "drivers/usb/dma_pool.h"
#include "drivers/usb/xhci_context.h"
#include "drivers/usb/xhci_regs.h"
#include "drivers/usb/xhci_ring.h"
#include "runtime/core/status.h"

namespace inferpi::xhci {

struct EndpointConfig {
  uint8_t address = 0;  // bEndpointAddress (bit 7 = IN)
  EpType type = EpType::BulkIn;
  uint16_t max_packet = 512;
  uint8_t max_burst = 0;
  uint8_t interval = 0;  // xHCI encoding (2^interval * 125 us) for periodic endpoints
};

class XhciController {
 public:
  static constexpr uint32_t kMaxSlots = 16;
  static constexpr uint32_t kMaxPorts = 32;
  static constexpr uint32_t kRingTrbs = 256;
  static constexpr uint32_t kControlBounce = 4096;
  static constexpr uint32_t kCommandTimeoutUs = 3'000'000;
  static constexpr uint32_t kControlTimeoutUs = 3'000'000;

  // Resets and starts the controller. Re-initialisation is allowed (the pool is reset).
  Status init(uintptr_t mmio_base, usb::DmaPool& pool);
  bool running() const { return running_; }

  uint32_t port_count() const { return port_count_; }
  // USB major revision of a root port from the Supported Protocol capabilities (2 or 3).
  uint32_t port_protocol(uint32_t port) const;
  bool port_connected(uint32_t port);
  uint32_t port_status(uint32_t port);
  // Resets (USB 2) or waits for link training (USB 3) and returns the port speed.
  Status reset_port(uint32_t port, Speed* speed);

  // Slot lifecycle. `slot_fields` describes where the device sits (route, root port, speed,
  // TT); the controller issues SET_ADDRESS itself.
  Status enable_slot(uint8_t* slot_id);
  Status address_device(uint8_t slot_id, const SlotFields& slot_fields, uint32_t ep0_max_packet);
  Status update_ep0_max_packet(uint8_t slot_id, uint32_t max_packet);
  // Configure Endpoint: adds `endpoints`, and updates the hub fields of the slot context.
  Status configure_endpoints(uint8_t slot_id, const EndpointConfig* endpoints, uint32_t count,
                             bool is_hub, uint32_t hub_ports, uint32_t tt_think_time,
                             bool multi_tt);
  // The same hub fields through Evaluate Context (what Circle xhciusbdevice.cpp
  // EnableHubFunction() does; the fallback when the VL805 refuses Configure Endpoint).
  Status evaluate_hub_fields(uint8_t slot_id, uint32_t hub_ports, uint32_t tt_think_time,
                             bool multi_tt);
  Status disable_slot(uint8_t slot_id);

  // Control transfer on EP0. `data` is ordinary memory (copied through a DMA bounce buffer),
  // up to kControlBounce bytes. A STALL recovers EP0 and returns an error naming "stall".
  Status control(uint8_t slot_id, uint8_t request_type, uint8_t request, uint16_t value,
                 uint16_t index, void* data, uint16_t length, uint32_t* actual = nullptr);
  // Bulk transfer of `length` bytes at DMA bus address `bus` (split into <= 64 KiB TRBs,
  // chained into one TD). `actual` receives the bytes transferred (short packets allowed).
  // On a stall / transaction error the endpoint is reset on the controller side
  // (Reset Endpoint + Set TR Dequeue); the caller then sends CLEAR_FEATURE(HALT).
  // `meanwhile` (optional) runs once, right after the doorbell, while the controller moves
  // the data: CPU work that overlaps the transfer (mass storage copies the previous bounce
  // chunk out then); its `run` is cleared when it has run.
  struct Meanwhile {
    void (*run)(void* ctx) = nullptr;
    void* ctx = nullptr;
  };
  Status bulk(uint8_t slot_id, uint8_t endpoint_address, uint64_t bus, uint32_t length,
              uint32_t timeout_us, uint32_t* actual, bool* stalled = nullptr,
              Meanwhile* meanwhile = nullptr);
  // Reset Endpoint + Set TR Dequeue Pointer to the next free TRB (xHCI §4.6.8, §4.6.10).
  Status recover_endpoint(uint8_t slot_id, uint32_t dci);

  // True once the device's root port reported a disconnect.
  bool device_gone(uint8_t slot_id) const;
  Speed slot_speed(uint8_t slot_id) const;
  uint32_t context_bytes() const { return layout_.context_bytes(); }
  uint16_t version() const { return version_; }
  uint32_t max_slots() const { return max_slots_; }

 private:
  static void set_hub_fields(uint32_t* in_slot, bool is_hub, uint32_t hub_ports, uint32_t ttt,
                             bool multi_tt);
  struct Endpoint {
    bool active = false;
    ProducerRing ring;
    uint32_t max_packet = 0;
  };
  struct Slot {
    bool used = false;
    bool gone = false;
    Speed speed = Speed::None;
    uint32_t root_port = 0;
    usb::DmaBlock input;
    usb::DmaBlock output;
    Endpoint endpoints[32];  // by DCI
  };
  // A TD in flight: where its TRBs are, so events can be matched to it.
  struct PendingTd {
    uint8_t slot = 0;
    uint8_t dci = 0;
    uint32_t count = 0;
    uint64_t trb_bus[ProducerRing::kMaxTd] = {};
    uint32_t trb_length[ProducerRing::kMaxTd] = {};
    bool control = false;
  };
  struct TdResult {
    uint32_t code = 0;
    uint32_t actual = 0;
    bool short_packet = false;
  };

  Status wait_bits(uint32_t offset, uint32_t mask, uint32_t want, uint32_t timeout_us,
                   const char* step);
  Status usable() const;
  void read_capabilities();
  void scan_extended_capabilities();
  Status setup_memory();
  Status command(const Trb& cmd, const char* step, Trb* completion);
  Status input_context_command(uint8_t slot_id, const Slot& s, uint32_t type, const char* step);
  Status run_td(PendingTd& td, const Trb* trbs, uint32_t timeout_us, const char* step,
                TdResult* result, Meanwhile* meanwhile = nullptr);
  bool handle_event(const Trb& ev, const PendingTd* td, TdResult* result, bool* td_done,
                    uint64_t command_bus, Trb* completion, bool* command_done);
  void drain_events(const PendingTd* td, TdResult* result, bool* td_done, uint64_t command_bus,
                    Trb* completion, bool* command_done);
  bool host_system_error();
  void update_dequeue();
  Status setup_endpoint_ring(Slot& slot, uint32_t dci, uint32_t max_packet);
  Status abort_td(uint8_t slot_id, uint32_t dci);
  void ring_doorbell(uint32_t target, uint32_t value);
  Slot* slot(uint8_t id);

  mmio::RegisterBlock cap_, op_, rt_, db_;
  usb::DmaPool* pool_ = nullptr;
  ContextLayout layout_;
  uint16_t version_ = 0;
  uint32_t max_slots_ = 0;
  uint32_t port_count_ = 0;
  uint32_t scratchpads_ = 0;
  uint32_t xecp_offset_ = 0;
  uint8_t port_protocol_[kMaxPorts + 1] = {};
  bool running_ = false;
  bool broken_ = false;
  uint64_t* dcbaa_ = nullptr;
  ProducerRing command_ring_;
  EventRing event_ring_;
  usb::DmaBlock control_bounce_;
  Slot slots_[kMaxSlots + 1];
};

}  // namespace inferpi::xhci
