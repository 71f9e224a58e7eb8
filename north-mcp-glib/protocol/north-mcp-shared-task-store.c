/* north-mcp-shared-task-store.c: task records in a state store shared by
 * replicas (issue 15)
 *
 * A record lives under "north-mcp:task:<taskId>" as {"owner":…,"record":…}
 * for its ttlMs. Terminal records are written once, with SET NX, under
 * "north-mcp:task-final:<taskId>", and reads prefer that key: whichever
 * replica ends a task first (the handler's completion, or a cancel on any
 * replica) decides its final state, and a late update of the running
 * state can no longer hide it. The running record then becomes a stub,
 * {"owner":…,"ended":true}: it no longer keeps a copy of the task (nor
 * its bytes in the counters below), and it never shows the task running
 * again once the final record has expired. A read that finds the stub
 * reads the final record again (it was written just before). An update
 * reads the final record again after its write: a task that ended between
 * the update's read and its write gets its stub back (the ending replica
 * writes the final record before the stub, so one of the two sees the
 * other), and the update is told the task has ended.
 *
 * The store expires records by itself, and counts them too: Redis would
 * keep whatever clients ask for, up to its memory, so every write is a
 * counted SET (north_mcp_state_store_set_counted_async()) that counts the
 * task id in "north-mcp:task-quota:<digest of the owner>" and in
 * "north-mcp:task-quota" until the record expires. A create joins both
 * within the limits, in the same atomic step as its SET NX; an update
 * moves the task's expiry in both, and rewrites the running record only
 * while it is there (SET XX), so one that expired since it was read is
 * not stored again outside the counters; a final record written as its
 * task expires joins them again, within the limits, or is not stored. So
 * the limits hold for all replicas together, survive a replica's restart,
 * and a create whose answer was lost (Redis too slow, the connection
 * dropped) is counted exactly when its record was stored: nothing here
 * keeps or gives back a slot.
 *
 * A running record also names the process that runs its handler (a
 * random id, "runner" beside "owner"), which keeps a lease under
 * "north-mcp:task-runner:<id>": renewed by each sweep of the task layer
 * (one SET per process, however many tasks it runs) and before a
 * running record is written if the sweep has not lately. A get that
 * reads a running record whose process's lease lapsed (killed: nothing
 * else would say so until the record expires) answers the task failed
 * and writes that as its final record, as a cancel does (the first to
 * end a task decides); a get costs one more read while a task runs.
 *
 * So a process whose lease lapsed must not run those handlers on: once
 * written, its lease is only renewed where it still is (SET XX, one
 * round trip, atomic), never written again, and the process takes it as
 * lost when a renewal finds it gone (expired while the process was cut
 * off, or a Redis that restarted empty) or when no renewal succeeded for
 * the time of the lease since it was sent (monotonic clock: Redis
 * expires it no sooner). It then says so (the "lease-lost" signal: the
 * task layer stops the handlers of its running tasks), and the tasks
 * that start later name a new id, whose lease the next write creates; a
 * write under way keeps naming the lost one.
 *
 * The same counters add up the records' bytes (both records of a task,
 * each until it expires; a rewrite replaces its record's size, so an
 * ended task counts its final record and a stub), within a byte limit per
 * owner and one in all, on every write: a limit on the number of records
 * alone would let one user fill Redis with large results, and a Redis at
 * its maxmemory refuses every write, sessions included, for every
 * replica. Ending a task never needs room, though: a final record at most
 * NORTH_MCP_TASK_STORE_END_SLACK bytes larger than the running record it
 * replaces (a cancel's, or the small failed record of a result that did
 * not fit) is counted but never refused, since the stub that follows
 * gives the running record's bytes back. So an owner may go past its
 * limit by that much per task it ends, at most.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-error.h"
#include "north-mcp-json-reader-private.h"
#include "north-mcp-json-writer-private.h"
#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-log-private.h"
#include "north-mcp-log-throttle-private.h"
#include "north-mcp-session-manager-private.h"
#include "north-mcp-task-private.h"
#include "north-mcp-task-store-private.h"
#include "north-mcp-util-private.h"

#define RECORD_PREFIX NORTH_MCP_STATE_STORE_PREFIX "task:"
#define FINAL_PREFIX NORTH_MCP_STATE_STORE_PREFIX "task-final:"
#define QUOTA_KEY NORTH_MCP_STATE_STORE_PREFIX "task-quota"
#define RUNNER_PREFIX NORTH_MCP_STATE_STORE_PREFIX "task-runner:"
/* What a record read back may be: a result of at most
 * NORTH_MCP_TASK_MAX_RESULT_BYTES, escaped, and the rest. */
