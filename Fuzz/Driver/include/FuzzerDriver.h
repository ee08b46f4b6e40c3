#ifndef FIELDNOTES_FUZZER_DRIVER_H
#define FIELDNOTES_FUZZER_DRIVER_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver (in the runtime that `-sanitize=fuzzer` links): parses libFuzzer's
/// options from the command line and fuzzes `callback`. The fuzzer's `main` calls it, since
/// SwiftPM gives every executable a `main` of its own rather than libFuzzer's.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
