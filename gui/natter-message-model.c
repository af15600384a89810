/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-message-model.h"
#include "natter-text.h"

struct _NatterMessageModel
{
  GObject             parent_instance;

  NatterIpcSession1  *session;
  char               *target;
  /* A deque of NatterMessage*: @older holds the messages before the first
   * page loaded, newest first, so both ends grow by appending. */
  GPtrArray          *older;
  GPtrArray          *newer;
  GPtrArray          *pending;      /* live messages seen while a page loads */
  NatterMessage      *first_unread;
  GCancellable       *cancellable;  /* the pending page, if any */
  gulong              message_handler;
  gulong              deleted_handler;
  gulong              reactions_handler;
  guint               first_page_size;
  /* The oldest messages loaded but not in the list yet: the newest page
   * shows only what fills the view (first_fit says how many) until the
   * view asks for older ones, after its first frame. */
  guint               n_held;
  NatterMessageModelFitFunc first_fit;
  gpointer            first_fit_data;
  guint               loading : 1;
  guint               has_older : 1;
  guint               has_newer : 1;
  guint               hide_membership : 1;
};

enum {
  PROP_0,
  PROP_SESSION,
  PROP_TARGET,
  PROP_LOADING,
  PROP_HAS_OLDER,
  PROP_HAS_NEWER,
  N_PROPS
};

enum {
  MESSAGE_APPENDED,
  N_SIGNALS
};

typedef enum {
  PAGE_LATEST,
  PAGE_OLDER,
  PAGE_NEWER,
  PAGE_AROUND,
} PageKind;

typedef struct {
  PageKind   kind;
  gint64     anchor_id;
  gint64     anchor_time;
  GPtrArray *before;   /* PAGE_AROUND: the first half */
  guint      limit;    /* asked for: fewer back means no more */
  guint      n_added;
} PageRequest;

static void natter_message_model_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (NatterMessageModel, natter_message_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, natter_message_model_list_model_init))

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
page_request_free (PageRequest *request)
{
  g_clear_pointer (&request->before, g_ptr_array_unref);
  g_free (request);
}

static inline guint
n_items (NatterMessageModel *self)
{
  return self->older->len + self->newer->len;
}

static inline NatterMessage *
item_at (NatterMessageModel *self,
         guint               position)
{
  if (position < self->older->len)
    return g_ptr_array_index (self->older, self->older->len - 1 - position);

  return g_ptr_array_index (self->newer, position - self->older->len);
}

/* GListModel */

static GType
natter_message_model_get_item_type (GListModel *model)
{
  return NATTER_TYPE_MESSAGE;
}

static guint
natter_message_model_get_n_items (GListModel *model)
{
  NatterMessageModel *self = NATTER_MESSAGE_MODEL (model);

  return n_items (self) - self->n_held;
}

static gpointer
natter_message_model_get_item (GListModel *model,
                               guint       position)
{
  NatterMessageModel *self = NATTER_MESSAGE_MODEL (model);

  if (position >= n_items (self) - self->n_held)
    return NULL;

  return g_object_ref (item_at (self, position + self->n_held));
}

static void
natter_message_model_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = natter_message_model_get_item_type;
  iface->get_n_items = natter_message_model_get_n_items;
  iface->get_item = natter_message_model_get_item;
}

/* Items changed at @position of all that is loaded: the list hears of
 * it past the held messages; a held one removed is one fewer held. */
static void
changed (NatterMessageModel *self,
         guint               position,
         guint               removed,
         guint               added)
{
  if (position < self->n_held)
    {
      g_assert (removed <= 1 && added <= removed);
      self->n_held -= removed - added;
      return;
    }
  g_list_model_items_changed (G_LIST_MODEL (self), position - self->n_held, removed, added);
}

/* Layout */

/* Replies show what they answer: found by msgid among what is loaded,
 * whenever more is (a page of older messages may bring it). */
