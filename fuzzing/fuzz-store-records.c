/* fuzz-store-records.c: what the state store shared by replicas gives
 * back (records, messages of other replicas), from whoever can write to
 * it
 *
 * Input: lines, each one item:
 *   R <json>       a JSON-RPC message, dispatched without a session (the
 *                  2026-07-28 revision: tools that run as tasks)
 *   T <bytes>      the running record of task $TASK (north-mcp:task:…)
 *   F <bytes>      its final record (north-mcp:task-final:…)
 *   S <bytes>      the record of session $OTHER, which is then restored
 *   Q <json>       a JSON-RPC message in the session last restored
 *   K <bytes>      the request-state key the replicas share (hex), which
 *                  the server then adopts
 *   P<n> <bytes>   a message on channel n: 0 sessions, 1 broadcast,
 *                  2 responses, 3 stream:$SESSION, 4 task-cancel,
 *                  5 task-update ("TOKEN OWNER TASKID$NLANSWERS"),
 *                  6 task-update-ack ("TOKEN")
 * In items, $TASK is the last task id the server handed out (at first
 * FOREIGN_TASK, one that runs elsewhere), $SESSION the id of an open
 * session, $OTHER another session id, $OWNER the owner key of the
 * anonymous user, $TOKEN the token of the last tasks/update the server
 * relayed to other replicas (at first FOREIGN_TOKEN) and $NL a newline.
 * The store is the in-memory one, claiming to be shared, as the session
 * manager's store: replicas' code paths, with every record and message
 * from the input. Whatever the server sends must be valid JSON-RPC, and
 * what a tasks/get answers the task asked for, with a status clients
 * know. A relayed tasks/update is answered once: with success once its
 * token is acknowledged, else (when the server closes) with an error.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>

#include "north-mcp.h"
#include "north-mcp-dispatch-private.h"
#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-protocol-host-private.h"
#include "north-mcp-revision-2026-private.h"
#include "north-mcp-session-manager-private.h"
#include "north-mcp-session-private.h"
#include "north-mcp-state-store-private.h"
#include "north-mcp-task-private.h"
#include "north-mcp-util-private.h"
#include "test-channel.h"
#include "fuzz-common.h"
#include "fuzz-sent.h"

#define OTHER_SESSION "0123456789abcdef0123456789abcdef"
#define FOREIGN_TASK "00112233445566778899aabbccddeeff"
#define FOREIGN_TOKEN "ffeeddccbbaa99887766554433221100"

static const char * const channels[] = {
  "north-mcp:sessions", "north-mcp:broadcast", "north-mcp:responses", NULL /* stream: */,
  "north-mcp:task-cancel", "north-mcp:task-update", "north-mcp:task-update-ack",
};

/* The in-memory store, claiming to be shared as Redis is: what replicas
 * do with a shared store runs, on records of the input. */
#define FUZZ_TYPE_SHARED_STORE (fuzz_shared_store_get_type ())
G_DECLARE_FINAL_TYPE (FuzzSharedStore, fuzz_shared_store, FUZZ, SHARED_STORE, GObject)

struct _FuzzSharedStore
{
  GObject             parent_instance;
  NorthMcpStateStore *inner;
};

