/* north-mcp-task-store-private.h: where the records of tasks (SEP-2663) live
 *
 * A small asynchronous interface so that a shared store (Redis, another
 * issue) can hold the records of several server processes; the default
 * keeps them in memory (north-mcp-memory-task-store.c).
 *
 * A record is the task as `tasks/get` shows it (a JSON object: `taskId`,
 * `status`, `createdAt`, `ttlMs`, `result`, ...), so a store only stores
 * and never interprets it, except the `status` (terminal records are not
 * overwritten). Every record belongs to an owner, the identity of the
 * user that created it (see north_mcp_task_owner()); every operation names
 * the owner, and a task of another owner is reported exactly like an
 * unknown one. Records expire `expires_at` (µs, monotonic time: a step of
 * the wall clock changes no task's life) unless updated: each update
 * moves the expiry to now + the record's `ttlMs`, as
 * north_mcp_task_record_ttl_ms() reads it.
 *
 * Errors: NORTH_MCP_ERROR_INVALID_ARGUMENT for an unknown task (or one
 * of another owner), NORTH_MCP_ERROR_CLOSED when updating a terminal
 * record, NORTH_MCP_ERROR_FAILED when a limit refuses a new task or a
 * larger record, or a record nested more than a level deeper than
 * NORTH_MCP_TASK_MAX_RESULT_DEPTH (its result's bound: every store alike,
 * the interface checks it).
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* What an asynchronous call asks of the store; each operation reads the
 * fields its comment names. The functions below fill it in. */
typedef enum
{
  /* Adds @record under its `taskId` (@task_id) for @owner; a boolean. */
  NORTH_MCP_TASK_STORE_OP_CREATE,
  /* A copy of the record @task_id of @owner (a JsonObject). */
  NORTH_MCP_TASK_STORE_OP_GET,
  /* Replaces @owner's record @task_id by @record unless the stored one is
   * terminal; a boolean. */
  NORTH_MCP_TASK_STORE_OP_UPDATE,
  /* Marks @owner's task @task_id cancelled unless it is terminal already
   * (idempotent); a boolean. */
  NORTH_MCP_TASK_STORE_OP_CANCEL,
  /* Drops the records whose expiry is before @now (monotonic µs); how
   * many (an int). */
  NORTH_MCP_TASK_STORE_OP_EXPIRE,
  /* Whether @owner may create one more task now, by the limits on the
   * number of tasks (a boolean); else the error CREATE would give. */
  NORTH_MCP_TASK_STORE_OP_ADMIT,
} NorthMcpTaskStoreOp;

typedef struct
{
  NorthMcpTaskStoreOp  op;
  const char          *owner;
  const char          *task_id;  /* create, update: the record's `taskId` (maybe NULL) */
  JsonObject          *record;
  gint64               now;
} NorthMcpTaskStoreRequest;

#define NORTH_MCP_TYPE_TASK_STORE (north_mcp_task_store_get_type ())

G_DECLARE_INTERFACE (NorthMcpTaskStore, north_mcp_task_store, NORTH_MCP, TASK_STORE, GObject)

struct _NorthMcpTaskStoreInterface
{
  GTypeInterface parent_iface;

  /* Carries out @request (valid only during the call) and returns its
   * result on @task (as the operation says); takes a reference to @task
   * to answer later. The functions below finish it. */
  void (*run) (NorthMcpTaskStore              *self,
               const NorthMcpTaskStoreRequest *request,
               GTask                          *task);
};

