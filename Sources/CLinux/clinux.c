// Intentionally empty: CLinux only exports system headers (see include/clinux.h).
#include "clinux.h"
