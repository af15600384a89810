/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-database"

#include "config.h"

#include <string.h>

#include "natter-database-private.h"

/*
 * A VFS over SQLite's default one that gathers the writes to a write-ahead
 * log into few large ones. SQLite writes each frame of the log as two
 * pwrite()s, its 24-byte header and its page; a batch of history rows
 * dirties a hundred pages (an index leaf per conversation), so storing a
 * message cost about one system call of its own, and the kernel's work per
 * call (locking the inode, a page-cache lookup, marking it dirty) was most
 * of what the writer thread spent (tests/bench/README.md, "history row
 * cost"). Here consecutive writes to the log wait in a buffer, written at
 * once when the buffer is full, before any other access to the file (a
 * read, a sync, a size, a truncation, a write elsewhere, closing it) and,
 * above all, with the frame that commits a transaction: SQLite publishes a
 * transaction in the shared index only after writing that frame, so another
 * connection never looks for a committed frame that is still in the buffer.
 * Only appended frames wait: a write over what is already in the file (a
 * page written again in the same transaction, the checksums SQLite then
 * rewrites after the commit frame, the log's header when it starts over)
 * goes through at once, after what waited, as without this VFS, so a crash
 * never finds a committed transaction whose checksums are not all there.
 * The file's bytes are the ones SQLite writes, in its order.
 */

#define LOG_VFS_NAME    "natter-log"
/* A flush every 15 frames of 4 KiB pages; the buffer stays allocated. */
#define LOG_BUFFER_SIZE (64 * 1024)
#define FRAME_HEADER    24

typedef struct {
  sqlite3_file   base;
  sqlite3_file  *real;        /* the default VFS's file, after this struct */
  gboolean       is_log;
  gboolean       commit_next; /* the last write was a commit frame's header */
  guchar        *buffer;
  int            length;
  sqlite3_int64  start;       /* the file offset of buffer[0] */
  sqlite3_int64  end;         /* the end of what was written, buffered or not */
} LogFile;

static sqlite3_vfs log_vfs;

static int
log_flush (LogFile *file)
{
  int rc;

  if (file->length == 0)
    return SQLITE_OK;
  rc = file->real->pMethods->xWrite (file->real, file->buffer, file->length, file->start);
  file->length = 0;

  return rc;
}

static int
log_close (sqlite3_file *base)
{
  LogFile *file = (LogFile *) base;
  int rc = log_flush (file);
  int close_rc = file->real->pMethods->xClose (file->real);

  g_clear_pointer (&file->buffer, g_free);

  return rc != SQLITE_OK ? rc : close_rc;
}

static int
log_read (sqlite3_file *base,
          void         *data,
          int           amount,
          sqlite3_int64 offset)
{
  LogFile *file = (LogFile *) base;
  int rc = log_flush (file);

  return rc != SQLITE_OK ? rc : file->real->pMethods->xRead (file->real, data, amount, offset);
}

static int
log_write (sqlite3_file *base,
           const void   *data,
           int           amount,
           sqlite3_int64 offset)
{
  LogFile *file = (LogFile *) base;
  gboolean commit = file->commit_next;
  int rc;

  if (!file->is_log)
    return file->real->pMethods->xWrite (file->real, data, amount, offset);

  /* A frame header whose second word, the database size after the
   * transaction, is not zero: the header of a commit frame. */
  file->commit_next = (amount == FRAME_HEADER && offset >= 32 &&
                       memcmp ((const guchar *) data + 4, "\0\0\0\0", 4) != 0);

  if (file->length > 0 &&
      (offset != file->start + file->length || file->length + amount > LOG_BUFFER_SIZE))
    {
      rc = log_flush (file);
      if (rc != SQLITE_OK)
        return rc;
    }
  /* The log's header: it starts over, what follows is old. Over what is
   * written, or too big: through at once. */
  if (offset == 0)
    file->end = 0;
  if (offset < file->end || offset == 0 || amount > LOG_BUFFER_SIZE)
    {
      file->end = MAX (file->end, offset + amount);
      return file->real->pMethods->xWrite (file->real, data, amount, offset);
    }
  file->end = offset + amount;

  if (file->buffer == NULL)
    file->buffer = g_malloc (LOG_BUFFER_SIZE);
  if (file->length == 0)
    file->start = offset;
  memcpy (file->buffer + file->length, data, amount);
  file->length += amount;

  /* The page after a commit frame's header ends the transaction. */
  return commit ? log_flush (file) : SQLITE_OK;
}

static int
log_truncate (sqlite3_file *base,
              sqlite3_int64 size)
{
  LogFile *file = (LogFile *) base;
  int rc = log_flush (file);

  file->end = MIN (file->end, size);

  return rc != SQLITE_OK ? rc : file->real->pMethods->xTruncate (file->real, size);
}

static int
log_sync (sqlite3_file *base,
          int           flags)
{
  LogFile *file = (LogFile *) base;
  int rc = log_flush (file);

  return rc != SQLITE_OK ? rc : file->real->pMethods->xSync (file->real, flags);
}