static void
resolve_quotes (NatterMessageModel *self)
{
  g_autoptr(GHashTable) by_msgid = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < n_items (self); i++)
    {
      NatterMessage *message = item_at (self, i);
      const char *reply_to = natter_message_get_reply_to (message);
      NatterMessage *quoted;

      if (natter_message_get_msgid (message) != NULL)
        g_hash_table_insert (by_msgid, (gpointer) natter_message_get_msgid (message), message);
      if (reply_to != NULL && natter_message_get_quoted_sender (message) == NULL &&
          (quoted = g_hash_table_lookup (by_msgid, reply_to)) != NULL)
        natter_message_set_quoted (message, quoted);
    }
}

static void
relayout (NatterMessageModel *self,
          guint               from,
          guint               to)
{
  resolve_quotes (self);
  for (guint i = from; i < to && i < n_items (self); i++)
    {
      NatterMessage *message = item_at (self, i);
      NatterMessage *previous = i > 0 ? item_at (self, i - 1) : NULL;

      natter_message_set_grouped (message, natter_message_continues (message, previous));
      natter_message_set_day_break (message, natter_message_starts_day (message, previous));
    }
}

static gint64
newest_id (NatterMessageModel *self)
{
  for (guint i = n_items (self); i > 0; i--)
    {
      gint64 id = natter_message_get_id (item_at (self, i - 1));

      if (id > 0)
        return id;
    }

  return 0;
}

static gint64
oldest_id (NatterMessageModel *self)
{
  for (guint i = 0; i < n_items (self); i++)
    {
      gint64 id = natter_message_get_id (item_at (self, i));

      if (id > 0)
        return id;
    }

  return 0;
}

static void
set_flags (NatterMessageModel *self,
           gboolean            loading,
           gboolean            has_older,
           gboolean            has_newer)
{
  GObject *object = G_OBJECT (self);

  g_object_freeze_notify (object);
  if (self->loading != !!loading)
    {
      self->loading = !!loading;
      g_object_notify_by_pspec (object, properties[PROP_LOADING]);
    }
  if (self->has_older != !!has_older)
    {
      self->has_older = !!has_older;
      g_object_notify_by_pspec (object, properties[PROP_HAS_OLDER]);
    }
  if (self->has_newer != !!has_newer)
    {
      self->has_newer = !!has_newer;
      g_object_notify_by_pspec (object, properties[PROP_HAS_NEWER]);
    }
  g_object_thaw_notify (object);
}

static gboolean
is_hidden (NatterMessageModel *self,
           NatterMessage      *message)
{
  return self->hide_membership && natter_message_is_membership (message);
}

static void
drop_hidden (NatterMessageModel *self,
             GPtrArray          *messages)
{
  for (guint i = messages->len; i > 0; i--)
    if (is_hidden (self, g_ptr_array_index (messages, i - 1)))
      g_ptr_array_remove_index (messages, i - 1);
}

static void
append_live (NatterMessageModel *self,
             NatterMessage      *message)
{
  guint position = n_items (self);

  g_ptr_array_add (self->newer, g_object_ref (message));
  relayout (self, position, position + 1);
  changed (self, position, 0, 1);
  g_signal_emit (self, signals[MESSAGE_APPENDED], 0, message);
}

static void
flush_pending (NatterMessageModel *self)
{
  g_autoptr(GPtrArray) pending = g_steal_pointer (&self->pending);

  self->pending = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < pending->len; i++)
    {
      NatterMessage *message = g_ptr_array_index (pending, i);

      if (natter_message_get_id (message) > newest_id (self))
        append_live (self, message);
    }
}

static void
on_message_received (NatterIpcSession1  *session,
                     GVariant           *dict,
                     NatterMessageModel *self)
{
  g_autoptr(NatterMessage) message = natter_message_new_from_variant (dict);

  if (!natter_text_names_equal (natter_message_get_target (message), self->target) ||
      is_hidden (self, message))
    return;

  /* Paging towards the newest will fetch it; while a page loads it waits. */
  if (self->has_newer)
    return;
  if (self->loading)
    {
      g_ptr_array_add (self->pending, g_steal_pointer (&message));
      return;
    }
  if (natter_message_get_id (message) != 0 && natter_message_get_id (message) <= newest_id (self))
    return;

  append_live (self, message);
}

