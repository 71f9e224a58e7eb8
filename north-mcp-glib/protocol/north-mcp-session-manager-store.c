/* north-mcp-session-manager-store.c: sessions shared through a state store
 *
 * With a shared state store (issue 15) every process sharing it serves
 * every session: a session's record lives in the store, and the processes
 * tell each other on a channel that a session ended or changed (control).
 * What else they send each other (notifications, answers of clients) is
 * north-mcp-session-manager-relay.c's. Without a shared store none of
 * this runs.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <string.h>

#include "north-mcp-error.h"
#include "north-mcp-hex-private.h"
#include "north-mcp-log-throttle-private.h"
#include "north-mcp-random-private.h"
#include "north-mcp-session-manager-impl-private.h"
#include "north-mcp-session-private.h"
#include "north-mcp-session-record-private.h"
#include "north-mcp-store-call-private.h"
#include "north-mcp-util-private.h"

/* Every process subscribes to it: "deleted <id>" ends a session everywhere. */
#define CONTROL_CHANNEL NORTH_MCP_STATE_STORE_PREFIX "sessions"
#define SESSION_KEY_PREFIX NORTH_MCP_STATE_STORE_PREFIX "session:"
/* A used session's record gets a new expiry at most this often. */
#define TOUCH_INTERVAL_US G_USEC_PER_SEC
/* + an identity's digest in hex: the ids of its sessions, each counted
 * until its record expires or is deleted, against max-sessions-per-identity
 * (a counter of the state store: every process counts the same ones). */
#define OWNER_COUNTER_PREFIX NORTH_MCP_STATE_STORE_PREFIX "sessions-of:"
/* What a new session beyond it is told (as when one process alone is
 * over the limit: the transport answers 429). */
#define OWNER_FULL_MESSAGE "Too many sessions of this identity (max-sessions-per-identity reached)"
/* What the client of an edit the store did not take is told (-32603). */
#define UNSTORED_MESSAGE "The session store is unavailable"

gboolean
north_mcp_session_id_is_valid (const char *id)
{
  gsize i;

  if (id == NULL)
    return FALSE;
  for (i = 0; id[i] != '\0'; i++)
    if (i >= 2 * NORTH_MCP_RANDOM_ID_BYTES || !(g_ascii_isdigit (id[i]) || (id[i] >= 'a' && id[i] <= 'f')))
      return FALSE;
  return i == 2 * NORTH_MCP_RANDOM_ID_BYTES;
}

static char *
session_key (const char *id)
{
  return g_strconcat (SESSION_KEY_PREFIX, id, NULL);
}

static guint64
ttl_ms (NorthMcpSessionManager *self)
{
  return (guint64) self->timeout * 1000;
}

/* Where a session counts among the sessions of its identity. */
typedef struct
{
  char                      key[sizeof OWNER_COUNTER_PREFIX + 2 * NORTH_MCP_SESSION_OWNER_DIGEST_LENGTH];
  NorthMcpStateStoreCounter counter;
} OwnerCounter;

/* The counter of @session's identity into @owner, with room for a new
 * session when @joins (max-sessions-per-identity; 0 is no limit) and for
 * none otherwise (a rewrite only moves the session's expiry there).
 * FALSE when the session does not count in the store: anonymous ones
 * (max-sessions covers them, in each process), and every one without a
 * session timeout (a place held for good would never come back once the
 * process that could end it is gone). */