static void fuzz_shared_store_iface_init (NorthMcpStateStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (FuzzSharedStore, fuzz_shared_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (NORTH_MCP_TYPE_STATE_STORE, fuzz_shared_store_iface_init))

static NorthMcpStateStore *
inner_of (NorthMcpStateStore *store)
{
  return FUZZ_SHARED_STORE (store)->inner;
}

static void
forward (NorthMcpStateStore              *store,
         const NorthMcpStateStoreRequest *request,
         GTask                           *task)
{
  NorthMcpStateStore *inner = inner_of (store);

  NORTH_MCP_STATE_STORE_GET_IFACE (inner)->operations[request->op] (inner, request, task);
}

/* Every operation, however many the interface has. */
static NorthMcpStateStoreOperation forwarded[NORTH_MCP_STATE_STORE_N_OPS];

static gboolean
shared_is_shared (NorthMcpStateStore *store)
{
  return TRUE;
}

static guint
shared_subscribe (NorthMcpStateStore            *store,
                  const char                    *channel,
                  NorthMcpStateStoreMessageFunc  func,
                  gpointer                       user_data,
                  GDestroyNotify                 destroy)
{
  return north_mcp_state_store_subscribe (inner_of (store), channel, func, user_data, destroy);
}

static void
shared_unsubscribe (NorthMcpStateStore *store,
                    guint               id)
{
  north_mcp_state_store_unsubscribe (inner_of (store), id);
}

static void
fuzz_shared_store_iface_init (NorthMcpStateStoreInterface *iface)
{
  for (guint i = 0; i < NORTH_MCP_STATE_STORE_N_OPS; i++)
    forwarded[i] = forward;
  iface->is_shared = shared_is_shared;
  iface->operations = forwarded;
  iface->subscribe = shared_subscribe;
  iface->unsubscribe = shared_unsubscribe;
}

static void
fuzz_shared_store_finalize (GObject *object)
{
  g_object_unref (FUZZ_SHARED_STORE (object)->inner);
  G_OBJECT_CLASS (fuzz_shared_store_parent_class)->finalize (object);
}

static void
fuzz_shared_store_class_init (FuzzSharedStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = fuzz_shared_store_finalize;
}

static void
fuzz_shared_store_init (FuzzSharedStore *self)
{
  self->inner = north_mcp_memory_state_store_new ();
}

/* Waits for input responses: runs until they come or the input ends
 * (then it answers, as a handler that was given time). */
static void
wait_func (NorthMcpTool    *tool,
           NorthMcpContext *context,
           JsonObject      *arguments,
           gpointer         user_data)
{
  GPtrArray *waiting = user_data;

  if (north_mcp_context_get_input_response (context, "a") != NULL)
    {
      g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text ("answered");

      north_mcp_context_return_tool_result (context, result);
      return;
    }
  g_ptr_array_add (waiting, g_object_ref (context));
}

static void
answer_waiting (GPtrArray *waiting)
{
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text ("done");

  for (guint i = 0; i < waiting->len; i++)
    {
      NorthMcpContext *context = g_ptr_array_index (waiting, i);

      if (!north_mcp_context_is_completed (context))
        north_mcp_context_return_tool_result (context, result);
    }
  g_ptr_array_set_size (waiting, 0);
}

typedef struct
{
  NorthMcpServer  *server;
  NorthMcpStateStore *store;
  NorthMcpSession *session;
  TestChannel     *requests;
  TestChannel     *standalone;
  char            *task;
  char            *owner;
  GHashTable      *gets;     /* request id (as text) -> taskId of a tasks/get */
  GPtrArray       *waiting;  /* contexts of the tool "wait" */
  NorthMcpSession *restored; /* from the last session record */
  char            *token;    /* of the last tasks/update relayed */
  GHashTable      *relayed;  /* token -> request id (as text) of the update relayed */
  GHashTable      *acked;    /* tokens published on task-update-ack */
  GHashTable      *uses;     /* request id (as text) -> how many requests used it */
  char            *updating; /* id of the tasks/update being dispatched, or NULL */
  char            *updating_task; /* and its taskId */
} Fuzz;

static void
iterate (void)
{
  for (guint i = 0; i < 50 && g_main_context_iteration (NULL, FALSE); i++)
    ;
}

static char *
expand (Fuzz       *f,
        const char *text)
{
  GString *out = g_string_new (text);

  g_string_replace (out, "$TASK", f->task != NULL ? f->task : FOREIGN_TASK, 0);
  g_string_replace (out, "$SESSION", north_mcp_session_get_id (f->session), 0);
  g_string_replace (out, "$OTHER", OTHER_SESSION, 0);
  g_string_replace (out, "$OWNER", f->owner, 0);
  g_string_replace (out, "$TOKEN", f->token != NULL ? f->token : FOREIGN_TOKEN, 0);
  g_string_replace (out, "$NL", "\n", 0);
  return g_string_free (out, FALSE);
}

/* The task id of the newest task result sent. */
static void
remember_task (Fuzz *f)
{
  GPtrArray *sent = test_channel_get_messages (f->requests);

  for (guint i = 0; i < sent->len; i++)
    {
      JsonNode *node = g_ptr_array_index (sent, i);
      JsonObject *result = JSON_NODE_HOLDS_OBJECT (node)
                           ? north_mcp_object_get_object (json_node_get_object (node), "result") : NULL;
      const char *id = north_mcp_object_get_string (result, "taskId");

      if (id != NULL)
        {
          g_free (f->task);
          f->task = g_strdup (id);
        }
    }
}

static char *
id_text (JsonObject *message)
{
  JsonNode *id = north_mcp_object_get_node (message, "id", JSON_NODE_VALUE);

  return id != NULL ? north_mcp_jsonrpc_to_string (id, NULL) : NULL;
}

/* The task a tasks/get asks for, by request id; an id that more than one
 * request used (R and Q items share the channel) tells nothing. */
#define AMBIGUOUS ""

static void
remember_get (Fuzz     *f,
              JsonNode *message)
{
  JsonObject *object = JSON_NODE_HOLDS_OBJECT (message) ? json_node_get_object (message) : NULL;
  const char *task_id = north_mcp_object_get_string (north_mcp_object_get_object (object, "params"), "taskId");
  char *id = id_text (object);

  if (id == NULL)
    return;
  g_hash_table_replace (f->uses, g_strdup (id),
                        GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (f->uses, id)) + 1));
  if (g_hash_table_contains (f->gets, id))
    g_hash_table_replace (f->gets, id, g_strdup (AMBIGUOUS));
  else if (g_strcmp0 (north_mcp_object_get_string (object, "method"), "tasks/get") == 0 && task_id != NULL &&
           *task_id != '\0')
    g_hash_table_replace (f->gets, id, g_strdup (task_id));
  else
    g_hash_table_replace (f->gets, id, g_strdup (AMBIGUOUS));
}

