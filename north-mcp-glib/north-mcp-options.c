/* north-mcp-options.c: north_mcp_server_run(), the command line every
 * server shares
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib-unix.h>

#include "north-mcp-auth.h"
#include "north-mcp-error.h"
#include "north-mcp-hex-private.h"
#include "north-mcp-http-client-address-private.h"
#include "north-mcp-log-private.h"
#include "north-mcp-server-private.h"
#include "north-mcp-revision-2026-private.h"
#include "north-mcp-http-transport-private.h"
#include "north-mcp-origin-private.h"
#include "north-mcp-systemd-private.h"
#include "north-mcp-util-private.h"

/* Every option in one table: the command line is built from it, and an
 * option with a property is applied by setting that property of the server
 * or of its auth, to the option's value or, for a flag, to flag_value.
 * Numbers are ranged by their property's own limits. Options without a
 * property (OPTION_BY_HAND) are read by name below. */
typedef enum
{
  OPTION_BY_HAND,
  OPTION_SERVER,
  OPTION_AUTH,
} OptionTarget;

typedef enum
{
  OPT_TRANSPORT, OPT_HOST, OPT_PORT, OPT_STATELESS, OPT_STATEFUL, OPT_DEBUG,
  OPT_SERVER_SECRET, OPT_SERVER_SECRET_FILE, OPT_TRUSTED_ISSUER, OPT_REQUIRE_AUTH,
  OPT_AUDIENCE, OPT_WORKERS, OPT_IDLE_TIMEOUT, OPT_MAX_UNSENT_BYTES, OPT_MAX_UNSENT_OUTPUT_BYTES, OPT_MAX_HELD_BODY_BYTES, OPT_MAX_REQUESTS_IN_PROGRESS,
  OPT_MAX_REQUESTS_IN_PROGRESS_PER_CLIENT, OPT_MAX_CONNECTIONS, OPT_MAX_SESSIONS,
  OPT_MAX_SESSIONS_PER_IDENTITY, OPT_MAX_SUBSCRIPTION_BYTES, OPT_TASK_TTL,
  OPT_ALLOWED_ORIGIN, OPT_ALLOWED_HOST, OPT_NO_HEALTH_CHECK, OPT_NO_DEBUG, OPT_PATH,
  OPT_SESSION_TIMEOUT, OPT_SHUTDOWN_TIMEOUT, OPT_STATE_STORE, OPT_FORWARDED_ALLOW_IPS,
  N_OPTIONS
} OptionId;

typedef struct
{
  const char   *name;
  char          short_name;
  GOptionArg    arg;          /* NONE, STRING, FILENAME, STRING_ARRAY or INT64 */
  OptionTarget  target;
  const char   *property;
  gboolean      flag_value;
  const char   *description;
  const char   *arg_description;
} OptionSpec;

/* A flag sets its property to TRUE, or with SERVER_OFF to FALSE. */
#define BY_HAND OPTION_BY_HAND, NULL, FALSE
#define SERVER(property) OPTION_SERVER, property, TRUE
#define SERVER_OFF(property) OPTION_SERVER, property, FALSE
#define AUTH(property) OPTION_AUTH, property, TRUE

