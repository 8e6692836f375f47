// Intel's ISA-L (Debian's libisal-dev): its igzip inflates gzip layers two to three times as fast as zlib (Archive).
#ifndef BERTH_CISAL_SHIM_H
#define BERTH_CISAL_SHIM_H

#include <isa-l/igzip_lib.h>

#endif