static int
log_file_size (sqlite3_file  *base,
               sqlite3_int64 *size)
{
  LogFile *file = (LogFile *) base;
  int rc = log_flush (file);

  return rc != SQLITE_OK ? rc : file->real->pMethods->xFileSize (file->real, size);
}

/* The rest goes to the real file as it is. */

static int
log_lock (sqlite3_file *base, int level)
{
  return ((LogFile *) base)->real->pMethods->xLock (((LogFile *) base)->real, level);
}

static int
log_unlock (sqlite3_file *base, int level)
{
  return ((LogFile *) base)->real->pMethods->xUnlock (((LogFile *) base)->real, level);
}

static int
log_check_reserved_lock (sqlite3_file *base, int *out)
{
  return ((LogFile *) base)->real->pMethods->xCheckReservedLock (((LogFile *) base)->real, out);
}

static int
log_file_control (sqlite3_file *base, int op, void *arg)
{
  LogFile *file = (LogFile *) base;
  int rc = log_flush (file);

  return rc != SQLITE_OK ? rc : file->real->pMethods->xFileControl (file->real, op, arg);
}

static int
log_sector_size (sqlite3_file *base)
{
  return ((LogFile *) base)->real->pMethods->xSectorSize (((LogFile *) base)->real);
}

static int
log_device_characteristics (sqlite3_file *base)
{
  return ((LogFile *) base)->real->pMethods->xDeviceCharacteristics (((LogFile *) base)->real);
}

static int
log_shm_map (sqlite3_file *base, int region, int size, int extend, void volatile **out)
{
  return ((LogFile *) base)->real->pMethods->xShmMap (((LogFile *) base)->real, region, size, extend, out);
}

static int
log_shm_lock (sqlite3_file *base, int offset, int n, int flags)
{
  return ((LogFile *) base)->real->pMethods->xShmLock (((LogFile *) base)->real, offset, n, flags);
}

static void
log_shm_barrier (sqlite3_file *base)
{
  ((LogFile *) base)->real->pMethods->xShmBarrier (((LogFile *) base)->real);
}

static int
log_shm_unmap (sqlite3_file *base, int delete_flag)
{
  return ((LogFile *) base)->real->pMethods->xShmUnmap (((LogFile *) base)->real, delete_flag);
}

static int
log_fetch (sqlite3_file *base, sqlite3_int64 offset, int amount, void **out)
{
  LogFile *file = (LogFile *) base;
  int rc = log_flush (file);

  return rc != SQLITE_OK ? rc : file->real->pMethods->xFetch (file->real, offset, amount, out);
}

static int
log_unfetch (sqlite3_file *base, sqlite3_int64 offset, void *page)
{
  return ((LogFile *) base)->real->pMethods->xUnfetch (((LogFile *) base)->real, offset, page);
}

static const sqlite3_io_methods log_methods = {
  .iVersion = 3,
  .xClose = log_close,
  .xRead = log_read,
  .xWrite = log_write,
  .xTruncate = log_truncate,
  .xSync = log_sync,
  .xFileSize = log_file_size,
  .xLock = log_lock,
  .xUnlock = log_unlock,
  .xCheckReservedLock = log_check_reserved_lock,
  .xFileControl = log_file_control,
  .xSectorSize = log_sector_size,
  .xDeviceCharacteristics = log_device_characteristics,
  .xShmMap = log_shm_map,
  .xShmLock = log_shm_lock,
  .xShmBarrier = log_shm_barrier,
  .xShmUnmap = log_shm_unmap,
  .xFetch = log_fetch,
  .xUnfetch = log_unfetch,
};

static int
log_open (sqlite3_vfs  *vfs,
          const char   *name,
          sqlite3_file *base,
          int           flags,
          int          *out_flags)
{
  sqlite3_vfs *root = vfs->pAppData;
  LogFile *file = (LogFile *) base;
  int rc;

  memset (file, 0, sizeof *file);
  file->real = (sqlite3_file *) (file + 1);
  rc = root->xOpen (root, name, file->real, flags, out_flags);
  /* SQLite closes a file with methods, even one that failed to open. */
  if (file->real->pMethods == NULL)
    return rc;

  /* Only the default VFS's own files of version 3, as the methods above. */
  file->is_log = (flags & SQLITE_OPEN_WAL) != 0;
  base->pMethods = &log_methods;

  return rc;
}

static gpointer
register_log_vfs (gpointer data)
{
  sqlite3_vfs *root = sqlite3_vfs_find (NULL);

  /* Everything but opening a file is the default VFS's. */
  log_vfs = *root;
  log_vfs.zName = LOG_VFS_NAME;
  log_vfs.pNext = NULL;
  log_vfs.pAppData = root;
  log_vfs.szOsFile = (int) sizeof (LogFile) + root->szOsFile;
  log_vfs.xOpen = log_open;

  if (root->szOsFile <= 0 || sqlite3_vfs_register (&log_vfs, 0) != SQLITE_OK)
    return NULL;

  return (gpointer) LOG_VFS_NAME;
}

const char *
_natter_database_log_vfs (void)
{
  static GOnce once = G_ONCE_INIT;

  return g_once (&once, register_log_vfs, NULL);
}