static const OptionSpec option_specs[N_OPTIONS] = {
  [OPT_TRANSPORT] = { "transport", 't', G_OPTION_ARG_STRING, BY_HAND, "How to serve: stdio, streamable-http (default; also http) or sse", "NAME" },
  [OPT_HOST] = { "host", 0, G_OPTION_ARG_STRING, SERVER ("host"), "Address to listen on (default 127.0.0.1)", "HOST" },
  [OPT_PORT] = { "port", 'p', G_OPTION_ARG_INT64, SERVER ("port"), "Port to listen on; 0 picks a free one", "PORT" },
  [OPT_STATELESS] = { "stateless", 0, G_OPTION_ARG_NONE, SERVER ("stateless"), "Stateless JSON mode: no sessions, JSON responses (what North uses)", NULL },
  [OPT_STATEFUL] = { "stateful", 0, G_OPTION_ARG_NONE, SERVER_OFF ("stateless"), "Stateful sessions with SSE responses (the default)", NULL },
  [OPT_DEBUG] = { "debug", 0, G_OPTION_ARG_NONE, SERVER ("debug"), "Log authentication and requests in detail on stderr", NULL },
  [OPT_SERVER_SECRET] = { "server-secret", 0, G_OPTION_ARG_STRING, AUTH ("server-secret"), "Require North to send this server secret", "SECRET" },
  [OPT_SERVER_SECRET_FILE] = { "server-secret-file", 0, G_OPTION_ARG_FILENAME, BY_HAND, "Read the server secret from this file (not visible in ps)", "PATH" },
  [OPT_TRUSTED_ISSUER] = { "trusted-issuer", 0, G_OPTION_ARG_STRING_ARRAY, AUTH ("trusted-issuers"), "Verify ID tokens signed by this OIDC issuer (repeatable)", "URL" },
  [OPT_REQUIRE_AUTH] = { "require-auth", 0, G_OPTION_ARG_NONE, AUTH ("require-auth"), "Reject requests without North credentials", NULL },
  [OPT_AUDIENCE] = { "audience", 0, G_OPTION_ARG_STRING, AUTH ("audience"), "Require ID tokens for this audience", "AUD" },
  [OPT_WORKERS] = { "workers", 'w', G_OPTION_ARG_INT64, SERVER ("workers"), "Serve HTTP with N processes on one port (stateless only)", "N" },
  [OPT_IDLE_TIMEOUT] = { "idle-timeout", 0, G_OPTION_ARG_INT64, SERVER ("idle-timeout"), "Close connections idle (or not reading) this long (default 60; 0: never)", "SECONDS" },
  [OPT_MAX_UNSENT_BYTES] = { "max-unsent-bytes", 0, G_OPTION_ARG_INT64, SERVER ("max-unsent-bytes"), "Close a connection whose client leaves this much of a stream unread (default 4 MiB)", "BYTES" },
  [OPT_MAX_UNSENT_OUTPUT_BYTES] = { "max-unsent-output-bytes", 0, G_OPTION_ARG_INT64, SERVER ("max-unsent-output-bytes"), "Close the connection whose output would make all clients' unread output pass this (one client a quarter of it); 0 for no limit (default 64 MiB)", "BYTES" },
  [OPT_MAX_HELD_BODY_BYTES] = { "max-held-body-bytes", 0, G_OPTION_ARG_INT64, SERVER ("max-held-body-bytes"), "Answer 503 to requests past this many bytes of bodies (and store replays) held at once, all connections together (default 64 MiB)", "BYTES" },
  [OPT_MAX_REQUESTS_IN_PROGRESS] = { "max-requests-in-progress", 0, G_OPTION_ARG_INT64, SERVER ("max-requests-in-progress"), "Answer 503 to HTTP requests past this many in progress (or being received) at once, all clients together (over stdio, a JSON-RPC error); 0 for no limit (default 4096)", "N" },
  [OPT_MAX_REQUESTS_IN_PROGRESS_PER_CLIENT] = { "max-requests-in-progress-per-client", 0, G_OPTION_ARG_INT64, SERVER ("max-requests-in-progress-per-client"), "Answer 503 to HTTP requests past this many in progress at once from one client: one identity, or one address for requests that name no one; 0 for no limit (default 256)", "N" },
  [OPT_MAX_CONNECTIONS] = { "max-connections", 0, G_OPTION_ARG_INT64, SERVER ("max-connections"), "HTTP connections open at once; more wait in the listen backlog; 0 for no limit (default 10000)", "N" },
  [OPT_MAX_SESSIONS] = { "max-sessions", 0, G_OPTION_ARG_INT64, SERVER ("max-sessions"), "Live HTTP sessions allowed at once; 0 for no limit (default 10000)", "N" },
  [OPT_MAX_SUBSCRIPTION_BYTES] = { "max-subscription-bytes", 0, G_OPTION_ARG_INT64, SERVER ("max-subscription-bytes"), "Answer -32603 to subscriptions/listen and resources/subscribe past this many bytes kept by listen streams and subscriptions, all sessions together (one client a quarter of it); 0 for no limit (default 128 MiB)", "BYTES" },
  [OPT_TASK_TTL] = { "task-ttl", 0, G_OPTION_ARG_INT64, SERVER ("task-ttl"), "Forget a task (tasks extension) this long after its last change, a tasks/update included (default 3600, at most 604800)", "SECONDS" },
  [OPT_MAX_SESSIONS_PER_IDENTITY] = { "max-sessions-per-identity", 0, G_OPTION_ARG_INT64, SERVER ("max-sessions-per-identity"), "Live HTTP sessions one identity may have; beyond it its least recently used idle one ends; 0 for no limit (default 100)", "N" },
  [OPT_ALLOWED_ORIGIN] = { "allowed-origin", 0, G_OPTION_ARG_STRING_ARRAY, BY_HAND, "Let web pages of this origin use the MCP endpoints, with CORS (repeatable)", "ORIGIN" },
  [OPT_ALLOWED_HOST] = { "allowed-host", 0, G_OPTION_ARG_STRING_ARRAY, BY_HAND, "Accept this name in the Host header, NAME or NAME:PORT (repeatable)", "HOST" },
  [OPT_NO_HEALTH_CHECK] = { "no-health-check", 0, G_OPTION_ARG_NONE, SERVER_OFF ("health-check"), "Do not serve GET /health", NULL },
  [OPT_NO_DEBUG] = { "no-debug", 0, G_OPTION_ARG_NONE, SERVER_OFF ("debug"), "No debug logging, whatever the DEBUG environment variable says", NULL },
  [OPT_PATH] = { "path", 0, G_OPTION_ARG_STRING, BY_HAND, "Serve Streamable HTTP at this path (default /mcp)", "PATH" },
  [OPT_SESSION_TIMEOUT] = { "session-timeout", 0, G_OPTION_ARG_INT64, SERVER ("session-timeout"), "End HTTP sessions idle this long (default 1800; 0: never)", "SECONDS" },
  [OPT_SHUTDOWN_TIMEOUT] = { "shutdown-timeout", 0, G_OPTION_ARG_INT64, SERVER ("shutdown-timeout"), "On SIGTERM or SIGINT, let running requests finish for this long (default 10; 0: stop at once; a second signal stops at once)", "SECONDS" },
  [OPT_STATE_STORE] = { "state-store", 0, G_OPTION_ARG_STRING, SERVER ("state-store"), "Share sessions with other replicas in this Redis (HTTP only)", "redis://HOST:PORT[/DB]" },
  [OPT_FORWARDED_ALLOW_IPS] = { "forwarded-allow-ips", 0, G_OPTION_ARG_STRING, BY_HAND, "Believe X-Forwarded-For from these proxies: comma-separated addresses, networks (10.0.0.0/8) or * for all; also FORWARDED_ALLOW_IPS (default 127.0.0.1,::1)", "IPS" },
};

#undef BY_HAND
#undef SERVER
#undef SERVER_OFF
#undef AUTH

/* Where GOptionContext stores each option, by the option's GOptionArg. */
typedef union
{
  gboolean  flag;
  char     *string;
  char    **strv;
  gint64    number;
} OptionValue;

typedef struct
{
  OptionValue values[N_OPTIONS];
} Options;

static void
options_clear (Options *options)
{
  north_mcp_wipe_string (g_steal_pointer (&options->values[OPT_SERVER_SECRET].string));
  for (guint i = 0; i < N_OPTIONS; i++)
    {
      if (option_specs[i].arg == G_OPTION_ARG_STRING || option_specs[i].arg == G_OPTION_ARG_FILENAME)
        g_free (options->values[i].string);
      else if (option_specs[i].arg == G_OPTION_ARG_STRING_ARRAY)
        g_strfreev (options->values[i].strv);
    }
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Options, options_clear)

/* The string, list or flag of option @id. */
#define OPTION_STRING(options, id) ((options)->values[id].string)
#define OPTION_STRV(options, id) ((options)->values[id].strv)
#define OPTION_FLAG(options, id) ((options)->values[id].flag)

static gboolean
parse_transport (const char             *name,
                 NorthMcpTransportKind  *kind,
                 GError                **error)
{
  /* "http" is FastMCP's name for it (`fastmcp run --transport http`). */
  if (name == NULL || g_str_equal (name, "streamable-http") || g_str_equal (name, "http"))
    *kind = NORTH_MCP_TRANSPORT_STREAMABLE_HTTP;
  else if (g_str_equal (name, "stdio"))
    *kind = NORTH_MCP_TRANSPORT_STDIO;
  else if (g_str_equal (name, "sse"))
    *kind = NORTH_MCP_TRANSPORT_SSE;
  else
    {
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_CONFIGURATION,
                   "Unknown transport '%s': use stdio, streamable-http or sse", name);
      return FALSE;
    }

  return TRUE;
}

