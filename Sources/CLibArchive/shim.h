// libarchive (Debian's libarchive-dev): streaming tar reading and writing, compression filters (Archive, ImageArchive).
#ifndef BERTH_CLIBARCHIVE_SHIM_H
#define BERTH_CLIBARCHIVE_SHIM_H

#include <archive.h>
#include <archive_entry.h>

#endif