/* A tasks/update the server relays to other replicas: its token, and the
 * request it answers once acknowledged. */
static void
relayed_cb (const char *channel,
            GBytes     *message,
            gpointer    user_data)
{
  Fuzz *f = user_data;
  gsize length = 0;
  const char *data = g_bytes_get_data (message, &length);
  const char *space = length > 0 ? memchr (data, ' ', length) : NULL;
  const char *newline = length > 0 ? memchr (data, '\n', length) : NULL;
  g_autofree char *task_id = NULL;

  if (space == NULL || newline == NULL || newline < space)
    return;
  g_free (f->token);
  f->token = g_strndup (data, space - data);
  /* "TOKEN OWNER TASKID": the update being dispatched, if of that task. */
  task_id = g_strndup (space + 1, newline - (space + 1));
  if (f->updating != NULL && strchr (task_id, ' ') != NULL &&
      g_strcmp0 (strchr (task_id, ' ') + 1, f->updating_task) == 0)
    g_hash_table_replace (f->relayed, g_strdup (f->token), g_strdup (f->updating));
}

/* The answers sent with request id @id; *@results: how many succeeded. */
static guint
count_answers (TestChannel *channel,
               const char  *id,
               guint       *results)
{
  GPtrArray *sent = test_channel_get_messages (channel);
  guint n = 0;

  *results = 0;
  for (guint i = 0; i < sent->len; i++)
    {
      JsonNode *node = g_ptr_array_index (sent, i);
      JsonObject *object = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      g_autofree char *other = object != NULL && !json_object_has_member (object, "method")
                               ? id_text (object) : NULL;

      if (g_strcmp0 (other, id) != 0)
        continue;
      n++;
      if (json_object_has_member (object, "result"))
        (*results)++;
    }
  return n;
}

/* A relayed tasks/update (of an id no other request used) is answered
 * once, with success once acknowledged; @closed: the server has ended,
 * so every update has been answered. */
static void
check_relayed (Fuzz     *f,
               gboolean  closed)
{
  GHashTableIter iter;
  gpointer token, id;

  g_hash_table_iter_init (&iter, f->relayed);
  while (g_hash_table_iter_next (&iter, &token, &id))
    {
      guint results = 0;
      guint n = count_answers (f->requests, id, &results);

      if (GPOINTER_TO_UINT (g_hash_table_lookup (f->uses, id)) != 1)
        continue;
      if (n > 1 || (closed && n != 1) || (g_hash_table_contains (f->acked, token) && results != 1))
        {
          fprintf (stderr, "relayed tasks/update %s (token %s): %u answers, %u results\n",
                   (char *) id, (char *) token, n, results);
          abort ();
        }
    }
}

static gboolean
is_task_status (const char *status)
{
  return g_strcmp0 (status, "working") == 0 || g_strcmp0 (status, "input_required") == 0 ||
         g_strcmp0 (status, "completed") == 0 || g_strcmp0 (status, "failed") == 0 ||
         g_strcmp0 (status, "cancelled") == 0;
}