/* Rejects malformed --allowed-origin and --allowed-host values up front,
 * rather than ignoring them with a warning as the setters do. */
static gboolean
check_origin_options (Options  *options,
                      GError  **error)
{
  char **origins = OPTION_STRV (options, OPT_ALLOWED_ORIGIN);
  char **hosts = OPTION_STRV (options, OPT_ALLOWED_HOST);

  for (guint i = 0; origins != NULL && origins[i] != NULL; i++)
    {
      g_autofree char *origin = north_mcp_origin_normalize (origins[i], error);

      if (origin == NULL)
        {
          g_prefix_error (error, "--allowed-origin: ");
          return FALSE;
        }
    }
  for (guint i = 0; hosts != NULL && hosts[i] != NULL; i++)
    {
      g_autofree char *host = north_mcp_origin_normalize_host (hosts[i], error);

      if (host == NULL)
        {
          g_prefix_error (error, "--allowed-host: ");
          return FALSE;
        }
    }
  return TRUE;
}

#define SERVER_SECRET_ENV "NORTH_MCP_SERVER_SECRET"

/* Options that contradict each other are refused, not settled by order. */
static gboolean
check_exclusive (gboolean   both,
                 OptionId   first,
                 OptionId   second,
                 GError   **error)
{
  if (both)
    g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_CONFIGURATION,
                 "--%s and --%s exclude each other", option_specs[first].name,
                 option_specs[second].name);
  return !both;
}

/* What the server has now, as the default of option @id (a number: its
 * property is a guint or a guint64). */
static gint64
number_property_get (NorthMcpServer *self,
                     OptionId        id)
{
  g_auto(GValue) value = G_VALUE_INIT;

  g_value_init (&value, G_TYPE_UINT64);
  g_object_get_property (G_OBJECT (self), option_specs[id].property, &value);
  return (gint64) MIN (g_value_get_uint64 (&value), G_MAXINT64);
}

static gboolean
check_number_option (NorthMcpServer  *self,
                     OptionId         id,
                     gint64           number,
                     GError         **error)
{
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (self), option_specs[id].property);
  guint64 min, max;

  if (G_IS_PARAM_SPEC_UINT (pspec))
    {
      min = G_PARAM_SPEC_UINT (pspec)->minimum;
      max = G_PARAM_SPEC_UINT (pspec)->maximum;
    }
  else
    {
      min = G_PARAM_SPEC_UINT64 (pspec)->minimum;
      /* The option is a gint64. */
      max = MIN (G_PARAM_SPEC_UINT64 (pspec)->maximum, (guint64) G_MAXINT64);
    }

  if (number < 0 || (guint64) number < min || (guint64) number > max)
    {
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_CONFIGURATION,
                   "Invalid --%s %" G_GINT64_FORMAT ": use %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT,
                   option_specs[id].name, number, min, max);
      return FALSE;
    }
  return TRUE;
}

/* The server secret from --server-secret, --server-secret-file or the
 * environment, in that order of precedence (the two options exclude each
 * other). An empty secret would silently mean "no secret": refused. */
static gboolean
resolve_server_secret (Options  *options,
                       GError  **error)
{
  const char *env = g_getenv (SERVER_SECRET_ENV);
  char **secret = &OPTION_STRING (options, OPT_SERVER_SECRET);
  const char *file = OPTION_STRING (options, OPT_SERVER_SECRET_FILE);
  char *contents = NULL;
  gsize length = 0;

  if (!check_exclusive (*secret != NULL && file != NULL, OPT_SERVER_SECRET, OPT_SERVER_SECRET_FILE, error))
    return FALSE;

  if (*secret != NULL)
    {
      if (**secret != '\0')
        return TRUE;
      g_set_error_literal (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_CONFIGURATION,
                           "--server-secret is empty: give the secret, or leave the option out "
                           "to run without one");
      return FALSE;
    }

  if (file != NULL)
    {
      if (!g_file_get_contents (file, &contents, &length, error))
        {
          g_prefix_error (error, "--server-secret-file: ");
          return FALSE;
        }
      /* Files end with a newline; secrets do not. */
      while (length > 0 && (contents[length - 1] == '\n' || contents[length - 1] == '\r'))
        contents[--length] = '\0';
      if (length == 0 || memchr (contents, '\0', length) != NULL)
        {
          memset (contents, 0, length);
          g_free (contents);
          g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_CONFIGURATION,
                       "--server-secret-file: %s %s", file,
                       length == 0 ? "is empty" : "contains a NUL byte");
          return FALSE;
        }
      *secret = contents;
      return TRUE;
    }

  if (env != NULL)
    {
      if (*env == '\0')
        {
          g_set_error_literal (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_CONFIGURATION,
                               SERVER_SECRET_ENV " is set but empty: give the secret, or unset it "
                               "to run without one");
          return FALSE;
        }
      *secret = g_strdup (env);
    }

  return TRUE;
}

/* Numbers are decimal. GOption's own INT64 reads 0x10 as hex and 010 as
 * octal (8): a port or a limit written with a leading zero would silently
 * become another number. Ranges are checked afterwards. */
static gboolean
parse_number_option (const char  *option_name,
                     const char  *value,
                     gpointer     data,
                     GError     **error)
{
  Options *options = data;
  gboolean is_long = option_name[1] == '-';
  const char *name = option_name + (is_long ? 2 : 1);

  for (guint i = 0; i < N_OPTIONS; i++)
    {
      const OptionSpec *spec = &option_specs[i];

      if (spec->arg != G_OPTION_ARG_INT64 ||
          (is_long ? strcmp (name, spec->name) != 0 : spec->short_name != name[0]))
        continue;
      if (!g_ascii_string_to_signed (value, 10, G_MININT64, G_MAXINT64, &options->values[i].number, NULL))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "Invalid --%s %s: use a decimal number", spec->name, value);
          return FALSE;
        }
      return TRUE;
    }
  g_assert_not_reached ();
}

