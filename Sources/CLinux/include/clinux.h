// Linux system headers that Swift's Glibc module does not export (xattrs, device numbers, mounts).
#ifndef BERTH_CLINUX_H
#define BERTH_CLINUX_H

#include <sys/mount.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#endif