static gboolean
owner_counter (NorthMcpSessionManager *self,
               NorthMcpSession        *session,
               gboolean                joins,
               OwnerCounter           *owner)
{
  guint8 digest[NORTH_MCP_SESSION_OWNER_DIGEST_LENGTH];
  char hex[2 * sizeof digest];

  if (session == NULL || ttl_ms (self) == 0 || north_mcp_session_is_anonymous (session))
    return FALSE;
  north_mcp_session_get_owner_digest (session, digest);
  north_mcp_hex_encode (hex, digest, sizeof digest);
  g_snprintf (owner->key, sizeof owner->key, "%s%.*s", OWNER_COUNTER_PREFIX, (int) sizeof hex, hex);
  owner->counter.key = owner->key;
  owner->counter.limit = !joins ? 0 : self->max_per_owner > 0 ? self->max_per_owner : G_MAXUINT;
  owner->counter.max_bytes = 0;
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* The control channel                                                 */

/* Another process ended a session (DELETE there): drop our copy. */
static void
drop_local (NorthMcpSessionManager *self,
            const char             *id)
{
  NorthMcpSession *session = north_mcp_session_manager_lookup (self, id);
  NorthMcpChannel *standalone;

  if (session == NULL)
    return;
  standalone = north_mcp_session_get_standalone_channel (session);
  if (standalone != NULL)
    north_mcp_channel_close_stream (standalone);
  north_mcp_session_manager_close (self, session);
}

static void reload_local (NorthMcpSessionManager *self, const char *id);

/* Another process ended or changed a session we have a copy of. */
static void
on_control_message (const char *channel,
                    GBytes     *message,
                    gpointer    user_data)
{
  NorthMcpSessionManager *self = user_data;
  char id[NORTH_MCP_SESSION_ID_CHARS + 1];
  NorthMcpSessionControl what = north_mcp_session_control_read (message, id);
  NorthMcpSession *session = what != NORTH_MCP_SESSION_CONTROL_NONE ? north_mcp_session_manager_lookup (self, id)
                                                                     : NULL;

  if (session == NULL)
    return;
  if (what == NORTH_MCP_SESSION_CONTROL_DELETED)
    drop_local (self, id);
  else
    reload_local (self, id);
}

/* ------------------------------------------------------------------ */
/* The store                                                           */

static void save_changed (NorthMcpSession *session, gpointer data);
static void edit_session (NorthMcpSession *session, NorthMcpSessionEdit *edit, gpointer data);

static void
attach_session (NorthMcpSessionManager *self,
                NorthMcpSession        *session)
{
  if (self->store == NULL)
    return;
  north_mcp_session_set_store_funcs (session, save_changed, edit_session,
                                     north_mcp_session_manager_relay, self);
  /* For the events of its resumable streams (transport/). */
  g_object_set_data_full (G_OBJECT (session), NORTH_MCP_SESSION_STATE_STORE_KEY,
                          g_object_ref (self->store), g_object_unref);
}

static void unsaved_free        (gpointer                data);
static void delete_all_unsaved (NorthMcpSessionManager *self);
static void record_work_free   (gpointer                data);

void
north_mcp_session_manager_set_store (NorthMcpSessionManager *self,
                                     NorthMcpStateStore     *store)
{
  GHashTableIter iter;
  gpointer session;

  if (self->store != NULL)
    {
      GHashTableIter watched;
      gpointer id;

      north_mcp_state_store_unsubscribe (self->store, self->control_id);
      north_mcp_state_store_unsubscribe (self->store, self->broadcast_id);
      north_mcp_state_store_unsubscribe (self->store, self->responses_id);
      g_hash_table_iter_init (&watched, self->watched);
      while (g_hash_table_iter_next (&watched, NULL, &id))
        north_mcp_state_store_unsubscribe (self->store, GPOINTER_TO_UINT (id));
    }
  g_hash_table_remove_all (self->watched);
  self->control_id = self->broadcast_id = self->responses_id = 0;
  g_clear_signal_handler (&self->available_id, self->store);
  g_queue_clear_full (&self->unsaved, unsaved_free);
  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, &session))
    {
      north_mcp_session_set_store_funcs (session, NULL, NULL, NULL, NULL);
      g_object_set_data (G_OBJECT (session), NORTH_MCP_SESSION_STATE_STORE_KEY, NULL);
    }
  g_clear_object (&self->store);
  /* Edits waiting their turn: on the copies alone, after the one under way. */
  g_clear_pointer (&self->work, g_hash_table_unref);

  /* The in-process store shares nothing: sessions stay as they were. */
  if (store == NULL || !north_mcp_state_store_is_shared (store))
    return;

  self->store = g_object_ref (store);
  self->work = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, record_work_free);
  self->control_id = north_mcp_state_store_subscribe (store, CONTROL_CHANNEL, on_control_message,
                                                      self, NULL);
  self->broadcast_id = north_mcp_state_store_subscribe (store, NORTH_MCP_SESSION_MANAGER_BROADCAST_CHANNEL,
                                                        north_mcp_session_manager_on_peer_message,
                                                        self, NULL);
  self->responses_id = north_mcp_state_store_subscribe (store, NORTH_MCP_SESSION_MANAGER_RESPONSES_CHANNEL,
                                                        north_mcp_session_manager_on_peer_message,
                                                        self, NULL);
  self->available_id = g_signal_connect_swapped (store, NORTH_MCP_STATE_STORE_SIGNAL_AVAILABLE,
                                                 G_CALLBACK (delete_all_unsaved), self);
}

/* ------------------------------------------------------------------ */
/* Exchanges with the store about one session's record                 */

/* One exchange about session @id. Every call of this file to the store
 * goes out with an Op and comes back in op_done(), which reads the answer
 * the way @sent says and runs @step with it and the manager (NULL once
 * the manager is freed). A step may send the op again; otherwise it ends
 * with the step. */
typedef struct _Op Op;
typedef struct _RecordWork RecordWork;
typedef void (*OpStep) (NorthMcpSessionManager *self,
                        Op                     *op);

struct _Op
{
  NorthMcpSessionManager **alive;
  NorthMcpStateStore      *store;
  char                    *id;
  GTask                   *task;  /* the caller's (save, restore, forget), or NULL */
  OpStep                   step;  /* NULL: no answer awaited */
  NorthMcpStateStoreOp     sent;
  gboolean                 counted; /* an EXPIRE or DELETE of a counted record */
  /* The answer: a boolean, or the value of a GET, or an error. */
  gboolean                 found;
  GBytes                  *value;
  GError                  *error;
  /* restore: the digest of the asking identity. */
  guint8                   user[NORTH_MCP_SESSION_OWNER_DIGEST_LENGTH];
  /* reload, edit: the session's changes when its GET left. */
  guint                    changes;
  /* edit: the change, its session, and how often its record was
   * replaced by another process before it could be. */
  NorthMcpSessionEdit     *edit;
  NorthMcpSession         *edited;
  guint                    overtaken;
  GBytes                  *before; /* the copy's record before the change */
  RecordWork              *work;  /* edit, reload: its record's, while under way */
};

static Op *
op_new (NorthMcpSessionManager *self,
        const char             *id,
        GTask                  *task)
{
  Op *op = g_new0 (Op, 1);

  op->alive = g_rc_box_acquire (self->alive);
  op->store = g_object_ref (self->store);
  op->id = g_strdup (id);
  op->task = task;
  return op;
}