static gboolean
parse_options (NorthMcpServer         *self,
               Options                *options,
               int                    *argc,
               char                 ***argv,
               GError                **error)
{
  GOptionEntry entries[N_OPTIONS + 1] = { { NULL } };
  g_autoptr(GOptionContext) context = NULL;
  GOptionGroup *group;
  g_autofree char *summary = NULL;
  const char *path, *state_store, *forwarded;

  for (guint i = 0; i < N_OPTIONS; i++)
    {
      const OptionSpec *spec = &option_specs[i];

      entries[i] = (GOptionEntry) { spec->name, spec->short_name, 0, spec->arg, &options->values[i],
                                    spec->description, spec->arg_description };
      /* A number not given keeps the server's value. */
      if (spec->arg == G_OPTION_ARG_INT64)
        {
          options->values[i].number = number_property_get (self, i);
          entries[i].arg = G_OPTION_ARG_CALLBACK;
          entries[i].arg_data = (gpointer) parse_number_option;
        }
    }

  context = g_option_context_new (NULL);
  summary = g_strdup_printf ("%s %s: an MCP server", north_mcp_server_get_name (self),
                             north_mcp_server_get_version (self));
  g_option_context_set_summary (context, summary);
  /* The main group, with the options as its data, for parse_number_option(). */
  group = g_option_group_new (NULL, NULL, NULL, options, NULL);
  g_option_group_add_entries (group, entries);
  g_option_context_set_main_group (context, group);

  if (!g_option_context_parse (context, argc, argv, error))
    return FALSE;

  if (!check_exclusive (OPTION_FLAG (options, OPT_STATELESS) && OPTION_FLAG (options, OPT_STATEFUL),
                        OPT_STATELESS, OPT_STATEFUL, error) ||
      !check_exclusive (OPTION_FLAG (options, OPT_DEBUG) && OPTION_FLAG (options, OPT_NO_DEBUG),
                        OPT_DEBUG, OPT_NO_DEBUG, error))
    return FALSE;
  for (guint i = 0; i < N_OPTIONS; i++)
    if (option_specs[i].arg == G_OPTION_ARG_INT64 &&
        !check_number_option (self, i, options->values[i].number, error))
      return FALSE;

  path = OPTION_STRING (options, OPT_PATH);
  if (path != NULL && !north_mcp_server_set_path (self, path, error))
    return FALSE;

  /* uvicorn's option and variable; either replaces the setting. */
  if ((forwarded = OPTION_STRING (options, OPT_FORWARDED_ALLOW_IPS)) != NULL ||
      (forwarded = g_getenv ("FORWARDED_ALLOW_IPS")) != NULL)
    {
      g_auto(GStrv) ips = north_mcp_trusted_proxies_split (forwarded, error);

      if (ips == NULL)
        {
          g_prefix_error (error, "%s: ", OPTION_STRING (options, OPT_FORWARDED_ALLOW_IPS) != NULL
                                         ? "--forwarded-allow-ips" : "FORWARDED_ALLOW_IPS");
          return FALSE;
        }
      north_mcp_server_set_forwarded_allow_ips (self, (const char * const *) ips);
    }

  state_store = OPTION_STRING (options, OPT_STATE_STORE);
  if (state_store != NULL && !g_str_has_prefix (state_store, "redis://"))
    {
      g_set_error_literal (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_CONFIGURATION,
                           "Invalid --state-store: use redis://HOST:PORT[/DB]");
      return FALSE;
    }

  return check_origin_options (options, error) && resolve_server_secret (options, error);
}

/* Sets the property of option @id to what the command line said; a string
 * or list not given and a flag not set leave it alone. */
