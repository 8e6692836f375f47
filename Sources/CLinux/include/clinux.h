// Linux system headers that Swift's Glibc module does not export (xattrs, device numbers, mounts), and small
// wrappers for GNU extensions that need _GNU_SOURCE (close-on-exec pipes, posix_spawn's chdir, sync_file_range).
#ifndef BERTH_CLINUX_H
#define BERTH_CLINUX_H

#include <spawn.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

/// pipe2(fds, O_CLOEXEC).
int berth_pipe_cloexec(int fds[2]);
/// posix_spawn_file_actions_addclosefrom_np (glibc 2.34+): the child keeps no descriptor from `from` up.
int berth_spawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int from);
/// posix_spawn_file_actions_addchdir_np (glibc 2.29+).
int berth_spawn_file_actions_addchdir(posix_spawn_file_actions_t *actions, const char *path);
/// sync_file_range(fd, offset, length, SYNC_FILE_RANGE_WRITE): starts writing that range to disk, without waiting.
int berth_start_writeback(int fd, long long offset, long long length);
/// mallopt: blocks up to `bytes` come from the heap and freed memory up to `bytes` stays with the process.
void berth_malloc_keep_freed(int bytes);
/// open(path, O_WRONLY | O_DIRECT | O_CLOEXEC): writes that bypass the page cache.
int berth_open_direct_writer(const char *path);

#endif