static void
op_free (Op *op)
{
  /* Not stored (the manager is gone): the caller still learns of it. */
  if (op->edit != NULL)
    north_mcp_session_edit_end (op->edited, op->edit, NULL);
  g_clear_object (&op->edited);
  g_rc_box_release (op->alive);
  g_object_unref (op->store);
  g_free (op->id);
  g_clear_object (&op->task);
  g_clear_pointer (&op->value, g_bytes_unref);
  g_clear_pointer (&op->before, g_bytes_unref);
  g_clear_error (&op->error);
  g_free (op);
}

static GCancellable *
op_cancellable (Op *op)
{
  return op->task != NULL ? g_task_get_cancellable (op->task) : NULL;
}

/* Before each call to the store. */
static Op *
op_expect (Op                   *op,
           NorthMcpStateStoreOp  sent,
           OpStep                step)
{
  op->sent = sent;
  op->step = step;
  return op;
}

/* A counted SET of a record: stored (found), kept out by its mode (not
 * found), or refused for the identity's limit (an error). */
static void
op_read_counted (Op     *op,
                 gssize  answer)
{
  op->found = answer == NORTH_MCP_STATE_STORE_COUNTED_STORED;
  if (answer >= NORTH_MCP_STATE_STORE_COUNTED_FULL)
    g_set_error_literal (&op->error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES, OWNER_FULL_MESSAGE);
}

static void
op_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  NorthMcpStateStore *store = NORTH_MCP_STATE_STORE (source);
  Op *op = user_data;
  OpStep step = g_steal_pointer (&op->step);

  g_clear_pointer (&op->value, g_bytes_unref);
  g_clear_error (&op->error);
  switch (op->sent)
    {
    case NORTH_MCP_STATE_STORE_OP_GET:
      op->value = north_mcp_state_store_get_finish (store, result, &op->error);
      break;
    case NORTH_MCP_STATE_STORE_OP_SET:
      op->found = g_async_result_is_tagged (result, north_mcp_state_store_replace_async)
                    ? north_mcp_state_store_replace_finish (store, result, &op->error)
                    : north_mcp_state_store_set_finish (store, result, &op->error);
      break;
    case NORTH_MCP_STATE_STORE_OP_SET_COUNTED:
      op_read_counted (op, north_mcp_state_store_set_counted_finish (store, result, &op->error));
      break;
    case NORTH_MCP_STATE_STORE_OP_EXPIRE:
      op->found = op->counted ? north_mcp_state_store_expire_counted_finish (store, result, &op->error)
                              : north_mcp_state_store_expire_finish (store, result, &op->error);
      break;
    case NORTH_MCP_STATE_STORE_OP_DELETE:
      op->found = op->counted ? north_mcp_state_store_delete_counted_finish (store, result, &op->error)
                              : north_mcp_state_store_delete_finish (store, result, &op->error);
      break;
    case NORTH_MCP_STATE_STORE_OP_PUBLISH:
      op->found = north_mcp_state_store_publish_finish (store, result, &op->error);
      break;
    case NORTH_MCP_STATE_STORE_OP_APPEND:
    case NORTH_MCP_STATE_STORE_OP_REPLAY:
    default:
      g_assert_not_reached ();
    }

  step (*op->alive, op);
  if (op->step == NULL)
    op_free (op);
}

/* The last step of save and forget: the caller learns whether it worked. */
static void
op_return (NorthMcpSessionManager *self,
           Op                     *op)
{
  if (op->error != NULL)
    g_task_return_error (op->task, g_steal_pointer (&op->error));
  else
    g_task_return_boolean (op->task, TRUE);
}

/* The task of save, restore or forget (@tag); NULL when no shared store
 * may hold session @id: then the task has ended at once as if the store
 * had nothing to do (restore: no such session; save, forget: done). */
static GTask *
op_task_new (NorthMcpSessionManager *self,
             const char             *id,
             gpointer                tag,
             GCancellable           *cancellable,
             GAsyncReadyCallback     callback,
             gpointer                user_data)
{
  GTask *task = north_mcp_store_call_new (NULL, cancellable, callback, user_data, tag);

  if (self->store != NULL && north_mcp_session_id_is_valid (id))
    return task;
  if (tag == north_mcp_session_manager_restore_async)
    g_task_return_pointer (task, NULL, NULL);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
  return NULL;
}

/* What is under way for one session's record. Its reloads and its edits
 * each go one at a time: a change made while a GET is out sends that GET
 * again (see reloaded()), so with every one under way at once each change
 * sent all the others again, and a client that sent a session a hundred
 * changes at once cost the store tens of thousands of commands. */
struct _RecordWork
{
  gboolean reloading;    /* by the reload Op that holds it */
  gboolean reload_again; /* the record changed again meanwhile */
  gboolean editing;      /* by the edit Op that holds it */
  gboolean orphaned;     /* its store closed: the Ops that hold it free it */
  GQueue   edits;        /* Op: edits waiting their turn */
};

/* Its store closed (or replaced): the edits waiting their turn still
 * wait for the one under way (their order is the client's), then go on
 * the copy alone; a reload under way is dropped when it comes back. */
static void
record_work_free (gpointer data)
{
  RecordWork *work = data;

  if (work->editing || work->reloading)
    work->orphaned = TRUE;
  else
    g_free (work);
}