static void
apply_option (GObject     *object,
              OptionId     id,
              OptionValue *value)
{
  const OptionSpec *spec = &option_specs[id];

  switch (spec->arg)
    {
    case G_OPTION_ARG_NONE:
      if (value->flag)
        g_object_set (object, spec->property, spec->flag_value, NULL);
      break;
    case G_OPTION_ARG_STRING:
      if (value->string != NULL)
        g_object_set (object, spec->property, value->string, NULL);
      break;
    case G_OPTION_ARG_STRING_ARRAY:
      if (value->strv != NULL)
        g_object_set (object, spec->property, value->strv, NULL);
      break;
    case G_OPTION_ARG_INT64:
      {
        g_auto(GValue) number = G_VALUE_INIT;

        /* Checked against the property's range already. */
        g_value_init (&number, G_TYPE_UINT64);
        g_value_set_uint64 (&number, (guint64) value->number);
        g_object_set_property (object, spec->property, &number);
      }
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
apply_options (NorthMcpServer *self,
               Options        *options)
{
  char **origins = OPTION_STRV (options, OPT_ALLOWED_ORIGIN);
  char **hosts = OPTION_STRV (options, OPT_ALLOWED_HOST);

  for (guint i = 0; i < N_OPTIONS; i++)
    if (option_specs[i].target != OPTION_BY_HAND)
      apply_option (option_specs[i].target == OPTION_AUTH ? G_OBJECT (north_mcp_server_get_auth (self))
                                                          : G_OBJECT (self),
                    i, &options->values[i]);

  for (guint i = 0; origins != NULL && origins[i] != NULL; i++)
    north_mcp_server_add_allowed_origin (self, origins[i]);
  for (guint i = 0; hosts != NULL && hosts[i] != NULL; i++)
    north_mcp_server_add_allowed_host (self, hosts[i]);
}

/* ------------------------------------------------------------------ */
/* Worker processes                                                    */

/* A worker that dies is started again: at once the first time, then
 * after a delay that doubles (1 s, 2 s, ... up to WORKER_MAX_DELAY_S) while
 * workers keep dying young, so that a crash loop does not spin. A worker
 * that lived WORKER_STABLE_S or more starts the count afresh. */
#define WORKER_MAX_DELAY_S 30
#define WORKER_STABLE_S 60

typedef struct _Workers Workers;

typedef struct {
  Workers *workers;
  GPid     pid;      /* 0 while dead */
  gint64   started;  /* g_get_monotonic_time() at its start */
  guint    delay;    /* seconds the next restart waits unless it was stable */
  GSource *watch;    /* its child watch */
  GSource *restart;  /* the pending restart */
} WorkerSlot;

struct _Workers {
  GSocket      *reservation;  /* holds the port until every worker listens */
  gboolean      is_worker;    /* a forked worker, not the parent */
  /* Parent only: the workers, and what it takes to start one again. */
  WorkerSlot   *slots;
  guint         n_slots;
  GPtrArray    *argv;
  char         *executable;
  char         *cmdline;
  GStrv         envp;
  GMainContext *context;
  /* Inherited listening sockets (socket activation), passed on to every
   * worker as descriptors 3, 4, ... */
  gint         *fds;
  guint         n_fds;
  gboolean      signalled;    /* told to shut down */
};

static void
worker_slot_clear_sources (WorkerSlot *slot)
{
  if (slot->watch != NULL)
    g_source_destroy (slot->watch);
  g_clear_pointer (&slot->watch, g_source_unref);
  if (slot->restart != NULL)
    g_source_destroy (slot->restart);
  g_clear_pointer (&slot->restart, g_source_unref);
}

static void
workers_clear (Workers *workers)
{
  for (guint i = 0; i < workers->n_slots; i++)
    worker_slot_clear_sources (&workers->slots[i]);
  g_clear_pointer (&workers->slots, g_free);
  workers->n_slots = 0;
  g_clear_object (&workers->reservation);
  g_clear_pointer (&workers->argv, g_ptr_array_unref);
  g_clear_pointer (&workers->executable, g_free);
  g_clear_pointer (&workers->cmdline, g_free);
  g_clear_pointer (&workers->envp, g_strfreev);
  g_clear_pointer (&workers->fds, g_free);
  workers->n_fds = 0;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Workers, workers_clear)

static gboolean
check_workers (NorthMcpServer         *self,
               NorthMcpTransportKind   transport,
               GError                **error)
{
  if (north_mcp_server_get_workers (self) <= 1)
    return TRUE;

  if (transport != NORTH_MCP_TRANSPORT_STREAMABLE_HTTP)
    {
      g_set_error_literal (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_CONFIGURATION,
                           "--workers needs --transport streamable-http");
      return FALSE;
    }

  if (!north_mcp_server_get_stateless (self) && north_mcp_server_get_state_store (self) == NULL)
    {
      /* A session lives in the process that created it; another worker
       * would answer its requests with 404. */
      g_set_error_literal (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_CONFIGURATION,
                           "--workers needs --stateless or --state-store: sessions live in one "
                           "process (or share them with --state-store redis://…)");
      return FALSE;
    }

  return TRUE;
}

/* The environment variable that makes a process one of the workers: the
 * port to share. */
#define WORKER_PORT_ENV "NORTH_MCP_WORKER_PORT"
/* Instead of the port: how many listening sockets the worker inherits,
 * from descriptor 3 on (the first process was socket-activated). */
#define WORKER_FDS_ENV "NORTH_MCP_WORKER_LISTEN_FDS"
/* The key that signs requestState (hex), so that a retry may reach any
 * worker. */
#define WORKER_STATE_KEY_ENV "NORTH_MCP_WORKER_STATE_KEY"
/* Set when that key is the application's own (see
 * north_mcp_revision_2026_state_set_own_key()): a worker keeps it too,
 * instead of adopting a key a state store holds. */
#define WORKER_STATE_KEY_OWN_ENV "NORTH_MCP_WORKER_STATE_KEY_OWN"

static void
worker_setup (gpointer user_data)
{
  pid_t parent = GPOINTER_TO_INT (user_data);

  /* A worker ends with the parent, however the parent ends. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
  if (getppid () != parent)
    _exit (0);
}

/* Starts one worker into @slot. */
static gboolean
spawn_worker (Workers     *workers,
              WorkerSlot  *slot,
              GError     **error)
{
  GPid pid;
  g_autofree gint *targets = g_new (gint, workers->n_fds + 1);

  for (guint i = 0; i < workers->n_fds; i++)
    targets[i] = 3 + (gint) i;
  if (!g_spawn_async_with_pipes_and_fds (NULL, (const char * const *) workers->argv->pdata,
                                         (const char * const *) workers->envp,
                                         G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_FILE_AND_ARGV_ZERO,
                                         worker_setup, GINT_TO_POINTER (getpid ()),
                                         -1, -1, -1, workers->fds, targets, workers->n_fds,
                                         &pid, NULL, NULL, NULL, error))
    return FALSE;

  slot->pid = pid;
  slot->started = g_get_monotonic_time ();
  return TRUE;
}

/* Starts workers - 1 more processes: fresh runs of this very program
 * (its executable and command line, so Python or GJS servers work too),
 * told by WORKER_PORT_ENV to listen on the shared port. Not fork() alone:
 * the forked copy would share the main context's wakeup descriptor with
 * the parent, and each would steal the other's wake-ups. The port is
 * reserved first so that port 0 means one ephemeral port for all. */
static gboolean
spawn_workers (NorthMcpServer  *self,
               Workers         *workers,
               GError         **error)
{
  guint count = north_mcp_server_get_workers (self);
  guint port = north_mcp_server_get_port (self);
  g_autofree char *port_text = NULL;
  GStrv envp = NULL;
  gsize length;
  GPtrArray *sockets = north_mcp_server_get_listen_sockets (self);

  if (sockets != NULL)
    {
      /* Socket activation: every worker accepts on the inherited sockets. */
      workers->n_fds = sockets->len;
      workers->fds = g_new (gint, sockets->len);
      for (guint i = 0; i < sockets->len; i++)
        workers->fds[i] = g_socket_get_fd (g_ptr_array_index (sockets, i));
    }
  else
    {
      workers->reservation = north_mcp_http_transport_reserve_port (north_mcp_server_get_host (self),
                                                                    &port, error);
      if (workers->reservation == NULL)
        return FALSE;
      north_mcp_server_set_port (self, port);
    }

  workers->executable = g_file_read_link ("/proc/self/exe", error);
  if (workers->executable == NULL ||
      !g_file_get_contents ("/proc/self/cmdline", &workers->cmdline, &length, error))
    return FALSE;

  /* G_SPAWN_FILE_AND_ARGV_ZERO: the file, then the original argv. */
  workers->argv = g_ptr_array_new ();
  g_ptr_array_add (workers->argv, workers->executable);
  for (gsize offset = 0; offset < length; offset += strlen (workers->cmdline + offset) + 1)
    g_ptr_array_add (workers->argv, workers->cmdline + offset);
  g_ptr_array_add (workers->argv, NULL);

  port_text = g_strdup_printf ("%u", sockets != NULL ? sockets->len : port);
  envp = g_environ_setenv (g_get_environ (), sockets != NULL ? WORKER_FDS_ENV : WORKER_PORT_ENV,
                           port_text, TRUE);
  {
    g_autofree char *hex = north_mcp_revision_2026_state_get_key_hex (north_mcp_server_get_revision_2026 (self));

    envp = g_environ_setenv (envp, WORKER_STATE_KEY_ENV, hex, TRUE);
    memset (hex, 0, strlen (hex));
    if (north_mcp_revision_2026_state_has_own_key (north_mcp_server_get_revision_2026 (self)))
      envp = g_environ_setenv (envp, WORKER_STATE_KEY_OWN_ENV, "1", TRUE);
  }
  workers->envp = envp;

  workers->n_slots = count - 1;
  workers->slots = g_new0 (WorkerSlot, workers->n_slots);
  for (guint i = 0; i < workers->n_slots; i++)
    {
      workers->slots[i].workers = workers;
      if (!spawn_worker (workers, &workers->slots[i], error))
        {
          g_prefix_error (error, "Cannot start worker %u: ", i + 2);
          return FALSE;
        }
    }

  return TRUE;
}

/* In a worker: sign requestState with the first process's key. */
static void
adopt_state_key (NorthMcpServer *self)
{
  const char *hex = g_getenv (WORKER_STATE_KEY_ENV);
  guint8 key[32];

  if (hex == NULL)
    return;

  if (north_mcp_hex_decode (hex, -1, key, sizeof key))
    {
      NorthMcpRevision2026State *state = north_mcp_server_get_revision_2026 (self);

      if (g_getenv (WORKER_STATE_KEY_OWN_ENV) != NULL)
        north_mcp_revision_2026_state_set_own_key (state, key, sizeof key);
      else
        north_mcp_revision_2026_state_set_key (state, key, sizeof key);
    }
  else
    g_warning ("Ignoring a malformed %s", WORKER_STATE_KEY_ENV);

  memset (key, 0, sizeof key);
  /* Not for whatever the tools of this worker may spawn. */
  g_unsetenv (WORKER_STATE_KEY_ENV);
  g_unsetenv (WORKER_STATE_KEY_OWN_ENV);
}

/* In a worker of a socket-activated first process: accept on the
 * sockets it passed on. */
static gboolean
become_activated_worker (NorthMcpServer  *self,
                         Workers         *workers,
                         GError         **error)
{
  guint64 count;

  if (!g_ascii_string_to_unsigned (g_getenv (WORKER_FDS_ENV), 10, 1,
                                   NORTH_MCP_SYSTEMD_MAX_LISTEN_FDS, &count, error))
    {
      g_prefix_error (error, "Invalid %s: ", WORKER_FDS_ENV);
      return FALSE;
    }
  for (guint i = 0; i < count; i++)
    {
      g_autoptr(GSocket) socket = north_mcp_systemd_socket_from_fd (3 + (int) i, error);

      if (socket == NULL || !north_mcp_server_listen_socket (self, socket, error))
        return FALSE;
    }

  workers->is_worker = TRUE;
  adopt_state_key (self);
  g_unsetenv (WORKER_FDS_ENV);
  return TRUE;
}

/* In a worker: listen on the port the first process reserved. */
static gboolean
become_worker (NorthMcpServer  *self,
               Workers         *workers,
               GError         **error)
{
  const char *port_text = g_getenv (WORKER_PORT_ENV);
  guint64 port;

  if (g_getenv (WORKER_FDS_ENV) != NULL && north_mcp_server_get_workers (self) > 1)
    return become_activated_worker (self, workers, error);
  if (port_text == NULL || north_mcp_server_get_workers (self) <= 1)
    return TRUE;

  if (!g_ascii_string_to_unsigned (port_text, 10, 1, 65535, &port, error))
    {
      g_prefix_error (error, "Invalid %s: ", WORKER_PORT_ENV);
      return FALSE;
    }

  workers->is_worker = TRUE;
  north_mcp_server_set_port (self, (guint) port);
  adopt_state_key (self);
  /* Not for whatever the tools of this worker may spawn. */
  g_unsetenv (WORKER_PORT_ENV);
  return TRUE;
}

static void watch_worker (WorkerSlot *slot);

static gboolean
restart_worker (gpointer user_data)
{
  WorkerSlot *slot = user_data;
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&slot->restart, g_source_unref);
  if (spawn_worker (slot->workers, slot, &error))
    watch_worker (slot);
  else
    {
      /* Say so and try again later, as if it had died at once. */
      slot->delay = slot->delay == 0 ? 1 : MIN (slot->delay * 2, WORKER_MAX_DELAY_S);
      fprintf (stderr, "cannot restart a worker: %s; trying again in %u s\n",
               error->message, slot->delay);
      slot->restart = g_timeout_source_new (slot->delay * 1000);
      g_source_set_callback (slot->restart, restart_worker, slot, NULL);
      g_source_attach (slot->restart, slot->workers->context);
    }
  return G_SOURCE_REMOVE;
}

static void
worker_exited (GPid     pid,
               gint     status,
               gpointer user_data)
{
  WorkerSlot *slot = user_data;
  g_autoptr(GError) error = NULL;
  gint64 lived = (g_get_monotonic_time () - slot->started) / G_USEC_PER_SEC;
  guint delay;

  g_spawn_close_pid (pid);
  slot->pid = 0;
  g_clear_pointer (&slot->watch, g_source_unref);

  if (lived >= WORKER_STABLE_S)
    slot->delay = 0;
  delay = slot->delay;
  slot->delay = delay == 0 ? 1 : MIN (delay * 2, WORKER_MAX_DELAY_S);

  g_spawn_check_wait_status (status, &error);
  fprintf (stderr, "worker %d ended (%s) after %" G_GINT64_FORMAT " s; restarting in %u s\n",
           (int) pid, error != NULL ? error->message : "exited normally", lived, delay);
  fflush (stderr);

  slot->restart = delay == 0 ? g_idle_source_new () : g_timeout_source_new (delay * 1000);
  g_source_set_callback (slot->restart, restart_worker, slot, NULL);
  g_source_attach (slot->restart, slot->workers->context);
}

static void
watch_worker (WorkerSlot *slot)
{
  slot->watch = g_child_watch_source_new (slot->pid);
  g_source_set_callback (slot->watch, G_SOURCE_FUNC (worker_exited), slot, NULL);
  g_source_attach (slot->watch, slot->workers->context);
}

/* The parent, once it serves: restart workers that die. */
static void
watch_workers (Workers      *workers,
               GMainContext *context)
{
  workers->context = context;
  for (guint i = 0; i < workers->n_slots; i++)
    watch_worker (&workers->slots[i]);
}

/* The parent's shutdown: no more restarts; every worker gets SIGTERM
 * (once: a second one would stop its graceful shutdown at once). */
static void
signal_workers (Workers *workers)
{
  if (workers->signalled)
    return;
  workers->signalled = TRUE;
  for (guint i = 0; i < workers->n_slots; i++)
    {
      worker_slot_clear_sources (&workers->slots[i]);
      if (workers->slots[i].pid != 0)
        kill (workers->slots[i].pid, SIGTERM);
    }
}

/* ... and every worker is waited for. */
static void
stop_workers (Workers *workers)
{
  signal_workers (workers);
  for (guint i = 0; i < workers->n_slots; i++)
    {
      int status;

      if (workers->slots[i].pid == 0)
        continue;
      while (waitpid (workers->slots[i].pid, &status, 0) < 0 && errno == EINTR)
        ;
      workers->slots[i].pid = 0;
    }
}

/* What SIGINT and SIGTERM end. */
typedef struct
{
  NorthMcpServer          *server;
  Workers                 *workers;
  NorthMcpSystemdNotifier *notifier;  /* NULL: not under systemd */
  gboolean                 stopping;  /* a signal came */
} Running;

static void
shutdown_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!north_mcp_server_shutdown_finish (NORTH_MCP_SERVER (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    north_mcp_log_warning ("NorthMCP.Server", "Stopped before every request ended: %s", error->message);
}

/* The first signal shuts down gracefully (workers too, at the same time);
 * a second one, or a shutdown-timeout of 0, stops at once. */
static gboolean
quit_on_signal (gpointer user_data)
{
  Running *running = user_data;
  NorthMcpServer *self = running->server;
  gboolean again = running->stopping;

  running->stopping = TRUE;
  signal_workers (running->workers);
  /* The service manager learns it at once, not after the drain. */
  if (!again && running->notifier != NULL)
    north_mcp_systemd_notifier_notify (running->notifier, "STOPPING=1", NULL);
  if (again || north_mcp_server_get_shutdown_timeout (self) == 0)
    {
      north_mcp_server_debug (self, "Shutting down now");
      north_mcp_server_stop (self);
      return G_SOURCE_CONTINUE;
    }
  north_mcp_server_shutdown_async (self, NULL, shutdown_done_cb, NULL);
  return G_SOURCE_CONTINUE;
}

static char *
listening_url (NorthMcpServer        *self,
               NorthMcpTransportKind  transport)
{
  const char *host = north_mcp_server_get_host (self);
  gboolean ipv6 = strchr (host, ':') != NULL;

  return g_strdup_printf ("http://%s%s%s:%u%s", ipv6 ? "[" : "", host, ipv6 ? "]" : "",
                          north_mcp_server_get_bound_port (self),
                          transport == NORTH_MCP_TRANSPORT_SSE ? "/sse" : north_mcp_server_get_path (self));
}

static void
print_listening (NorthMcpServer        *self,
                 NorthMcpTransportKind  transport)
{
  g_autofree char *url = listening_url (self, transport);

  /* Tests and scripts read this line to find an ephemeral port. */
  fprintf (stderr, "listening on %s\n", url);
  fflush (stderr);
}

/* Socket activation: serve the sockets the service manager passed. */
static gboolean
adopt_activated_sockets (NorthMcpServer  *self,
                         GError         **error)
{
  g_autoptr(GPtrArray) sockets = NULL;

  if (!north_mcp_systemd_take_listen_sockets (&sockets, error))
    return FALSE;

  for (guint i = 0; sockets != NULL && i < sockets->len; i++)
    if (!north_mcp_server_listen_socket (self, g_ptr_array_index (sockets, i), error))
      return FALSE;
  if (sockets != NULL)
    north_mcp_server_debug (self, "Serving %u socket(s) passed by the service manager", sockets->len);
  return TRUE;
}

/* Tells the service manager, if there is one, that we serve (and starts
 * the watchdog pings it asked for). */
static void
notify_ready (NorthMcpServer          *self,
              NorthMcpSystemdNotifier *notifier,
              NorthMcpTransportKind    transport)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = transport != NORTH_MCP_TRANSPORT_STDIO ? listening_url (self, transport) : NULL;
  g_autofree char *state = NULL;
  guint workers = north_mcp_server_get_workers (self);

  if (notifier == NULL)
    return;

  if (workers > 1)
    state = g_strdup_printf ("READY=1\nSTATUS=Serving MCP on %s with %u workers", url, workers);
  else
    state = g_strdup_printf ("READY=1\nSTATUS=Serving MCP on %s", url != NULL ? url : "standard input");
  if (!north_mcp_systemd_notifier_notify (notifier, state, &error))
    north_mcp_log_warning ("NorthMCP.systemd", "%s", error->message);
  north_mcp_systemd_notifier_start_watchdog (notifier, north_mcp_server_get_main_context (self));
}

/**
 * north_mcp_server_run:
 * @self: a server
 * @argc: the number of arguments
 * @argv: (array length=argc) (element-type utf8) (nullable): the command
 *   line, program name first
 *
 * Parses the command line every North MCP server shares, starts serving
 * and runs a main loop until SIGINT or SIGTERM, or until standard input
 * ends for the stdio transport (once the requests read from it are
 * answered). Options:
 *
 * - `--transport stdio|streamable-http|sse` (default `streamable-http`;
 *   `http`, FastMCP's name for it, is accepted too)
 * - `--host HOST` (default `127.0.0.1`), `--port PORT` (default
 *   [property@NorthMcp.Server:port]; `0` picks a free one)
 * - `--stateless` (JSON responses, no sessions) or `--stateful` (default)
 * - `--debug` (also the `DEBUG` environment variable); `--no-debug`
 *   switches it off whatever `DEBUG` says
 * - `--no-health-check`: no `GET /health`
 * - `--path PATH`: the Streamable HTTP endpoint's path (default `/mcp`;
 *   see [method@NorthMcp.Server.set_path]); the legacy `/sse` and
 *   `/messages/` stay at the root
 * - `--server-secret SECRET`, `--trusted-issuer URL` (repeatable),
 *   `--require-auth`, `--audience AUD`
 * - `--server-secret-file PATH`: the server secret from a file (trailing
 *   newlines removed), so that it does not show in `ps`; the environment
 *   variable `NORTH_MCP_SERVER_SECRET` is read when neither option is
 *   given (the options win; either replaces a secret set in code). An
 *   empty secret, from any of the three, refuses to start.
 * - `--allowed-origin ORIGIN`, `--allowed-host HOST` (repeatable): added
 *   to [property@NorthMcp.Server:allowed-origins] and
 *   [property@NorthMcp.Server:allowed-hosts]
 * - `--forwarded-allow-ips IPS` (else the `FORWARDED_ALLOW_IPS` variable,
 *   as uvicorn): replaces [property@NorthMcp.Server:forwarded-allow-ips]
 *   with a comma-separated list; an invalid entry refuses to start
 * - `--workers N`: serve HTTP with N processes on one port (stateless
 *   servers only; see [property@NorthMcp.Server:workers]). The first
 *   process prints the listening line; SIGTERM or SIGINT to it ends them
 *   all. It starts a worker that dies again, and says so on standard
 *   error: at once the first time, then after 1 s, 2 s, 4 s ... up to
 *   30 s while workers keep dying within a minute of their start.
 * - `--idle-timeout SECONDS` ([property@NorthMcp.Server:idle-timeout],
 *   default 60, `0`: never), `--max-unsent-bytes BYTES`
 *   ([property@NorthMcp.Server:max-unsent-bytes], default 4 MiB),
 *   `--max-unsent-output-bytes BYTES`
 *   ([property@NorthMcp.Server:max-unsent-output-bytes], default 64 MiB)
 *
 * Numbers are decimal (`--port 0700` is port 700; `0x` forms are refused)
 * and must lie within the range of their property.
 *
 * HTTP transports print `listening on http://HOST:PORT/PATH` on standard
 * error once they listen.
 *
 * Under a service manager (systemd), HTTP transports serve the listening
 * TCP sockets passed by socket activation (`LISTEN_FDS` for this process's
 * `LISTEN_PID`; see [method@NorthMcp.Server.listen_socket]) instead of
 * binding `--host` and `--port`, shared with every worker; descriptors
 * that are not listening TCP sockets refuse to start. With
 * `NOTIFY_SOCKET` set the first process sends `READY=1` and a `STATUS=`
 * line once it serves, `STOPPING=1` when it ends, and `WATCHDOG=1` every
 * half `WATCHDOG_USEC` from its main loop. These variables are removed
 * from the environment of the workers and of whatever the server starts.
 *
 * Returns: the exit status for `main()`: 0 after a clean shutdown, 1 when
 *   the options are wrong or the server cannot start
 *
 * Since: 0.1
 */
int
north_mcp_server_run (NorthMcpServer  *self,
                      int              argc,
                      char           **argv)
{
  g_auto(Options) options = { 0 };
  g_auto(Workers) workers = { 0 };
  g_autoptr(NorthMcpSystemdNotifier) notifier = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_auto(GStrv) args = NULL;
  int args_count;
  NorthMcpTransportKind transport;
  guint sigint, sigterm;
  Running running = { NULL };

  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), 1);

  /* The program is ours from here on: the contract's debug lines go
   * through GLib's structured logging, other records to GLib's default
   * writer (GLib allows one writer per process, so a library that is not
   * running the program does not take it). */
  north_mcp_log_install_writer ();

  /* Parse a copy: GOptionContext rearranges the vector it is given. Copy
   * @argc entries: bindings pass arrays that are not NULL-terminated. */
  args_count = argv != NULL ? MAX (argc, 0) : 0;
  args = g_new0 (char *, args_count + 1);
  for (int i = 0; i < args_count; i++)
    args[i] = g_strdup (argv[i]);
  if (args_count == 0)
    {
      g_strfreev (args);
      args = g_new0 (char *, 2);
      args[0] = g_strdup (north_mcp_server_get_name (self));
      args_count = 1;
    }

  {
    /* g_option_context_parse() may remove entries from the vector: keep
     * the original pointers to free them. */
    g_autofree char **view = g_memdup2 (args, sizeof (char *) * (args_count + 1));
    char **view_pointer = view;

    if (!parse_options (self, &options, &args_count, &view_pointer, &error) ||
        !parse_transport (OPTION_STRING (&options, OPT_TRANSPORT), &transport, &error))
      {
        fprintf (stderr, "%s: %s\n", args[0], error->message);
        return 1;
      }
  }

  apply_options (self, &options);

  /* Before any worker starts: the service manager's variables are the
   * first process's, not theirs. */
  notifier = north_mcp_systemd_notifier_new_from_environment (&error);
  if (error != NULL ||
      (transport != NORTH_MCP_TRANSPORT_STDIO && !adopt_activated_sockets (self, &error)))
    {
      fprintf (stderr, "%s: %s\n", args[0], error->message);
      return 1;
    }

  if (!check_workers (self, transport, &error) ||
      !become_worker (self, &workers, &error) ||
      (north_mcp_server_get_workers (self) > 1 && !workers.is_worker &&
       !spawn_workers (self, &workers, &error)))
    {
      fprintf (stderr, "%s: %s\n", args[0], error->message);
      stop_workers (&workers);
      return 1;
    }

  if (!north_mcp_server_start (self, transport, &error))
    {
      fprintf (stderr, "%s: cannot start: %s\n", args[0], error->message);
      stop_workers (&workers);
      return 1;
    }

  /* The workers have their copy; whatever the tools spawn does not. */
  g_unsetenv (SERVER_SECRET_ENV);

  /* Every process listens now (or soon will, on its own socket). */
  g_clear_object (&workers.reservation);
  watch_workers (&workers, north_mcp_server_get_main_context (self));

  loop = g_main_loop_new (north_mcp_server_get_main_context (self), FALSE);
  _north_mcp_server_set_loop (self, loop);
  running.server = self;
  running.workers = &workers;
  running.notifier = notifier;
  /* Before the listening line: whoever read it may signal at once (the
   * kernel completes connections before the loop runs), and a signal
   * before these would end the process without a drain. */
  sigint = g_unix_signal_add (SIGINT, quit_on_signal, &running);
  sigterm = g_unix_signal_add (SIGTERM, quit_on_signal, &running);

  if (transport != NORTH_MCP_TRANSPORT_STDIO && !workers.is_worker)
    print_listening (self, transport);
  if (!workers.is_worker)
    notify_ready (self, notifier, transport);

  g_main_loop_run (loop);

  g_source_remove (sigint);
  g_source_remove (sigterm);
  /* Ended otherwise (stdin closed): said here. */
  if (notifier != NULL && !running.stopping)
    north_mcp_systemd_notifier_notify (notifier, "STOPPING=1", NULL);
  _north_mcp_server_set_loop (self, NULL);
  north_mcp_server_stop (self);
  stop_workers (&workers);
  /* Send the spans still queued (bounded by the export timeout). */
  if (north_mcp_server_peek_tracer (self) != NULL)
    north_mcp_tracer_shutdown (north_mcp_server_peek_tracer (self));

  return 0;
}