#define ENVELOPE_MAX_BYTES (6 * NORTH_MCP_TASK_MAX_RESULT_BYTES + 64 * 1024)
/* Records are our writer's text (north_mcp_json_read_own(): any number of
 * members, as the memory store keeps them), a result of at most
 * NORTH_MCP_TASK_MAX_RESULT_DEPTH levels in a record in the envelope. */
#define ENVELOPE_MAX_DEPTH (NORTH_MCP_TASK_MAX_RESULT_DEPTH + 2)
#define TASK_ID_MAX 128
#define RUNNER_GONE "The server running this task stopped before the task ended"
#define LOGGER "NorthMCP.Tasks"

#define NORTH_MCP_TYPE_SHARED_TASK_STORE (north_mcp_shared_task_store_get_type ())
G_DECLARE_FINAL_TYPE (NorthMcpSharedTaskStore, north_mcp_shared_task_store,
                      NORTH_MCP, SHARED_TASK_STORE, GObject)

struct _NorthMcpSharedTaskStore
{
  GObject             parent_instance;

  NorthMcpStateStore *store;
  guint               max_per_owner;
  guint               max_total;
  guint64             max_bytes_per_owner;
  guint64             max_bytes_total;
  NorthMcpLogThrottle store_warnings; /* of warn_store_error() */
  /* This process, as the running records it writes name it: it lives
   * while "north-mcp:task-runner:<id>" does (its lease). A lease lost is
   * lost for good: the tasks that start later get another id. */
  char               *runner_id;
  char               *runner_key;
  guint64             lease_ms;
  gint64              renewed_at; /* monotonic µs of the last renewal sent, 0: due */
  gboolean            held;       /* a write of the lease succeeded: renewals only renew it */
  guint               epoch;      /* of runner_id: how many leases were lost before */
  GSource            *deadline;   /* when the lease lapses unless a renewal succeeds */
};