static RecordWork *
record_work (NorthMcpSessionManager *self,
             const char             *id)
{
  RecordWork *work = g_hash_table_lookup (self->work, id);

  if (work == NULL)
    {
      work = g_new0 (RecordWork, 1);
      g_hash_table_insert (self->work, g_strdup (id), work);
    }
  return work;
}

/* @op, done with @work, lets go of it: once nothing is under way there,
 * it leaves its manager (alive while it is not orphaned), or is freed. */
static void
record_work_release (Op         *op,
                     RecordWork *work)
{
  if (work->reloading || work->editing || !g_queue_is_empty (&work->edits))
    return;
  if (work->orphaned)
    g_free (work);
  else
    g_hash_table_remove ((*op->alive)->work, op->id);
}

static void
send_record (NorthMcpSessionManager    *self,
             NorthMcpSession           *session,
             NorthMcpStateStoreSetMode  mode,
             Op                        *op,
             OpStep                     step)
{
  g_autofree char *key = session_key (op->id);
  g_autoptr(GBytes) record = NULL;
  OwnerCounter owner;

  attach_session (self, session);
  record = north_mcp_session_record_new (session);
  /* Only a new record takes a place among its identity's sessions. */
  if (owner_counter (self, session, mode == NORTH_MCP_STATE_STORE_SET_ALWAYS, &owner))
    north_mcp_state_store_set_counted_async (self->store, key, record, ttl_ms (self), mode, op->id,
                                             &owner.counter, 1, op_cancellable (op), op_done,
                                             op_expect (op, NORTH_MCP_STATE_STORE_OP_SET_COUNTED, step));
  else
    north_mcp_state_store_set_async (self->store, key, record, ttl_ms (self), mode, op_cancellable (op),
                                     op_done, op_expect (op, NORTH_MCP_STATE_STORE_OP_SET, step));
}

/* Gives the record of @op's session (@session: held here, or NULL) a
 * session timeout more, and its place among its identity's sessions
 * with it. */
static void
send_expire (NorthMcpSessionManager *self,
             NorthMcpSession        *session,
             Op                     *op,
             GCancellable           *cancellable,
             OpStep                  step)
{
  g_autofree char *key = session_key (op->id);
  OwnerCounter owner;

  op->counted = owner_counter (self, session, FALSE, &owner);
  op_expect (op, NORTH_MCP_STATE_STORE_OP_EXPIRE, step);
  if (op->counted)
    north_mcp_state_store_expire_counted_async (self->store, key, ttl_ms (self), op->id, &owner.counter, 1,
                                                cancellable, op_done, op);
  else
    north_mcp_state_store_expire_async (self->store, key, ttl_ms (self), cancellable, op_done, op);
}

/* A new session whose save failed: its counted SET may still run (the
 * store answered too late, or the connection broke after it was sent),
 * and its place among its identity's sessions would then count for a
 * whole session timeout, the identity refused meanwhile. So its record is
 * deleted, again each time the store is back until that is done. At most
 * UNSAVED_MAX wait (the oldest beyond them counts until it expires). */
#define UNSAVED_MAX 256

typedef struct
{
  char         *id;
  OwnerCounter  owner;
} Unsaved;

static void
unsaved_free (gpointer data)
{
  Unsaved *unsaved = data;

  g_free (unsaved->id);
  g_free (unsaved);
}

/* Done unless the store could not be reached: then the next "available". */
static void
unsaved_deleted (NorthMcpSessionManager *self,
                 Op                     *op)
{
  if (self == NULL ||
      g_error_matches (op->error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_UNAVAILABLE))
    return;
  for (GList *l = self->unsaved.head; l != NULL; l = l->next)
    if (strcmp (((Unsaved *) l->data)->id, op->id) == 0)
      {
        unsaved_free (l->data);
        g_queue_delete_link (&self->unsaved, l);
        return;
      }
}

static void
delete_unsaved (NorthMcpSessionManager *self,
                Unsaved                *unsaved)
{
  g_autofree char *key = session_key (unsaved->id);
  Op *op = op_expect (op_new (self, unsaved->id, NULL), NORTH_MCP_STATE_STORE_OP_DELETE, unsaved_deleted);

  op->counted = TRUE;
  unsaved->owner.counter.key = unsaved->owner.key;
  north_mcp_state_store_delete_counted_async (self->store, key, unsaved->id, &unsaved->owner.counter, 1,
                                              NULL, op_done, op);
}

static void
delete_all_unsaved (NorthMcpSessionManager *self)
{
  for (GList *l = self->unsaved.head; l != NULL; l = l->next)
    delete_unsaved (self, l->data);
}

/* The end of a save: what failed (but for the identity's limit, which
 * stored nothing) may be in the store all the same. */
static void
saved (NorthMcpSessionManager *self,
       Op                     *op)
{
  /* Stopped meanwhile (its store closed): nothing to delete there. */
  NorthMcpSession *session = self != NULL && self->store != NULL ? north_mcp_session_manager_lookup (self, op->id)
                                                                 : NULL;
  Unsaved *unsaved;

  if (op->error != NULL && session != NULL &&
      !g_error_matches (op->error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES))
    {
      unsaved = g_new0 (Unsaved, 1);
      if (owner_counter (self, session, FALSE, &unsaved->owner))
        {
          unsaved->id = g_strdup (op->id);
          if (self->unsaved.length >= UNSAVED_MAX)
            unsaved_free (g_queue_pop_head (&self->unsaved));
          g_queue_push_tail (&self->unsaved, unsaved);
          delete_unsaved (self, unsaved);
        }
      else
        g_free (unsaved);
    }
  op_return (self, op);
}

