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

/// Where a spawned child goes: the parent's process group, one of its own, or a session of its own.
enum { BERTH_SPAWN_SAME_GROUP = 0, BERTH_SPAWN_NEW_GROUP = 1, BERTH_SPAWN_NEW_SESSION = 2 };

/// Spawn attributes for a child that starts clean: no signal blocked (a thread of ours may block most)
/// and SIGPIPE back to its default, placed as `placement` says.
int berth_spawnattr_init_clean(posix_spawnattr_t *attributes, int placement);
/// posix_spawn_file_actions_addchdir_np (glibc 2.29+).
int berth_spawn_file_actions_addchdir(posix_spawn_file_actions_t *actions, const char *path);
/// sync_file_range(fd, offset, length, SYNC_FILE_RANGE_WRITE): starts writing that range to disk, without waiting.
int berth_start_writeback(int fd, long long offset, long long length);
/// mallopt: blocks up to `bytes` come from the heap and freed memory up to `bytes` stays with the process.
void berth_malloc_keep_freed(int bytes);
/// open(path, O_WRONLY | O_DIRECT | O_CLOEXEC): writes that bypass the page cache.
int berth_open_direct_writer(const char *path);
/// unshare(CLONE_FS): the calling thread gets a working directory (and umask) of its own.
int berth_unshare_fs(void);

#endif
