// Pi 4 board services other Pi 4 drivers use.
#pragma once
#include "drivers/mailbox/mailbox.h"

namespace inferpi {

// The mailbox property channel, ready after board::init() (nullptr before, or if it failed).
Mailbox* pi4_mailbox();

}  // namespace inferpi