void
north_mcp_session_manager_save_async (NorthMcpSessionManager *self,
                                      NorthMcpSession        *session,
                                      GCancellable           *cancellable,
                                      GAsyncReadyCallback     callback,
                                      gpointer                user_data)
{
  const char *id = north_mcp_session_get_id (session);
  GTask *task = op_task_new (self, id, north_mcp_session_manager_save_async,
                             cancellable, callback, user_data);

  if (task != NULL)
    send_record (self, session, NORTH_MCP_STATE_STORE_SET_ALWAYS, op_new (self, id, task), saved);
}

gboolean
north_mcp_session_manager_save_finish (NorthMcpSessionManager *self,
                                       GAsyncResult           *result,
                                       GError                **error)
{
  return north_mcp_store_call_propagate_boolean (NULL, result, north_mcp_session_manager_save_async, error);
}

/* The new record is stored: the other processes reload it. No record to
 * replace: the session ended elsewhere (a DELETE that reached the store
 * after this request's confirmation), so it does here. A store that
 * refuses the write does so for every request any client sends: said
 * once a minute at most. */
static void
changed_saved (NorthMcpSessionManager *self,
               Op                     *op)
{
  g_autoptr(GBytes) message = NULL;

  if (op->error != NULL)
    NORTH_MCP_LOG_THROTTLED (G_LOG_LEVEL_WARNING, "A session's new log level or subscriptions were not stored: %s",
                             op->error->message);
  else if (!op->found && self != NULL)
    drop_local (self, op->id);
  else if (self != NULL && self->store != NULL)
    {
      message = north_mcp_session_control_new (NORTH_MCP_SESSION_CONTROL_CHANGED, op->id);
      north_mcp_state_store_publish (self->store, CONTROL_CHANNEL, message);
    }
}

/* logging/setLevel, resources/(un)subscribe: every process has to know.
 * Only over the existing record: stored unconditionally, a change brought
 * back a session deleted since its request was confirmed. */
static void
save_changed (NorthMcpSession *session,
              gpointer         data)
{
  NorthMcpSessionManager *self = data;

  send_record (self, session, NORTH_MCP_STATE_STORE_SET_IF_PRESENT,
               op_new (self, north_mcp_session_get_id (session), NULL), changed_saved);
}

/* Edits (north_mcp_session_edit()): logging/setLevel and
 * resources/(un)subscribe are made on the record as stored, read first,
 * and answered once their change is stored. Made on this process's copy
 * alone, a change could miss one that another process stored a moment
 * before (its "changed" message still on the way) and write the record
 * back without it: a client that subscribed to one URI through one
 * replica and then to another through a second lost the first. */

static void edit_read (NorthMcpSessionManager *self,
                       Op                     *op);

static void
end_edit (Op           *op,
          const GError *error)
{
  NorthMcpSessionEdit *edit = g_steal_pointer (&op->edit);
  g_autoptr(NorthMcpSession) session = g_steal_pointer (&op->edited);

  north_mcp_session_edit_end (session, edit, error);
}

/* Without the store (the manager is gone, the store closed, or the copy
 * is no longer the manager's to attach again): on the copy alone. */
static void
edit_copy_alone (Op *op)
{
  g_autoptr(GError) refused = NULL;

  north_mcp_session_edit_apply (op->edited, op->edit, &refused);
  end_edit (op, refused);
}

static void read_for_edit (NorthMcpSessionManager *self,
                           Op                     *op);

/* Edit @op has ended: the next one of its session begins. An answer may
 * free the manager (its data held the server's last reference) or close
 * its store: the work @op holds is then orphaned, still there. */
static void
edit_next (Op *op)
{
  RecordWork *work = g_steal_pointer (&op->work);
  Op *next;

  while ((next = g_queue_pop_head (&work->edits)) != NULL)
    {
      if (!work->orphaned && north_mcp_session_manager_lookup (*op->alive, op->id) == next->edited)
        {
          next->work = work;
          read_for_edit (*op->alive, next);
          return;
        }
      edit_copy_alone (next);
      op_free (next);
    }
  work->editing = FALSE;
  record_work_release (op, work);
}

/* An edit the store did not take (not read, or not written) is not the
 * client's to count on, nor this copy's to serve alone: the other
 * processes would never see it. The copy gets back what it had before
 * the change (a write that failed may still have run: then the record
 * has it, and the client, told it failed, sends it again). */
static void
edit_unstored (NorthMcpSessionManager *self,
               Op                     *op)
{
  g_autoptr(GError) error = g_error_new_literal (NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_UNAVAILABLE,
                                                 UNSTORED_MESSAGE);
  g_autoptr(JsonNode) node = op->before != NULL ? north_mcp_session_record_read_object (op->before) : NULL;

  if (node != NULL && self != NULL && self->store != NULL &&
      north_mcp_session_manager_lookup (self, op->id) == op->edited)
    {
      north_mcp_session_set_store_funcs (op->edited, NULL, NULL, NULL, NULL);
      north_mcp_session_record_apply (op->edited, json_node_get_object (node));
      attach_session (self, op->edited);
    }
  end_edit (op, error);
}

