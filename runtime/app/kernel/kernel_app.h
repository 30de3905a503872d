// What the kernel boards' app files (app_main.cpp, diag_main.cpp) share: the app context,
// the board's firmware mailbox when it has one, and whether this build has storage drivers.
#pragma once

#if __has_include("drivers/storage_hw/kernel_storage.h")
#include "drivers/storage_hw/kernel_storage.h"
#define INFERPI_HAVE_STORAGE_HW 1
#else
#define INFERPI_HAVE_STORAGE_HW 0
#endif

namespace inferpi {

class Mailbox;
struct AppContext;

// Defined by the pi4 board only; null (weak, undefined) on virt.
[[gnu::weak]] Mailbox* pi4_mailbox();
// The appliance's context, set up on first use (app_main.cpp).
AppContext& kernel_app_context();
// Whether the storage drivers have been brought up (the menu does it on first use).
bool kernel_storage_initialised();

}  // namespace inferpi