/* Someone reacted: the message's counts change in place. */
static void
on_reactions_changed (NatterIpcSession1  *session,
                      const char         *target,
                      const char         *msgid,
                      GVariant           *reactions,
                      NatterMessageModel *self)
{
  guint position;

  if (!natter_text_names_equal (target, self->target))
    return;
  for (position = 0; position < n_items (self); position++)
    if (g_strcmp0 (natter_message_get_msgid (item_at (self, position)), msgid) == 0)
      {
        natter_message_set_reactions (item_at (self, position), reactions);
        return;
      }
}

/* natterd deleted a message: its row becomes "message deleted" in place. */
static void
on_message_deleted (NatterIpcSession1  *session,
                    const char         *target,
                    const char         *msgid,
                    NatterMessageModel *self)
{
  if (!natter_text_names_equal (target, self->target))
    return;

  for (guint i = 0; i < n_items (self); i++)
    {
      NatterMessage *message = item_at (self, i);
      gpointer *slot;

      if (g_strcmp0 (natter_message_get_msgid (message), msgid) != 0 ||
          natter_message_get_kind (message) == NATTER_MESSAGE_TYPE_DELETED)
        continue;

      slot = i < self->older->len ? &self->older->pdata[self->older->len - 1 - i]
                                  : &self->newer->pdata[i - self->older->len];
      *slot = natter_message_new_deleted (message);
      if (self->first_unread == message)
        g_set_object (&self->first_unread, *slot);
      g_object_unref (message);
      relayout (self, i, i + 2);
      changed (self, i, 1, 1);
      return;
    }
}

/* Paging */

static GPtrArray *
messages_from_variant (GVariant *messages)
{
  GPtrArray *result = g_ptr_array_new_with_free_func (g_object_unref);
  GVariantIter iter;
  GVariant *dict;

  g_variant_iter_init (&iter, messages);
  while ((dict = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_ptr_array_add (result, natter_message_new_from_variant (dict));
      g_variant_unref (dict);
    }

  return result;
}

static void page_fetch (GTask *task, const char *anchor, gint64 value, guint limit);

/* As many as the list has, up to a page: GtkListView makes a row for each
 * message it gets (up to 200), so the pages after a small first one stay
 * small, and so do the frames that lay them out. */
static guint
older_page_size (NatterMessageModel *self)
{
  return CLAMP (n_items (self) - self->n_held, NATTER_MESSAGE_MODEL_FIRST_PAGE_SIZE / 2,
                NATTER_MESSAGE_MODEL_PAGE_SIZE);
}

/* Replaces the list with @messages; with @fit, the newest page, only
 * what the view says fills it goes in, the rest held for the view's
 * first call for older messages. */
static void
replace_all (NatterMessageModel *self,
             GPtrArray          *messages,
             gboolean            fit)
{
  guint removed = n_items (self) - self->n_held;
  guint shown;

  self->n_held = 0;
  if (self->first_unread != NULL)
    natter_message_set_first_unread (self->first_unread, FALSE);
  g_clear_object (&self->first_unread);
  g_ptr_array_set_size (self->older, 0);
  g_ptr_array_set_size (self->newer, 0);
  for (guint i = 0; i < messages->len; i++)
    g_ptr_array_add (self->newer, g_object_ref (g_ptr_array_index (messages, i)));
  relayout (self, 0, n_items (self));
  shown = n_items (self);
  if (fit && self->first_fit != NULL)
    shown = MIN (MAX (self->first_fit (self->newer, self->first_fit_data), 1), shown);
  self->n_held = n_items (self) - shown;
  g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, shown);
}