static void
edit_saved (NorthMcpSessionManager *self,
            Op                     *op)
{
  changed_saved (self, op);
  if (op->error != NULL)
    edit_unstored (self, op);
  else
    end_edit (op, NULL);
  edit_next (op);
}

static void
read_for_edit (NorthMcpSessionManager *self,
               Op                     *op)
{
  g_autofree char *key = session_key (op->id);

  op->changes = north_mcp_session_get_changes (op->edited);
  north_mcp_state_store_get_async (self->store, key, NORTH_MCP_SESSION_RECORD_MAX_BYTES, NULL,
                                   op_done, op_expect (op, NORTH_MCP_STATE_STORE_OP_GET, edit_read));
}

static void drop_from_record (NorthMcpSessionManager *self,
                              NorthMcpSession        *session,
                              guint                   dropped);

/* Another process stored the record between this edit's read and its
 * write (its own edit of the session): the edit reads again and is made
 * on what is there now, so that neither change is lost. After
 * EDIT_MAX_OVERTAKEN such turns (processes that keep changing one session
 * at once) it is stored over whatever is there. */
#define EDIT_MAX_OVERTAKEN 8

static void
edit_replaced (NorthMcpSessionManager *self,
               Op                     *op)
{
  if (op->error != NULL || op->found)
    edit_saved (self, op);
  else if (self != NULL && self->store != NULL)
    {
      op->overtaken++;
      read_for_edit (self, op);
    }
  else /* the store closed: replaced or gone, the change stays on the copy */
    {
      end_edit (op, NULL);
      edit_next (op);
    }
}

/* The record as edited, in place of the one read (op->value), keeping
 * its expiry (and its identity's count with it). */
static void
replace_record (NorthMcpSessionManager *self,
                NorthMcpSession        *session,
                Op                     *op)
{
  g_autofree char *key = session_key (op->id);
  g_autoptr(GBytes) record = north_mcp_session_record_new (session);

  north_mcp_state_store_replace_async (self->store, key, record, op->value, NULL, op_done,
                                       op_expect (op, NORTH_MCP_STATE_STORE_OP_SET, edit_replaced));
}

/* The record read: applied, then the change on it, and stored. A record
 * that could not be read (the store is away) refuses the change (but an
 * oversized one, not ours: written over); one that is gone, to nobody:
 * the session ended elsewhere. So does a copy closed meanwhile (it is no longer the
 * manager's to attach again). A change made here while the GET was under
 * way is not in its answer: it is read again. */
static void
edit_read (NorthMcpSessionManager *self,
           Op                     *op)
{
  NorthMcpSession *session = op->edited;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) refused = NULL;
  gboolean gone = op->error == NULL && op->value == NULL;
  gboolean unchanged;
  guint changes, dropped = 0;

  if (self == NULL || self->store == NULL || north_mcp_session_manager_lookup (self, op->id) != session)
    {
      edit_copy_alone (op);
      edit_next (op);
      return;
    }
  if (north_mcp_session_get_changes (session) != op->changes)
    {
      read_for_edit (self, op);
      return;
    }
  if (op->error != NULL &&
      !g_error_matches (op->error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_TOO_LARGE))
    {
      edit_unstored (self, op);
      edit_next (op);
      return;
    }
  node = op->value != NULL ? north_mcp_session_record_read_object (op->value) : NULL;
  north_mcp_session_set_store_funcs (session, NULL, NULL, NULL, NULL);
  if (node != NULL)
    dropped = north_mcp_session_record_apply (session, json_node_get_object (node));
  g_clear_pointer (&op->before, g_bytes_unref); /* read again: overtaken */
  op->before = north_mcp_session_record_new (session);
  changes = north_mcp_session_get_changes (session);
  north_mcp_session_edit_apply (session, op->edit, &refused);
  /* A change that changes nothing (the level the session has, a URI it
   * does not watch) is not written, nor told to every process: a client
   * could send one per request. */
  unchanged = north_mcp_session_get_changes (session) == changes;
  attach_session (self, session);
  if (dropped > 0)
    drop_from_record (self, session, dropped);
  if (refused != NULL || gone || (unchanged && node != NULL))
    {
      end_edit (op, refused);
      if (gone && *op->alive != NULL) /* the answer may free the manager */
        drop_local (*op->alive, op->id);
      edit_next (op);
      return;
    }
  g_clear_error (&op->error);
  if (node != NULL && op->overtaken < EDIT_MAX_OVERTAKEN)
    replace_record (self, session, op);
  else
    send_record (self, session, NORTH_MCP_STATE_STORE_SET_IF_PRESENT, op, edit_saved);
}

static void
edit_session (NorthMcpSession     *session,
              NorthMcpSessionEdit *edit,
              gpointer             data)
{
  NorthMcpSessionManager *self = data;
  Op *op = op_new (self, north_mcp_session_get_id (session), NULL);
  RecordWork *work = record_work (self, op->id);

  op->edit = edit;
  op->edited = g_object_ref (session);
  if (work->editing)
    {
      g_queue_push_tail (&work->edits, op);
      return;
    }
  work->editing = TRUE;
  op->work = work;
  read_for_edit (self, op);
}

