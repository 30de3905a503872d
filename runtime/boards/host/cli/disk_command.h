// `inferpi disk ...`: look inside a disk image (or a stick: /dev/sdX) with the same
// partition and FAT32 code the kernel uses.
//   inferpi disk ls  [--sector-size 4096] IMAGE [PATH]   partitions, then the folder listing
//   inferpi disk cat [--sector-size 4096] IMAGE PATH     file bytes to stdout
// PATH may start with "N:" to pick the N-th FAT32 volume (default 1).
#pragma once

// argv[0] is "disk" (main passes its arguments from the subcommand on); returns the
// process exit code: 0 ok, 1 error (message on stderr), 2 usage. Global namespace: the
// CLI's main.cpp declares it weak there, so the CLI links with or without the storage code.
int run_disk_command(int argc, char** argv);