static void
on_history (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  NatterMessageModel *self = g_task_get_source_object (task);
  PageRequest *request = g_task_get_task_data (task);
  g_autoptr(GVariant) variant = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GError) error = NULL;
  gboolean full;

  if (!natter_ipc_session1_call_history_finish (NATTER_IPC_SESSION1 (source), &variant, result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          set_flags (self, FALSE, self->has_older, self->has_newer);
          g_clear_object (&self->cancellable);
        }
      g_dbus_error_strip_remote_error (error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  messages = messages_from_variant (variant);
  full = messages->len >= request->limit;
  drop_hidden (self, messages);

  switch (request->kind)
    {
    case PAGE_LATEST:
      replace_all (self, messages, TRUE);
      set_flags (self, FALSE, full, FALSE);
      request->n_added = messages->len;
      break;

    case PAGE_OLDER:
      for (guint i = messages->len; i > 0; i--)
        g_ptr_array_add (self->older, g_object_ref (g_ptr_array_index (messages, i - 1)));
      request->n_added = messages->len;
      /* The old first message may now group with, or share a day with, the page. */
      relayout (self, 0, messages->len + 1);
      set_flags (self, FALSE, full, self->has_newer);
      if (messages->len > 0)
        changed (self, 0, 0, messages->len);
      break;

    case PAGE_NEWER:
      {
        guint position = n_items (self);

        for (guint i = 0; i < messages->len; i++)
          g_ptr_array_add (self->newer, g_object_ref (g_ptr_array_index (messages, i)));
        relayout (self, position, n_items (self));
        request->n_added = messages->len;
        set_flags (self, FALSE, self->has_older, full);
        changed (self, position, 0, messages->len);
      }
      break;

    case PAGE_AROUND:
      if (request->before == NULL)
        {
          /* First half done: now the messages after the anchor. */
          /* natterd wants anchors that exist: the message itself comes
           * with those after its time. */
          request->before = g_steal_pointer (&messages);
          if (request->anchor_time > 0)
            page_fetch (g_steal_pointer (&task), "after-time", request->anchor_time - 1,
                        NATTER_MESSAGE_MODEL_PAGE_SIZE / 2);
          else if (request->before->len > 0)
            /* Its time unknown (a link from natterd): after the one before it. */
            page_fetch (g_steal_pointer (&task), "after-id",
                        natter_message_get_id (g_ptr_array_index (request->before,
                                                                  request->before->len - 1)),
                        NATTER_MESSAGE_MODEL_PAGE_SIZE / 2);
          else
            /* Nothing before it: the conversation's first page. */
            page_fetch (g_steal_pointer (&task), "after-time", G_MININT64,
                        NATTER_MESSAGE_MODEL_PAGE_SIZE / 2);
          return;
        }
      {
        gboolean older = request->before->len >= NATTER_MESSAGE_MODEL_PAGE_SIZE / 2;
        gboolean newer = messages->len >= NATTER_MESSAGE_MODEL_PAGE_SIZE / 2;

        g_ptr_array_extend (request->before, messages, (GCopyFunc) (void (*) (void)) g_object_ref, NULL);
        replace_all (self, request->before, FALSE);
        request->n_added = request->before->len;
        set_flags (self, FALSE, older, newer);
      }
      break;

    default:
      g_assert_not_reached ();
    }

  g_clear_object (&self->cancellable);
  if (!self->has_newer)
    flush_pending (self);
  else
    g_ptr_array_set_size (self->pending, 0);

  g_task_return_boolean (task, TRUE);
}

static void
page_fetch (GTask      *task,
            const char *anchor,
            gint64      value,
            guint       limit)
{
  NatterMessageModel *self = g_task_get_source_object (task);
  PageRequest *request = g_task_get_task_data (task);
  GVariantDict query;

  request->limit = limit;
  g_variant_dict_init (&query, NULL);
  if (anchor != NULL)
    g_variant_dict_insert (&query, anchor, "x", value);
  g_variant_dict_insert (&query, "limit", "u", limit);

  natter_ipc_session1_call_history (self->session, self->target, g_variant_dict_end (&query), G_DBUS_CALL_FLAGS_NONE, -1,
                                    g_task_get_cancellable (task), on_history, task);
}

static GTask *
page_task_new (NatterMessageModel  *self,
               PageKind             kind,
               gpointer             source_tag,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  GTask *task;
  PageRequest *request = g_new0 (PageRequest, 1);

  /* A newer request wins: the contents it asks for replace the old. */
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = cancellable != NULL ? g_object_ref (cancellable) : g_cancellable_new ();

  request->kind = kind;
  task = g_task_new (self, self->cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, request, (GDestroyNotify) page_request_free);
  set_flags (self, TRUE, self->has_older, self->has_newer);

  return task;
}

/* A page asked for with nothing to fetch (none older, or one loading). */
static void
return_nothing_loaded (NatterMessageModel  *self,
                       gpointer             source_tag,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, g_new0 (PageRequest, 1), (GDestroyNotify) page_request_free);
  g_task_return_boolean (task, TRUE);
}