/* Subscriptions a record lists and this process could not take (its
 * max-subscription-bytes, or the owner's share of it, is spent) leave the
 * record too, so that no process goes on serving them for the session and
 * none reports the session subscribed to what this one will not notify:
 * the record is
 * rewritten from this copy, and every process reloads it. Said in one
 * line a minute at most, without the URIs (what a client watches is its
 * business). */
static void
drop_from_record (NorthMcpSessionManager *self,
                  NorthMcpSession        *session,
                  guint                   dropped)
{
  NORTH_MCP_LOG_THROTTLED (G_LOG_LEVEL_WARNING,
                           "Session %.8s… lost %u resource subscriptions of its record: max-subscription-bytes, "
                           "or its owner's share of it, is spent in this process",
                           north_mcp_session_get_id (session), dropped);
  save_changed (session, self);
}

static void send_reload (NorthMcpSessionManager *self,
                         NorthMcpSession        *session,
                         RecordWork             *work);

/* Reload @op has ended: another begins if the record changed meanwhile. */
static void
reload_next (Op *op)
{
  RecordWork *work = g_steal_pointer (&op->work);
  NorthMcpSession *session;

  work->reloading = FALSE;
  session = work->reload_again && !work->orphaned ? north_mcp_session_manager_lookup (*op->alive, op->id)
                                                  : NULL;
  work->reload_again = FALSE;
  if (session != NULL)
    {
      work->reloading = TRUE;
      send_reload (*op->alive, session, work);
      return;
    }
  record_work_release (op, work);
}

/* A change made here after the GET left is not in its answer (one
 * connection, in order): applied, that answer undid the change here, and
 * the next one stored the record without it. The GET then goes again,
 * after the change's own write. Once the store is closed (the server
 * stopped) or replaced, the copies no longer follow it: the answer is
 * dropped. */
static void
reloaded (NorthMcpSessionManager *self,
          Op                     *op)
{
  NorthMcpSession *session = !op->work->orphaned ? north_mcp_session_manager_lookup (self, op->id) : NULL;
  g_autoptr(JsonNode) node = NULL;
  guint dropped = 0;

  if (session != NULL && north_mcp_session_get_changes (session) != op->changes)
    {
      send_reload (self, session, g_steal_pointer (&op->work));
      return;
    }
  node = session != NULL && op->value != NULL ? north_mcp_session_record_read_object (op->value) : NULL;
  if (node != NULL)
    {
      north_mcp_session_set_store_funcs (session, NULL, NULL, NULL, NULL);
      dropped = north_mcp_session_record_apply (session, json_node_get_object (node));
      attach_session (self, session);
      g_debug ("Session %.8s… reloaded: its record changed", op->id);
      if (dropped > 0)
        drop_from_record (self, session, dropped);
    }
  reload_next (op);
}

static void
send_reload (NorthMcpSessionManager *self,
             NorthMcpSession        *session,
             RecordWork             *work)
{
  const char *id = north_mcp_session_get_id (session);
  g_autofree char *key = session_key (id);
  Op *op = op_new (self, id, NULL);

  op->work = work;
  op->changes = north_mcp_session_get_changes (session);
  north_mcp_state_store_get_async (self->store, key, NORTH_MCP_SESSION_RECORD_MAX_BYTES, NULL,
                                   op_done, op_expect (op, NORTH_MCP_STATE_STORE_OP_GET, reloaded));
}

/* The record of session @id changed: read it again, once it is read. */
static void
reload_local (NorthMcpSessionManager *self,
              const char             *id)
{
  RecordWork *work = record_work (self, id);

  if (work->reloading)
    work->reload_again = TRUE;
  else
    {
      work->reloading = TRUE;
      send_reload (self, north_mcp_session_manager_lookup (self, id), work);
    }
}

/* The record, or a copy restored here meanwhile by another request,
 * becomes this request's session if the asking identity owns it. */