/* A task a tasks/get answers, from wherever its record came, is the task
 * asked for, with a status a client knows. */
static void
check_task (Fuzz     *f,
            JsonNode *message)
{
  JsonObject *object = json_node_get_object (message);
  JsonObject *result = north_mcp_object_get_object (object, "result");
  g_autofree char *id = id_text (object);
  const char *task_id = id != NULL ? g_hash_table_lookup (f->gets, id) : NULL;

  if (result == NULL || task_id == NULL || *task_id == '\0')
    return;
  if (g_strcmp0 (north_mcp_object_get_string (result, "taskId"), task_id) != 0 ||
      !is_task_status (north_mcp_object_get_string (result, "status")))
    {
      g_autofree char *text = north_mcp_jsonrpc_to_string (message, NULL);

      fprintf (stderr, "tasks/get of %s answered: %s\n", task_id, text);
      abort ();
    }
}

static void
set_record (Fuzz       *f,
            const char *prefix,
            const char *id,
            const char *value)
{
  g_autofree char *key = g_strconcat (prefix, id, NULL);
  g_autoptr(GBytes) bytes = g_bytes_new (value, strlen (value));

  north_mcp_state_store_set_async (f->store, key, bytes, 0, NORTH_MCP_STATE_STORE_SET_ALWAYS, NULL, NULL, NULL);
}

typedef struct
{
  gboolean         done;
  NorthMcpSession *session;
} Restore;

static void
restored_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Restore *restore = user_data;

  restore->session = north_mcp_session_manager_restore_finish (NULL, result, NULL);
  /* A session restored from a record is a session of this server. */
  if (restore->session != NULL && north_mcp_session_get_protocol_version (restore->session) == NULL)
    abort ();
  restore->done = TRUE;
}

/* Restores session $OTHER from its record: f->restored, or NULL. */
static void
restore (Fuzz *f)
{
  NorthMcpSessionManager *manager = north_mcp_protocol_host_get_session_manager (NORTH_MCP_PROTOCOL_HOST (f->server));
  Restore restore = { FALSE, NULL };

  north_mcp_session_manager_restore_async (manager, OTHER_SESSION, NULL, NULL, restored_cb, &restore);
  for (guint i = 0; i < 1000 && !restore.done; i++)
    g_main_context_iteration (NULL, FALSE);
  if (!restore.done)
    abort ();
  g_clear_object (&f->restored);
  f->restored = restore.session;
}

static void
run_item (Fuzz *f,
          char *line)
{
  g_autofree char *text = NULL;
  char *space = strchr (line, ' ');

  if (space == NULL)
    return;
  *space = '\0';
  text = expand (f, space + 1);

  if (strcmp (line, "R") == 0 || strcmp (line, "Q") == 0)
    {
      g_autoptr(JsonNode) message = north_mcp_jsonrpc_parse (text, strlen (text), NULL);
      NorthMcpSession *session = line[0] == 'Q' ? f->restored : NULL;

      if (message != NULL)
        remember_get (f, message);
      if (message != NULL && JSON_NODE_HOLDS_OBJECT (message) &&
          g_strcmp0 (north_mcp_object_get_string (json_node_get_object (message), "method"), "tasks/update") == 0)
        {
          JsonObject *object = json_node_get_object (message);

          f->updating = id_text (object);
          f->updating_task = g_strdup (north_mcp_object_get_string (north_mcp_object_get_object (object, "params"),
                                                                    "taskId"));
        }
      if (message != NULL && (line[0] == 'R' || session != NULL))
        north_mcp_dispatch_message (NORTH_MCP_PROTOCOL_HOST (f->server), session, NULL, message,
                                    NORTH_MCP_CHANNEL (f->requests));
      iterate ();
      g_clear_pointer (&f->updating, g_free);
      g_clear_pointer (&f->updating_task, g_free);
      remember_task (f);
    }
  else if (strcmp (line, "T") == 0 || strcmp (line, "F") == 0)
    set_record (f, line[0] == 'T' ? "north-mcp:task:" : "north-mcp:task-final:",
                f->task != NULL ? f->task : FOREIGN_TASK, text);
  else if (strcmp (line, "K") == 0)
    {
      NorthMcpRevision2026State *state =
        north_mcp_protocol_host_get_revision_2026 (NORTH_MCP_PROTOCOL_HOST (f->server));
      gsize length = 0;

      /* The replicas' request-state key, as another one stored it. */
      set_record (f, "north-mcp:request-state-key", "", text);
      north_mcp_revision_2026_state_share_key (state, f->store);
      iterate ();
      if (north_mcp_revision_2026_state_get_key (state, &length) == NULL || length != 32)
        abort ();
    }
  else if (strcmp (line, "S") == 0)
    {
      set_record (f, "north-mcp:session:", OTHER_SESSION, text);
      restore (f);
    }
  else if (line[0] == 'P' && line[1] >= '0' && line[1] <= '6' && line[2] == '\0')
    {
      guint n = line[1] - '0';
      g_autofree char *stream = g_strconcat ("north-mcp:stream:", north_mcp_session_get_id (f->session), NULL);
      g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));

      if (n == 6)
        g_hash_table_add (f->acked, g_strdup (text));

      north_mcp_state_store_publish (f->store, channels[n] != NULL ? channels[n] : stream, bytes);
    }
  iterate ();
}