void        north_mcp_task_store_create_async  (NorthMcpTaskStore    *self,
                                                const char           *owner,
                                                JsonObject           *record,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gboolean    north_mcp_task_store_create_finish (NorthMcpTaskStore    *self,
                                                GAsyncResult         *result,
                                                GError              **error);
void        north_mcp_task_store_get_async     (NorthMcpTaskStore    *self,
                                                const char           *owner,
                                                const char           *task_id,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
JsonObject *north_mcp_task_store_get_finish    (NorthMcpTaskStore    *self,
                                                GAsyncResult         *result,
                                                GError              **error);
void        north_mcp_task_store_update_async  (NorthMcpTaskStore    *self,
                                                const char           *owner,
                                                JsonObject           *record,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gboolean    north_mcp_task_store_update_finish (NorthMcpTaskStore    *self,
                                                GAsyncResult         *result,
                                                GError              **error);
void        north_mcp_task_store_cancel_async  (NorthMcpTaskStore    *self,
                                                const char           *owner,
                                                const char           *task_id,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gboolean    north_mcp_task_store_cancel_finish (NorthMcpTaskStore    *self,
                                                GAsyncResult         *result,
                                                GError              **error);
void        north_mcp_task_store_expire_async  (NorthMcpTaskStore    *self,
                                                gint64                now,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gssize      north_mcp_task_store_expire_finish (NorthMcpTaskStore    *self,
                                                GAsyncResult         *result,
                                                GError              **error);
/* Checks, before a task's handler first runs, what the create of its
 * record will check again (between the two, other calls may take the
 * room): a handler must not run for a user its task would be refused to.
 * Cheap: no walk over the records (the in-memory store drops expired
 * ones only once one may have expired), one read for a shared store. */
void        north_mcp_task_store_admit_async   (NorthMcpTaskStore    *self,
                                                const char           *owner,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gboolean    north_mcp_task_store_admit_finish  (NorthMcpTaskStore    *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* Whether @error says the store could not answer (a shared one whose
 * Redis is unreachable, or refuses commands): no limit refused it, and
 * the same call may succeed later. */
gboolean           north_mcp_task_store_error_is_unavailable (const GError *error);

/* Statuses. */
gboolean           north_mcp_task_status_is_terminal (const char *status);
/* One of the five a task may have (working, input_required and the
 * terminal ones). */
gboolean           north_mcp_task_status_is_known    (const char *status);
/* 128 bits from the kernel's CSPRNG, as 32 hex digits: unguessable, made
 * like session ids (task ids, and the ids of the processes that run
 * them). */
char              *north_mcp_task_random_id          (void);
/* Now, as records show times (ISO 8601, UTC, µs). */
char              *north_mcp_task_timestamp          (void);
/* Sets @record's status (may be its own string) and lastUpdatedAt. */
void               north_mcp_task_record_touch       (JsonObject *record,
                                                      const char *status);
/* How long @record lives after a change, in ms, the same in every
 * store: its `ttlMs` within a second and task-ttl's maximum (7 days), or
 * without one (none, not a number, 0 or less) the default hour
 * (NORTH_MCP_TASK_TTL_MS). Records are the server's own (task-ttl is in
 * range) but may be read back from a shared store any replica writes. */
guint64            north_mcp_task_record_ttl_ms      (JsonObject *record);
/* Marks @record (a running task's) as a cancel leaves it. */
void               north_mcp_task_record_set_cancelled (JsonObject *record);
/* Marks @record failed with a JSON-RPC error (@code, @message) in place
 * of a result or input requests. */
void               north_mcp_task_record_set_failed    (JsonObject *record,
                                                        int         code,
                                                        const char *message);

/* Ending a task never waits for room: a terminal record (a cancel's, or
 * the small failed one that replaces a result that did not fit) at most
 * this many bytes larger than the record it replaces is never refused by
 * a byte limit. So the stores go past their byte limits by at most this
 * much per task ended (and a cancel always succeeds). */
#define NORTH_MCP_TASK_STORE_END_SLACK 512

/* The in-memory store: at most @max_per_owner stored tasks per owner,
 * @max_total in all (expired ones are dropped first), and
 * @max_bytes_per_owner of records as JSON per owner and @max_bytes in all
 * (a create or an update beyond them fails, but for
 * NORTH_MCP_TASK_STORE_END_SLACK). */
NorthMcpTaskStore *north_mcp_memory_task_store_new   (guint       max_per_owner,
                                                      guint       max_total,
                                                      gsize       max_bytes_per_owner,
                                                      gsize       max_bytes);

/* Records in a state store shared by replicas
 * (north-mcp-shared-task-store.c); the state store expires them. At most
 * @max_per_owner (> 0) live records per owner and @max_total (> 0) in all
 * are created, counted in the state store itself: the limits hold for
 * every process that shares it (give them all the same ones), and a
 * create whose outcome is unknown (the store answered too late, or the
 * connection was lost after it was sent) counts if it was stored, until
 * its record expires. Likewise the records' bytes as stored (a task's
 * running record, or its final record and a small stub once it ended)
 * are at most @max_bytes_per_owner (> 0) per owner and @max_bytes_total
 * (> 0) in all: a create or an update beyond them fails
 * (NORTH_MCP_ERROR_FAILED, saying so), but for
 * NORTH_MCP_TASK_STORE_END_SLACK. */
typedef struct _NorthMcpStateStore NorthMcpStateStore;
NorthMcpTaskStore *north_mcp_shared_task_store_new   (NorthMcpStateStore *store,
                                                      guint               max_per_owner,
                                                      guint               max_total,
                                                      guint64             max_bytes_per_owner,
                                                      guint64             max_bytes_total);
/* The running records a shared store writes name this process, and live
 * while it does: each expire (the sweep; call it more often than
 * @lease_s) renews its lease for @lease_s (default
 * NORTH_MCP_TASK_LEASE_S), and so does the write of a running record
 * when the lease was renewed more than a third of it ago, when its last
 * renewal failed, and after the store reconnected (it may have lost it). A get that
 * finds a task running in a process whose lease lapsed (killed, or cut
 * from the store that long) answers it failed, and writes that back.
 *
 * Once written, the lease is only renewed where it still is (SET XX: one
 * round trip), never written again. The store emits
 * NORTH_MCP_SHARED_TASK_STORE_SIGNAL_LEASE_LOST when it learns the lease
 * is lost: a renewal found it gone, or no renewal succeeded for @lease_s
 * after it was sent (monotonic clock: the store expires it no sooner,
 * so this comes first). The running records written so far name a lost
 * lease (other replicas fail those tasks as they read them); the ones
 * written after name a new one, created by the next write. */
void               north_mcp_shared_task_store_set_lease (NorthMcpTaskStore *store,
                                                          guint              lease_s);
/* Signal of a shared store (no arguments), on the main context of its
 * calls: the lease of this process is lost (see above). The handlers of
 * the tasks it wrote running records for must stop: those tasks are, or
 * will be, failed. */
#define NORTH_MCP_SHARED_TASK_STORE_SIGNAL_LEASE_LOST "lease-lost"

G_END_DECLS