static void
restored (NorthMcpSessionManager *self,
          Op                     *op)
{
  g_autoptr(NorthMcpSession) session = NULL;
  NorthMcpSession *existing;
  guint dropped;

  if (g_error_matches (op->error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_TOO_LARGE))
    {
      /* Not a record we wrote: as good as none. Any client that names
       * the session gets here: throttled. */
      NORTH_MCP_LOG_THROTTLED (G_LOG_LEVEL_WARNING,
                               "Ignoring an oversized session record in the state store");
      g_clear_error (&op->error);
    }
  if (op->error != NULL)
    {
      g_task_return_error (op->task, g_steal_pointer (&op->error));
      return;
    }
  if (g_task_return_error_if_cancelled (op->task))
    return;
  /* Freed, or stopped (its store closed): no copy to make. */
  if (self == NULL || self->store == NULL)
    {
      g_task_return_new_error (op->task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The server is gone");
      return;
    }

  existing = north_mcp_session_manager_lookup (self, op->id);
  if (existing != NULL)
    session = g_object_ref (existing);
  else if (op->value != NULL)
    session = north_mcp_session_record_read (op->id, op->value);

  /* Someone else's session does not exist for this user. */
  if (session == NULL || !north_mcp_session_has_owner_digest (session, op->user))
    {
      g_task_return_pointer (op->task, NULL, NULL);
      return;
    }

  if (existing == NULL)
    {
      if (north_mcp_session_manager_is_full (self))
        {
          g_task_return_new_error (op->task, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                                   "Too many sessions in this process");
          return;
        }
      attach_session (self, session);
      dropped = north_mcp_session_manager_insert (self, session);
      if (dropped > 0)
        drop_from_record (self, session, dropped);
    }

  g_task_return_pointer (op->task, g_steal_pointer (&session), g_object_unref);
}

/* No record (after an EXPIRE or a GET): the session ended elsewhere
 * (expired, or deleted while this process missed the message or before it
 * arrived): so it does here. Unavailable: the next use tries again. */
static void
touched (NorthMcpSessionManager *self,
         Op                     *op)
{
  gboolean gone = op->sent == NORTH_MCP_STATE_STORE_OP_GET ? op->value == NULL : !op->found;

  if (gone && op->error == NULL && self != NULL)
    drop_local (self, op->id);
}

/* The copy held here was confirmed, or its record is gone: it ended
 * elsewhere. While the store cannot say, the copy serves. */
static void
confirmed (NorthMcpSessionManager *self,
           Op                     *op)
{
  touched (self, op);
  g_clear_error (&op->error);
  g_clear_pointer (&op->value, g_bytes_unref);
  restored (self, op);
}

void
north_mcp_session_manager_restore_async (NorthMcpSessionManager *self,
                                         const char             *id,
                                         NorthMcpUser           *user,
                                         GCancellable           *cancellable,
                                         GAsyncReadyCallback     callback,
                                         gpointer                user_data)
{
  GTask *task = op_task_new (self, id, north_mcp_session_manager_restore_async,
                             cancellable, callback, user_data);
  g_autofree char *key = NULL;
  NorthMcpSession *held;
  OpStep step;
  Op *op;

  if (task == NULL)
    return;
  op = op_new (self, id, task);
  north_mcp_session_owner_digest (user, op->user);
  key = session_key (id);
  held = north_mcp_session_manager_lookup (self, id);
  step = held != NULL ? confirmed : restored;
  /* PERSIST (a timeout of 0) cannot tell a record without expiry from
   * none: then the record is read. */
  if (step == confirmed && ttl_ms (self) > 0)
    send_expire (self, held, op, cancellable, step);
  else
    north_mcp_state_store_get_async (self->store, key, NORTH_MCP_SESSION_RECORD_MAX_BYTES, cancellable,
                                     op_done, op_expect (op, NORTH_MCP_STATE_STORE_OP_GET, step));
}

NorthMcpSession *
north_mcp_session_manager_restore_finish (NorthMcpSessionManager *self,
                                          GAsyncResult           *result,
                                          GError                **error)
{
  return north_mcp_store_call_propagate_pointer (NULL, result, north_mcp_session_manager_restore_async, error);
}

/* The record is gone (or was already): every process drops its copy. */
static void
forget_deleted (NorthMcpSessionManager *self,
                Op                     *op)
{
  g_autoptr(GBytes) message = NULL;

  if (op->error != NULL)
    {
      op_return (self, op);
      return;
    }
  message = north_mcp_session_control_new (NORTH_MCP_SESSION_CONTROL_DELETED, op->id);
  north_mcp_state_store_publish_async (op->store, CONTROL_CHANNEL, message, op_cancellable (op),
                                       op_done, op_expect (op, NORTH_MCP_STATE_STORE_OP_PUBLISH, op_return));
}

void
north_mcp_session_manager_forget_async (NorthMcpSessionManager *self,
                                        NorthMcpSession        *session,
                                        GCancellable           *cancellable,
                                        GAsyncReadyCallback     callback,
                                        gpointer                user_data)
{
  const char *id = north_mcp_session_get_id (session);
  GTask *task = op_task_new (self, id, north_mcp_session_manager_forget_async,
                             cancellable, callback, user_data);
  g_autofree char *key = NULL;
  OwnerCounter owner;
  Op *op;

  if (task == NULL)
    return;
  key = session_key (id);
  op = op_expect (op_new (self, id, task), NORTH_MCP_STATE_STORE_OP_DELETE, forget_deleted);
  /* Its place among its identity's sessions is free at once. */
  op->counted = owner_counter (self, session, FALSE, &owner);
  if (op->counted)
    north_mcp_state_store_delete_counted_async (self->store, key, id, &owner.counter, 1, cancellable,
                                                op_done, op);
  else
    north_mcp_state_store_delete_async (self->store, key, cancellable, op_done, op);
}

gboolean
north_mcp_session_manager_forget_finish (NorthMcpSessionManager *self,
                                         GAsyncResult           *result,
                                         GError                **error)
{
  return north_mcp_store_call_propagate_boolean (NULL, result, north_mcp_session_manager_forget_async, error);
}

void
north_mcp_session_manager_touch (NorthMcpSessionManager *self,
                                 NorthMcpSession        *session)
{
  const char *id = north_mcp_session_get_id (session);
  gint64 now = g_get_monotonic_time ();
  gint64 last = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (session), "north-mcp-store-touched"));

  if (self->store == NULL || ttl_ms (self) == 0 || !north_mcp_session_id_is_valid (id))
    return;
  /* At most a tenth of the timeout late, so that the record does not end
   * noticeably before the copies of the processes that use it. */
  if (last != 0 && now - last < MIN (TOUCH_INTERVAL_US, (gint64) ttl_ms (self) * 100))
    return;

  g_object_set_data (G_OBJECT (session), "north-mcp-store-touched", GSIZE_TO_POINTER ((gsize) now));
  send_expire (self, session, op_new (self, id, NULL), NULL, touched);
}
