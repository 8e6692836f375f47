// libarchive (Debian's libarchive-dev) for ImageArchive: streaming tar reading and writing.
#ifndef BERTH_CLIBARCHIVE_SHIM_H
#define BERTH_CLIBARCHIVE_SHIM_H

#include <archive.h>
#include <archive_entry.h>

#endif