static void
check_sent (Fuzz        *f,
            TestChannel *channel)
{
  GPtrArray *sent = test_channel_get_messages (channel);

  for (guint i = 0; i < sent->len; i++)
    {
      JsonNode *message = g_ptr_array_index (sent, i);

      fuzz_check_sent (message);
      check_task (f, message);
    }
}

static NorthMcpServer *
server_new (GPtrArray *waiting)
{
  NorthMcpServer *server = north_mcp_server_new ("fuzz", "1.0");
  g_autoptr(NorthMcpTool) wait = north_mcp_tool_new ("wait", "Waits");

  north_mcp_tool_set_async_func (wait, wait_func, waiting, NULL);
  north_mcp_tool_set_task_support (wait, NORTH_MCP_TASK_SUPPORT_OPTIONAL);
  north_mcp_server_add_tool (server, wait);
  return server;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  Fuzz f = { NULL, };
  NorthMcpSessionManager *manager;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  guint relayed_id;

  fuzz_init ();
  if (size > 65536)
    return 0;

  f.waiting = g_ptr_array_new_with_free_func (g_object_unref);
  f.server = server_new (f.waiting);
  f.store = g_object_new (FUZZ_TYPE_SHARED_STORE, NULL);
  f.requests = test_channel_new (TRUE);
  f.standalone = test_channel_new (TRUE);
  f.owner = north_mcp_session_owner_key (NULL);
  f.gets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  f.uses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  f.relayed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  f.acked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  relayed_id = north_mcp_state_store_subscribe (f.store, "north-mcp:task-update", relayed_cb, &f, NULL);
  manager = north_mcp_protocol_host_get_session_manager (NORTH_MCP_PROTOCOL_HOST (f.server));
  north_mcp_session_manager_set_store (manager, f.store);
  f.session = north_mcp_session_manager_open (manager, NORTH_MCP_CHANNEL (f.standalone), NULL, &error);
  if (f.session == NULL)
    abort ();
  g_object_ref (f.session);

  text = g_strndup ((const char *) data, size);
  lines = g_strsplit (text, "\n", 64);
  for (guint i = 0; lines[i] != NULL; i++)
    run_item (&f, lines[i]);

  answer_waiting (f.waiting);
  iterate ();
  check_sent (&f, f.requests);
  check_sent (&f, f.standalone);
  check_relayed (&f, FALSE);
  /* Updates still unacknowledged are answered when the tasks stop. */
  north_mcp_tasks_stop (NORTH_MCP_PROTOCOL_HOST (f.server));
  iterate ();
  check_sent (&f, f.requests);
  check_relayed (&f, TRUE);
  north_mcp_state_store_unsubscribe (f.store, relayed_id);

  g_clear_object (&f.restored);
  north_mcp_session_manager_close_all (manager);
  iterate ();
  north_mcp_session_manager_set_store (manager, NULL);
  g_object_unref (f.session);
  g_object_unref (f.server);
  iterate ();
  g_object_unref (f.store);
  g_object_unref (f.requests);
  g_object_unref (f.standalone);
  g_free (f.task);
  g_free (f.owner);
  g_hash_table_unref (f.gets);
  g_hash_table_unref (f.uses);
  g_hash_table_unref (f.relayed);
  g_hash_table_unref (f.acked);
  g_free (f.token);
  g_ptr_array_unref (f.waiting);
  return 0;
}