void
natter_message_model_load_latest_async (NatterMessageModel  *self,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (NATTER_IS_MESSAGE_MODEL (self));

  task = page_task_new (self, PAGE_LATEST, natter_message_model_load_latest_async,
                        cancellable, callback, user_data);
  set_flags (self, TRUE, self->has_older, FALSE);
  page_fetch (g_steal_pointer (&task), NULL, 0, self->first_page_size);
}

void
natter_message_model_set_first_page_fit (NatterMessageModel        *self,
                                         NatterMessageModelFitFunc  fit,
                                         gpointer                   user_data)
{
  g_return_if_fail (NATTER_IS_MESSAGE_MODEL (self));

  self->first_fit = fit;
  self->first_fit_data = user_data;
}

void
natter_message_model_set_first_page_size (NatterMessageModel *self,
                                          guint               n_messages)
{
  g_return_if_fail (NATTER_IS_MESSAGE_MODEL (self));

  self->first_page_size = CLAMP (n_messages, 1, NATTER_MESSAGE_MODEL_PAGE_SIZE);
}

void
natter_message_model_load_around_async (NatterMessageModel  *self,
                                        gint64               id,
                                        gint64               time_us,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  PageRequest *request;

  g_return_if_fail (NATTER_IS_MESSAGE_MODEL (self));

  task = page_task_new (self, PAGE_AROUND, natter_message_model_load_around_async,
                        cancellable, callback, user_data);
  request = g_task_get_task_data (task);
  request->anchor_id = id;
  request->anchor_time = time_us;
  page_fetch (g_steal_pointer (&task), "before-id", id, NATTER_MESSAGE_MODEL_PAGE_SIZE / 2);
}

/* Older messages the newest page held back: into the list at once, as
 * many as an older page from natterd would bring. */
static void
release_held (NatterMessageModel  *self,
              gpointer             source_tag,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  PageRequest *request = g_new0 (PageRequest, 1);
  guint n = MIN (self->n_held, older_page_size (self));

  request->kind = PAGE_OLDER;
  request->n_added = n;
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, request, (GDestroyNotify) page_request_free);
  self->n_held -= n;
  g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, n);
  g_task_return_boolean (task, TRUE);
}

void
natter_message_model_load_older_async (NatterMessageModel  *self,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  gint64 oldest;

  g_return_if_fail (NATTER_IS_MESSAGE_MODEL (self));

  if (self->n_held > 0 && !self->loading)
    {
      release_held (self, natter_message_model_load_older_async, cancellable, callback, user_data);
      return;
    }
  oldest = oldest_id (self);
  if (!self->has_older || oldest == 0 || self->loading)
    {
      return_nothing_loaded (self, natter_message_model_load_older_async, cancellable, callback, user_data);
      return;
    }

  task = page_task_new (self, PAGE_OLDER, natter_message_model_load_older_async,
                        cancellable, callback, user_data);
  page_fetch (g_steal_pointer (&task), "before-id", oldest, older_page_size (self));
}

