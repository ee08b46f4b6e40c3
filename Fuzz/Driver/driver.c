// Only the declaration in include/FuzzerDriver.h: libFuzzer itself is linked by
// `-sanitize=fuzzer` when Scripts/fuzz builds the fuzzer, and nothing else calls it.
#include "FuzzerDriver.h"