enum
{
  SIGNAL_LEASE_LOST,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void north_mcp_shared_task_store_iface_init (NorthMcpTaskStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (NorthMcpSharedTaskStore, north_mcp_shared_task_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (NORTH_MCP_TYPE_TASK_STORE,
                                                      north_mcp_shared_task_store_iface_init))

/* Which store call an operation waits for. */
typedef enum
{
  STAGE_READ_FINAL,     /* GET of the final record */
  STAGE_READ_RUNNING,   /* GET of the running record */
  STAGE_CREATE,         /* counted SET NX of the running record */
  STAGE_WRITE_FINAL,    /* counted SET NX of the final record (renews) */
  STAGE_WRITE_RUNNING,  /* SET XX of the running record (likewise) */
  STAGE_WRITE_STUB,     /* SET XX of the stub after the final record */
  STAGE_RECHECK_FINAL,  /* GET of the final record after an update */
  STAGE_READ_LEASE,     /* GET of the lease of the process running it */
  STAGE_DONE,           /* none: the task is answered */
} Stage;

/* One operation: what it works on, and how far it got. */
typedef struct
{
  NorthMcpTaskStoreOp  kind;
  char                *owner;
  char                *task_id;
  JsonObject          *record;   /* to write */
  char                *quota;    /* the owner's counter */
  Stage                stage;
  gsize                running_size;  /* of the running record read */
  gboolean             reread;   /* the final record, after a stub */
  gboolean             overtaken; /* ended while this update was written */
  char                *runner;   /* get: the process running it, as read */
  /* The id of this process when the operation began, which its running
   * record names: a lease lost meanwhile must not pass to a task whose
   * handler was stopped for it. */
  char                *writer;
} Op;

static void
op_free (Op *op)
{
  g_free (op->owner);
  g_free (op->quota);
  g_free (op->task_id);
  g_free (op->runner);
  g_free (op->writer);
  g_clear_pointer (&op->record, json_object_unref);
  g_free (op);
}

/* Task ids are the server's (random); a client's id of another form is
 * just unknown, and never reaches the store. */
static gboolean
task_id_is_valid (const char *id)
{
  gsize i;

  if (id == NULL)
    return FALSE;
  for (i = 0; id[i] != '\0'; i++)
    if (i >= TASK_ID_MAX || !(g_ascii_isalnum (id[i]) || id[i] == '-' || id[i] == '_'))
      return FALSE;
  return i > 0;
}

static void
return_unknown (GTask *task)
{
  g_task_return_new_error (task, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT, "Unknown task");
}

/* A command Redis refused (out of memory, a replica made read-only …) is
 * the operator's to see, not the client's: its text names the store's
 * internals. The connection's own warnings cover an unreachable store;
 * this says the rest, once a minute at most. */
static void
warn_store_error (NorthMcpSharedTaskStore *self,
                  const GError            *error)
{
  g_autofree char *more = NULL;
  guint skipped;

  if (!g_error_matches (error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_INVALID) ||
      !north_mcp_log_throttle_pass (&self->store_warnings, &skipped))
    return;
  more = north_mcp_log_throttle_more (skipped);
  north_mcp_log_warning (LOGGER, "The task store failed a command: %s%s", error->message, more);
}

static void
return_store_error (GTask  *task,
                    GError *error)
{
  warn_store_error (g_task_get_source_object (task), error);
  /* The task layer answers it as it is (a clear message), and tells it
   * from a limit's refusal (FAILED): a running task goes on, its record
   * written again later. */
  g_task_return_new_error (task, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_UNAVAILABLE,
                           "The task store is unavailable");
  g_error_free (error);
}

static char *
key_for (const char *prefix,
         const char *task_id)
{
  return g_strconcat (prefix, task_id, NULL);
}

/* The counter of @owner's tasks: owners are digests already, but any
 * string makes a valid key of bounded length so. */
static char *
quota_key_for (const char *owner)
{
  g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, owner, -1);

  return g_strconcat (QUOTA_KEY ":", digest, NULL);
}

/* The counters of @owner's tasks (@quota) and of all, with the limits a
 * create checks. */
static void
counters_init (NorthMcpSharedTaskStore   *self,
               const char                *quota,
               NorthMcpStateStoreCounter  counters[2])
{
  counters[0] = (NorthMcpStateStoreCounter) { quota, self->max_per_owner, self->max_bytes_per_owner };
  counters[1] = (NorthMcpStateStoreCounter) { QUOTA_KEY, self->max_total, self->max_bytes_total };
}

/* @runner: the process whose handler runs the task (a running record),
 * or NULL. */
static GBytes *
envelope_new (const char *owner,
              const char *runner,
              JsonObject *record)
{
  GString *out = g_string_new ("{\"owner\":");

  north_mcp_json_write_string (out, owner);
  if (runner != NULL)
    {
      g_string_append (out, ",\"runner\":");
      north_mcp_json_write_string (out, runner);
    }
  g_string_append (out, ",\"record\":");
  north_mcp_json_write_object (out, record);
  g_string_append_c (out, '}');
  return g_string_free_to_bytes (out);
}

/* What stands in for the running record of an ended task. */
static GBytes *
stub_new (const char *owner)
{
  GString *out = g_string_new ("{\"owner\":");

  north_mcp_json_write_string (out, owner);
  g_string_append (out, ",\"ended\":true}");
  return g_string_free_to_bytes (out);
}

/* The record of @owner's task @task_id in @envelope (a new reference),
 * or NULL when it is someone else's or not one of ours: clients get it as
 * it is, so it must at least be the task they asked for, with a status
 * they know. @ended: whether it is @owner's stub instead; @runner: the
 * process that runs it, when the envelope names a valid one. */
static JsonObject *
envelope_read (GBytes      *envelope,
               const char  *owner,
               const char  *task_id,
               gboolean    *ended,
               char       **runner)
{
  g_autoptr(JsonNode) node = NULL;
  JsonObject *object, *record;
  gsize length = 0;
  const char *data = g_bytes_get_data (envelope, &length);

  *ended = FALSE;
  node = north_mcp_json_read_own (data, length, ENVELOPE_MAX_DEPTH, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  object = json_node_get_object (node);
  if (g_strcmp0 (north_mcp_object_get_string (object, "owner"), owner) != 0)
    return NULL;
  /* Made a key: as safe as a task id. */
  if (task_id_is_valid (north_mcp_object_get_string (object, "runner")))
    *runner = g_strdup (north_mcp_object_get_string (object, "runner"));
  record = north_mcp_object_get_object (object, "record");
  *ended = record == NULL && json_object_get_size (object) == 2 &&
           north_mcp_object_get_node (object, "ended", JSON_NODE_VALUE) != NULL;
  if (record == NULL ||
      g_strcmp0 (north_mcp_object_get_string (record, "taskId"), task_id) != 0 ||
      !north_mcp_task_status_is_known (north_mcp_object_get_string (record, "status")))
    return NULL;
  return json_object_ref (record);
}

/* Whether envelope_read() could read @envelope back: a record it could
 * not (larger than a read takes; one nested deeper the task store
 * interface refuses before) would be an unknown task on every read until
 * it expired. Read as a read does, so the two cannot disagree. */
static gboolean
envelope_is_readable (GBytes *envelope)
{
  g_autoptr(JsonNode) node = NULL;
  gsize length = 0;
  const char *data = g_bytes_get_data (envelope, &length);

  if (length > ENVELOPE_MAX_BYTES)
    return FALSE;
  node = north_mcp_json_read_own (data, length, ENVELOPE_MAX_DEPTH, NULL);
  return node != NULL;
}

/* ---- the lease of this process ---- */

/* The running records that name this process now name a process without
 * a lease: other replicas fail those tasks when they read them. Their
 * handlers here are stopped (the task layer listens), and the tasks that
 * start later get a new id, whose lease the next write creates. */
static void
lose_lease (NorthMcpSharedTaskStore *self)
{
  self->epoch++;
  self->held = FALSE;
  self->renewed_at = 0;
  g_source_set_ready_time (self->deadline, -1);
  g_free (self->runner_id);
  g_free (self->runner_key);
  self->runner_id = north_mcp_task_random_id ();
  self->runner_key = key_for (RUNNER_PREFIX, self->runner_id);
  g_signal_emit (self, signals[SIGNAL_LEASE_LOST], 0);
}

/* No renewal succeeded for the time of the lease since it was sent (the
 * store expires it that long after it got it, no sooner): it may be gone
 * now, whatever Redis says once it answers again. */
static gboolean
lease_lapsed (gpointer user_data)
{
  lose_lease (user_data);
  return G_SOURCE_CONTINUE;
}

/* A renewal of the lease under way: which lease, and since when. */
typedef struct
{
  NorthMcpSharedTaskStore *self;
  guint                    epoch;
  gint64                   sent_at;
} Renewal;

static void
lease_renewed (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Renewal *renewal = user_data;
  g_autoptr(NorthMcpSharedTaskStore) self = renewal->self;
  g_autoptr(GError) error = NULL;
  gboolean stored = north_mcp_state_store_set_finish (NORTH_MCP_STATE_STORE (source), result, &error);
  gint64 sent_at = renewal->sent_at;
  gboolean current = renewal->epoch == self->epoch;

  g_free (renewal);
  /* A lease lost already: another id since. */
  if (!current)
    return;
  /* The next sweep tries again: the lease outlasts a few of them. But
   * a lease never written (the first, refused) is not there until then:
   * the next running record renews it first (its write goes after). */
  if (error != NULL)
    {
      warn_store_error (self, error);
      self->renewed_at = 0;
    }
  /* Renewed only where it was (SET XX): gone (expired while this
   * process was cut off, or a Redis that restarted empty). */
  else if (!stored)
    lose_lease (self);
  else
    {
      self->held = TRUE;
      g_source_set_ready_time (self->deadline, sent_at + (gint64) self->lease_ms * 1000);
    }
}

/* One write, however many tasks run here: their records name this
 * process, which lives as long as its lease. Once written, the lease is
 * only renewed where it still is (SET XX, atomic: one round trip), never
 * written again: a lease that lapsed may have had its tasks failed. */
static void
renew_lease (NorthMcpSharedTaskStore *self)
{
  g_autoptr(GBytes) alive = g_bytes_new_static ("1", 1);
  Renewal *renewal = g_new0 (Renewal, 1);

  renewal->self = g_object_ref (self);
  renewal->epoch = self->epoch;
  renewal->sent_at = self->renewed_at = g_get_monotonic_time ();
  /* Where the renewals answer. */
  if (self->deadline == NULL)
    self->deadline = north_mcp_deadline_source_new (g_main_context_get_thread_default (),
                                                    "NorthMcpSharedTaskStore lease", lease_lapsed, self);
  /* A new lease runs out as well when no write of it succeeds. */
  if (!self->held && g_source_get_ready_time (self->deadline) < 0)
    g_source_set_ready_time (self->deadline, renewal->sent_at + (gint64) self->lease_ms * 1000);
  north_mcp_state_store_set_async (self->store, self->runner_key, alive, self->lease_ms,
                                   self->held ? NORTH_MCP_STATE_STORE_SET_IF_PRESENT
                                              : NORTH_MCP_STATE_STORE_SET_ALWAYS,
                                   NULL, lease_renewed, renewal);
}

/* Before a running record is written: a lease that the sweep did not
 * renew lately (none yet, say; or its last write failed) is renewed
 * first (the same connection carries both, in order), so that no reader
 * finds the record without it. At most once per third of the lease. */
static void
renew_lease_if_stale (NorthMcpSharedTaskStore *self)
{
  if (self->renewed_at == 0 ||
      g_get_monotonic_time () - self->renewed_at >= (gint64) self->lease_ms * 1000 / 3)
    renew_lease (self);
}

/* The store is back (reconnected): it may have lost the lease (a Redis
 * that restarted empty, and the records with it): better known before
 * the next sweep. */
static void
store_available (NorthMcpSharedTaskStore *self)
{
  renew_lease (self);
}

/* ---- the steps of an operation ---- */

static void step (GObject *source, GAsyncResult *result, gpointer user_data);

/* Whether @stage reads (a GET), else it writes (a counted SET). */
static gboolean
stage_is_read (Stage stage)
{
  return stage == STAGE_READ_FINAL || stage == STAGE_READ_RUNNING || stage == STAGE_RECHECK_FINAL ||
         stage == STAGE_READ_LEASE;
}

/* Starts the store call of @stage, reading a record or writing
 * op->record (the final one once: whoever ends the task first decides;
 * then the stub in place of the running one); takes @task. */
static void
call (GTask *task,
      Stage  stage)
{
  NorthMcpSharedTaskStore *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  gboolean final = stage == STAGE_READ_FINAL || stage == STAGE_WRITE_FINAL || stage == STAGE_RECHECK_FINAL;
  g_autofree char *key = stage == STAGE_READ_LEASE ? key_for (RUNNER_PREFIX, op->runner)
                                                   : key_for (final ? FINAL_PREFIX : RECORD_PREFIX, op->task_id);
  g_autoptr(GBytes) envelope = NULL;
  NorthMcpStateStoreCounter counters[2];
  gboolean rewrite;

  op->stage = stage;
  if (stage_is_read (stage))
    {
      north_mcp_state_store_get_async (self->store, key, ENVELOPE_MAX_BYTES, g_task_get_cancellable (task),
                                       step, task);
      return;
    }
  /* A running record names this process, whose handler runs it (by its
   * id when the operation began). */
  envelope = stage == STAGE_WRITE_STUB ? stub_new (op->owner)
             : envelope_new (op->owner, final ? NULL : op->writer, op->record);
  /* Refused like a record over the byte limits: the task layer ends the
   * task with a small failed record instead. */
  if (stage != STAGE_WRITE_STUB && !envelope_is_readable (envelope))
    {
      g_task_return_new_error (task, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                               "The task's record cannot be stored: more than %d bytes", ENVELOPE_MAX_BYTES);
      g_object_unref (task);
      return;
    }
  rewrite = stage == STAGE_WRITE_RUNNING || stage == STAGE_WRITE_STUB;
  /* A create adds the task to the counters within the limits, and so
   * does the final record of a task that left them (expired since it was
   * read: written once, it would live on uncounted); for a task counted,
   * either moves its expiry. A rewrite of the running record only moves
   * it (a limit of 0; SET XX keeps an expired one out). Every write
   * fits in the byte limits, but the end of a task that needs no more
   * than the slack (G_MAXUINT64: counted, never refused). */
  counters_init (self, op->quota, counters);
  if (rewrite)
    counters[0].limit = counters[1].limit = 0;
  if (stage == STAGE_WRITE_FINAL &&
      g_bytes_get_size (envelope) <= op->running_size + NORTH_MCP_TASK_STORE_END_SLACK)
    counters[0].max_bytes = counters[1].max_bytes = G_MAXUINT64;
  if (stage == STAGE_CREATE || stage == STAGE_WRITE_RUNNING)
    renew_lease_if_stale (self);
  north_mcp_state_store_set_counted_async (self->store, key, envelope, north_mcp_task_record_ttl_ms (op->record),
                                           rewrite ? NORTH_MCP_STATE_STORE_SET_IF_PRESENT
                                                   : NORTH_MCP_STATE_STORE_SET_IF_ABSENT,
                                           op->task_id, counters, G_N_ELEMENTS (counters),
                                           g_task_get_cancellable (task), step, task);
}

/* A get answers op->record as the store has it, its stage after it was
 * written (or could not be). */
static Stage
return_read (GTask *task,
             Op    *op)
{
  g_task_return_pointer (task, g_steal_pointer (&op->record), (GDestroyNotify) json_object_unref);
  return STAGE_DONE;
}

/* After the lease of the process that runs the task was read (@alive:
 * it is there): its record as it is, or, once the lease lapsed, failed;
 * written back as the final record (once: whoever ends the task first
 * decides). A process killed cannot say so: nothing else would show
 * that its handler stopped until the record expires. */
static Stage
after_lease (GTask    *task,
             Op       *op,
             gboolean  alive)
{
  if (alive)
    return return_read (task, op);
  north_mcp_task_record_set_failed (op->record, NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR, RUNNER_GONE);
  json_object_set_string_member (op->record, "statusMessage", RUNNER_GONE);
  return STAGE_WRITE_FINAL;
}

/* What comes after reading @envelope (NULL: none), by operation: the
 * stage to go on with, or STAGE_DONE once @task is answered. No final
 * record yet: the running one is current; its stub: the final one is
 * there now (read it again), or expired. */
static Stage
after_read (GTask  *task,
            Op     *op,
            GBytes *envelope)
{
  gboolean final = op->stage == STAGE_READ_FINAL, ended = FALSE;
  g_autoptr(JsonObject) record = NULL;
  g_autofree char *runner = NULL;

  if (op->stage == STAGE_RECHECK_FINAL)
    {
      op->overtaken = envelope != NULL;
      if (op->overtaken)
        return STAGE_WRITE_STUB;
      g_task_return_boolean (task, TRUE);
      return STAGE_DONE;
    }
  if (op->stage == STAGE_READ_LEASE)
    return after_lease (task, op, envelope != NULL);
  record = envelope != NULL ? envelope_read (envelope, op->owner, op->task_id, &ended, &runner) : NULL;
  if (envelope == NULL && final && !op->reread)
    return STAGE_READ_RUNNING;
  if (ended && !op->reread)
    {
      op->reread = TRUE;
      return STAGE_READ_FINAL;
    }
  if (!final && envelope != NULL)
    op->running_size = g_bytes_get_size (envelope);
  if (record == NULL)
    return_unknown (task);
  else if (op->kind == NORTH_MCP_TASK_STORE_OP_GET && !final && runner != NULL &&
           !north_mcp_task_status_is_terminal (north_mcp_object_get_string (record, "status")))
    {
      /* Running: as long as the process that runs it does. */
      op->record = g_steal_pointer (&record);
      op->runner = g_steal_pointer (&runner);
      return STAGE_READ_LEASE;
    }
  else if (op->kind == NORTH_MCP_TASK_STORE_OP_GET)
    g_task_return_pointer (task, g_steal_pointer (&record), (GDestroyNotify) json_object_unref);
  else if (op->kind == NORTH_MCP_TASK_STORE_OP_CANCEL && final)
    g_task_return_boolean (task, TRUE);
  else if (op->kind == NORTH_MCP_TASK_STORE_OP_CANCEL)
    {
      north_mcp_task_record_set_cancelled (record);
      g_clear_pointer (&op->record, json_object_unref);
      op->record = g_steal_pointer (&record);
      return STAGE_WRITE_FINAL;
    }
  else if (final)
    g_task_return_new_error (task, NORTH_MCP_ERROR, NORTH_MCP_ERROR_CLOSED, "The task has ended");
  else
    return north_mcp_task_status_is_terminal (north_mcp_object_get_string (op->record, "status")) ?
           STAGE_WRITE_FINAL : STAGE_WRITE_RUNNING;
  return STAGE_DONE;
}

/* Answers @task with the limit's refusal when @counted says a counter of
 * counters_init() was full; FALSE (nothing answered) otherwise. */
static gboolean
return_full (GTask                     *task,
             NorthMcpStateStoreCounted  counted)
{
  NorthMcpSharedTaskStore *self = g_task_get_source_object (task);

  if (counted == NORTH_MCP_STATE_STORE_COUNTED_FULL)
    g_task_return_new_error (task, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                             "Too many tasks for this user (at most %u); wait for some to end", self->max_per_owner);
  else if (counted == NORTH_MCP_STATE_STORE_COUNTED_FULL + 1)
    g_task_return_new_error (task, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                             "Too many tasks on this server (at most %u); try again later", self->max_total);
  else
    return FALSE;
  return TRUE;
}

/* What comes after a write (@counted: what it did), likewise. */
static Stage
after_write (GTask                     *task,
             Op                        *op,
             NorthMcpStateStoreCounted  counted)
{
  NorthMcpSharedTaskStore *self = g_task_get_source_object (task);
  gboolean done = counted == NORTH_MCP_STATE_STORE_COUNTED_STORED;

  if (op->stage == STAGE_WRITE_FINAL && done)
    return STAGE_WRITE_STUB;
  /* A get that failed a task whose process stopped: that, unless
   * another ended it first (read that then). */
  if (op->kind == NORTH_MCP_TASK_STORE_OP_GET && op->stage == STAGE_WRITE_STUB)
    return return_read (task, op);
  if (op->kind == NORTH_MCP_TASK_STORE_OP_GET)
    {
      op->reread = TRUE;
      return STAGE_READ_FINAL;
    }
  if (op->stage == STAGE_WRITE_RUNNING && done)
    return STAGE_RECHECK_FINAL;
  /* The final record is written: whatever became of the stub (the
   * running record may have expired meanwhile; reads prefer the final
   * one). */
  if (op->stage == STAGE_WRITE_STUB && op->overtaken)
    g_task_return_new_error (task, NORTH_MCP_ERROR, NORTH_MCP_ERROR_CLOSED, "The task has ended");
  else if (op->stage == STAGE_WRITE_STUB)
    g_task_return_boolean (task, TRUE);
  if (op->stage == STAGE_WRITE_STUB)
    return STAGE_DONE;
  /* No room for the record's bytes: the task layer fails the task with a
   * small record then. */
  if (counted >= NORTH_MCP_STATE_STORE_COUNTED_OVER_BYTES)
    {
      if (counted == NORTH_MCP_STATE_STORE_COUNTED_OVER_BYTES)
        g_task_return_new_error (task, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                                 "Too much task data for this user (at most %" G_GUINT64_FORMAT
                                 " bytes); wait for some tasks to expire", self->max_bytes_per_owner);
      else
        g_task_return_new_error (task, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                                 "The server's task storage is full (%" G_GUINT64_FORMAT " bytes); try again later",
                                 self->max_bytes_total);
      return STAGE_DONE;
    }
  if (op->stage == STAGE_WRITE_FINAL && op->kind != NORTH_MCP_TASK_STORE_OP_CANCEL)
    /* Another replica ended it first (a cancel): that stays. */
    g_task_return_new_error (task, NORTH_MCP_ERROR, NORTH_MCP_ERROR_CLOSED, "The task has ended");
  else if (op->stage == STAGE_WRITE_RUNNING && !done)
    /* Expired since it was read. */
    return_unknown (task);
  else if (done || op->stage != STAGE_CREATE)
    /* Written; or cancelling what just ended: nothing to do. */
    g_task_return_boolean (task, TRUE);
  else if (!return_full (task, counted))
    g_task_return_new_error (task, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT, "Bad or duplicate task id");
  return STAGE_DONE;
}

/* The answer of every store call: the one place that goes on with the
 * next call or has answered the task. */
static void
step (GObject      *source,
      GAsyncResult *result,
      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  NorthMcpStateStore *store = NORTH_MCP_STATE_STORE (source);
  GError *error = NULL;
  Stage next;

  if (stage_is_read (op->stage))
    {
      g_autoptr(GBytes) envelope = north_mcp_state_store_get_finish (store, result, &error);

      next = error == NULL ? after_read (task, op, envelope) : STAGE_DONE;
    }
  else
    {
      gssize counted = north_mcp_state_store_set_counted_finish (store, result, &error);

      /* After the final record, the stub's fate changes nothing; a get
       * that could not write a failed record back answers it all the
       * same (the next one tries again). */
      if (error != NULL && op->stage == STAGE_WRITE_STUB)
        {
          warn_store_error (g_task_get_source_object (task), error);
          g_clear_error (&error);
        }
      if (error != NULL && op->kind == NORTH_MCP_TASK_STORE_OP_GET)
        {
          warn_store_error (g_task_get_source_object (task), error);
          g_clear_error (&error);
          next = return_read (task, op);
        }
      else
        next = error == NULL ? after_write (task, op, counted) : STAGE_DONE;
    }
  if (error != NULL)
    return_store_error (task, error);
  else if (next != STAGE_DONE)
    call (g_steal_pointer (&task), next);
}

/* ---- the interface ---- */

static void
admitted (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  gssize counted = north_mcp_state_store_check_room_finish (NORTH_MCP_STATE_STORE (source), result, &error);

  if (error != NULL)
    return_store_error (task, error);
  else if (!return_full (task, counted))
    g_task_return_boolean (task, TRUE);
}

/* The counters a create joins, read: the same limits, the same refusal. */
static void
admit (NorthMcpSharedTaskStore *self,
       const char              *owner,
       GTask                   *task)
{
  g_autofree char *quota = quota_key_for (owner);
  NorthMcpStateStoreCounter counters[2];

  counters_init (self, quota, counters);
  north_mcp_state_store_check_room_async (self->store, counters, G_N_ELEMENTS (counters),
                                          g_task_get_cancellable (task), admitted, g_object_ref (task));
}

static void
shared_run (NorthMcpTaskStore              *store,
            const NorthMcpTaskStoreRequest *request,
            GTask                          *task)
{
  Op *op;

  if (request->op == NORTH_MCP_TASK_STORE_OP_EXPIRE)
    {
      /* The store expires records by itself; the sweep renews the lease
       * of this process instead. */
      renew_lease (NORTH_MCP_SHARED_TASK_STORE (store));
      g_task_return_int (task, 0);
      return;
    }
  if (request->op == NORTH_MCP_TASK_STORE_OP_ADMIT && request->owner != NULL)
    {
      admit (NORTH_MCP_SHARED_TASK_STORE (store), request->owner, task);
      return;
    }
  if (!task_id_is_valid (request->task_id) || request->owner == NULL)
    {
      return_unknown (task);
      return;
    }
  op = g_new0 (Op, 1);
  op->kind = request->op;
  op->owner = g_strdup (request->owner);
  op->task_id = g_strdup (request->task_id);
  op->record = request->record != NULL ? json_object_ref (request->record) : NULL;
  op->writer = g_strdup (NORTH_MCP_SHARED_TASK_STORE (store)->runner_id);
  /* Writes count the task (a get may write a failed record back). */
  op->quota = quota_key_for (request->owner);
  g_task_set_task_data (task, op, (GDestroyNotify) op_free);
  call (g_object_ref (task), request->op == NORTH_MCP_TASK_STORE_OP_CREATE ? STAGE_CREATE : STAGE_READ_FINAL);
}

static void
north_mcp_shared_task_store_iface_init (NorthMcpTaskStoreInterface *iface)
{
  iface->run = shared_run;
}

static void
north_mcp_shared_task_store_finalize (GObject *object)
{
  NorthMcpSharedTaskStore *self = NORTH_MCP_SHARED_TASK_STORE (object);

  g_clear_object (&self->store);
  if (self->deadline != NULL)
    g_source_destroy (self->deadline);
  g_clear_pointer (&self->deadline, g_source_unref);
  g_free (self->runner_id);
  g_free (self->runner_key);
  G_OBJECT_CLASS (north_mcp_shared_task_store_parent_class)->finalize (object);
}

static void
north_mcp_shared_task_store_class_init (NorthMcpSharedTaskStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = north_mcp_shared_task_store_finalize;
  signals[SIGNAL_LEASE_LOST] = g_signal_new (NORTH_MCP_SHARED_TASK_STORE_SIGNAL_LEASE_LOST,
                                             G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                             NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
north_mcp_shared_task_store_init (NorthMcpSharedTaskStore *self)
{
}

NorthMcpTaskStore *
north_mcp_shared_task_store_new (NorthMcpStateStore *store,
                                 guint               max_per_owner,
                                 guint               max_total,
                                 guint64             max_bytes_per_owner,
                                 guint64             max_bytes_total)
{
  NorthMcpSharedTaskStore *self;

  /* A limit of 0 would count nothing (a counter's "renew only"). */
  g_return_val_if_fail (max_per_owner > 0 && max_total > 0, NULL);
  /* Likewise, a byte limit of 0 would add up nothing. */
  g_return_val_if_fail (max_bytes_per_owner > 0 && max_bytes_total > 0, NULL);
  self = g_object_new (NORTH_MCP_TYPE_SHARED_TASK_STORE, NULL);
  self->store = g_object_ref (store);
  self->max_per_owner = max_per_owner;
  self->max_total = max_total;
  self->max_bytes_per_owner = max_bytes_per_owner;
  self->max_bytes_total = max_bytes_total;
  /* Unguessable, as task ids: no one who read a record can renew the
   * lease of another process. */
  self->runner_id = north_mcp_task_random_id ();
  self->runner_key = key_for (RUNNER_PREFIX, self->runner_id);
  self->lease_ms = (guint64) NORTH_MCP_TASK_LEASE_S * 1000;
  g_signal_connect_object (store, NORTH_MCP_STATE_STORE_SIGNAL_AVAILABLE, G_CALLBACK (store_available), self,
                           G_CONNECT_SWAPPED);
  return NORTH_MCP_TASK_STORE (self);
}

void
north_mcp_shared_task_store_set_lease (NorthMcpTaskStore *store,
                                       guint              lease_s)
{
  g_return_if_fail (lease_s > 0);
  NORTH_MCP_SHARED_TASK_STORE (store)->lease_ms = (guint64) lease_s * 1000;
}