void
natter_message_model_load_newer_async (NatterMessageModel  *self,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (NATTER_IS_MESSAGE_MODEL (self));

  if (!self->has_newer || self->loading)
    {
      return_nothing_loaded (self, natter_message_model_load_newer_async, cancellable, callback, user_data);
      return;
    }

  task = page_task_new (self, PAGE_NEWER, natter_message_model_load_newer_async,
                        cancellable, callback, user_data);
  page_fetch (g_steal_pointer (&task), "after-id", newest_id (self), NATTER_MESSAGE_MODEL_PAGE_SIZE);
}

gboolean
natter_message_model_load_finish (NatterMessageModel  *self,
                                  GAsyncResult        *result,
                                  guint               *n_added,
                                  GError             **error)
{
  PageRequest *request;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  request = g_task_get_task_data (G_TASK (result));
  if (n_added != NULL)
    *n_added = request->n_added;

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* GObject */

static void
natter_message_model_dispose (GObject *object)
{
  NatterMessageModel *self = (NatterMessageModel *) object;

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_signal_handler (&self->message_handler, self->session);
  g_clear_signal_handler (&self->deleted_handler, self->session);
  g_clear_signal_handler (&self->reactions_handler, self->session);
  g_clear_object (&self->session);
  g_clear_object (&self->first_unread);

  G_OBJECT_CLASS (natter_message_model_parent_class)->dispose (object);
}

static void
natter_message_model_finalize (GObject *object)
{
  NatterMessageModel *self = (NatterMessageModel *) object;

  g_ptr_array_unref (self->older);
  g_ptr_array_unref (self->newer);
  g_ptr_array_unref (self->pending);
  g_free (self->target);

  G_OBJECT_CLASS (natter_message_model_parent_class)->finalize (object);
}

static void
natter_message_model_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  NatterMessageModel *self = NATTER_MESSAGE_MODEL (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_TARGET:
      g_value_set_string (value, self->target);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    case PROP_HAS_OLDER:
      g_value_set_boolean (value, self->has_older);
      break;
    case PROP_HAS_NEWER:
      g_value_set_boolean (value, self->has_newer);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
natter_message_model_class_init (NatterMessageModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = natter_message_model_dispose;
  object_class->finalize = natter_message_model_finalize;
  object_class->get_property = natter_message_model_get_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, NATTER_IPC_TYPE_SESSION1,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TARGET] =
    g_param_spec_string ("target", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HAS_OLDER] =
    g_param_spec_boolean ("has-older", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HAS_NEWER] =
    g_param_spec_boolean ("has-newer", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[MESSAGE_APPENDED] =
    g_signal_new ("message-appended",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, NATTER_TYPE_MESSAGE);
}

static void
natter_message_model_init (NatterMessageModel *self)
{
  self->older = g_ptr_array_new_with_free_func (g_object_unref);
  self->newer = g_ptr_array_new_with_free_func (g_object_unref);
  self->pending = g_ptr_array_new_with_free_func (g_object_unref);
  self->first_page_size = NATTER_MESSAGE_MODEL_FIRST_PAGE_SIZE;
}

NatterMessageModel *
natter_message_model_new (NatterIpcSession1 *session,
                          const char        *target)
{
  NatterMessageModel *self;

  g_return_val_if_fail (NATTER_IPC_IS_SESSION1 (session), NULL);
  g_return_val_if_fail (target != NULL, NULL);

  self = g_object_new (NATTER_TYPE_MESSAGE_MODEL, NULL);
  self->session = g_object_ref (session);
  self->target = g_strdup (target);
  self->message_handler = g_signal_connect (session, "message-received",
                                            G_CALLBACK (on_message_received), self);
  self->deleted_handler = g_signal_connect (session, "message-deleted",
                                            G_CALLBACK (on_message_deleted), self);
  self->reactions_handler = g_signal_connect (session, "reactions-changed",
                                              G_CALLBACK (on_reactions_changed), self);

  return self;
}

NatterIpcSession1 *
natter_message_model_get_session (NatterMessageModel *self)
{
  g_return_val_if_fail (NATTER_IS_MESSAGE_MODEL (self), NULL);
  return self->session;
}

const char *
natter_message_model_get_target (NatterMessageModel *self)
{
  g_return_val_if_fail (NATTER_IS_MESSAGE_MODEL (self), NULL);
  return self->target;
}

gboolean
natter_message_model_get_loading (NatterMessageModel *self)
{
  g_return_val_if_fail (NATTER_IS_MESSAGE_MODEL (self), FALSE);
  return self->loading;
}

gboolean
natter_message_model_get_has_older (NatterMessageModel *self)
{
  g_return_val_if_fail (NATTER_IS_MESSAGE_MODEL (self), FALSE);
  return self->has_older || self->n_held > 0;
}

gboolean
natter_message_model_get_has_newer (NatterMessageModel *self)
{
  g_return_val_if_fail (NATTER_IS_MESSAGE_MODEL (self), FALSE);
  return self->has_newer;
}

guint
natter_message_model_find_id (NatterMessageModel *self,
                              gint64              id)
{
  guint lo = 0, hi;

  g_return_val_if_fail (NATTER_IS_MESSAGE_MODEL (self), G_MAXUINT);

  /* Ids grow with time in a page, but backfill can add an older message
   * with a new id: a binary search first, a scan when it misses. */
  hi = n_items (self);
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      gint64 mid_id = natter_message_get_id (item_at (self, mid));

      if (mid_id == id)
        return mid >= self->n_held ? mid - self->n_held : G_MAXUINT;
      if (mid_id != 0 && mid_id < id)
        lo = mid + 1;
      else
        hi = mid;
    }
  for (guint i = self->n_held; i < n_items (self); i++)
    if (natter_message_get_id (item_at (self, i)) == id)
      return i - self->n_held;

  return G_MAXUINT;
}

guint
natter_message_model_find_msgid (NatterMessageModel *self,
                                 const char         *msgid)
{
  g_return_val_if_fail (NATTER_IS_MESSAGE_MODEL (self), G_MAXUINT);

  for (guint i = self->n_held; msgid != NULL && i < n_items (self); i++)
    if (g_strcmp0 (natter_message_get_msgid (item_at (self, i)), msgid) == 0)
      return i - self->n_held;

  return G_MAXUINT;
}

void
natter_message_model_set_unread (NatterMessageModel *self,
                                 guint               n_unread)
{
  g_return_if_fail (NATTER_IS_MESSAGE_MODEL (self));

  if (self->first_unread != NULL)
    natter_message_set_first_unread (self->first_unread, FALSE);
  g_clear_object (&self->first_unread);

  if (n_unread == 0 || n_items (self) == 0)
    return;

  /* natterd counts neither events nor our own lines: skip them counting back. */
  for (guint i = n_items (self); i > 0; i--)
    {
      NatterMessage *message = item_at (self, i - 1);

      if (natter_message_is_event (message) || natter_message_get_own (message))
        continue;
      if (--n_unread == 0)
        {
          self->first_unread = g_object_ref (message);
          natter_message_set_first_unread (message, TRUE);
          return;
        }
    }
  /* More unread than loaded: the marker sits above the first one loaded. */
  self->first_unread = g_object_ref (item_at (self, 0));
  natter_message_set_first_unread (self->first_unread, TRUE);
}

gboolean
natter_message_model_get_show_membership (NatterMessageModel *self)
{
  g_return_val_if_fail (NATTER_IS_MESSAGE_MODEL (self), TRUE);
  return !self->hide_membership;
}

void
natter_message_model_set_show_membership (NatterMessageModel *self,
                                          gboolean            show)
{
  g_return_if_fail (NATTER_IS_MESSAGE_MODEL (self));

  self->hide_membership = !show;
  if (show)
    return;

  for (guint position = n_items (self); position > 0; position--)
    {
      guint i = position - 1;

      if (!is_hidden (self, item_at (self, i)))
        continue;
      if (i < self->older->len)
        g_ptr_array_remove_index (self->older, self->older->len - 1 - i);
      else
        g_ptr_array_remove_index (self->newer, i - self->older->len);
      changed (self, i, 1, 0);
      relayout (self, i, i + 1);
    }
}
