/* north-mcp-log-private.h: the debug log format of the North contract
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Loggers of the contract (section 7). Servers use "NorthMCP.<name>". */
#define NORTH_MCP_LOGGER_AUTH "NorthMCP.Auth"
#define NORTH_MCP_LOGGER_AUTH_CONTEXT "NorthMCP.AuthContext"

/* Each prints one line `YYYY-MM-DD HH:MM:SS - <logger> - <LEVEL> - <message>`
 * (local time) to stderr and flushes it. They print unconditionally: the
 * caller checks whether debug is on. Thread-safe; a line is written whole.
 *
 * The line is a structured GLib record (GLIB_DOMAIN and NORTH_MCP_LOGGER:
 * the logger; NORTH_MCP_LEVEL: DEBUG or WARNING; PRIORITY; MESSAGE; inside
 * a traced request NORTH_MCP_TRACE_ID and NORTH_MCP_SPAN_ID) that
 * north_mcp_log_writer() formats. It goes through g_log_structured_array()
 * once north_mcp_log_install_writer() has run, else straight to that
 * writer: GLib has one writer per process, set once (a second
 * g_log_set_writer_func() aborts) and without a getter, so a library
 * cannot chain to a program's writer; only the program, or the library's
 * program-level entry point north_mcp_server_run(), may install it. */
void      north_mcp_log_printf         (const char         *logger,
                                        const char         *level,
                                        const char         *format,
                                        ...) G_GNUC_PRINTF (3, 4);
#define   north_mcp_log_debug(logger, ...) \
  north_mcp_log_printf ((logger), "DEBUG", __VA_ARGS__)
#define   north_mcp_log_warning(logger, ...) \
  north_mcp_log_printf ((logger), "WARNING", __VA_ARGS__)
void      north_mcp_log_message        (const char         *logger,
                                        const char         *level,
                                        const char         *format,
                                        va_list             args) G_GNUC_PRINTF (3, 0);

/* A GLogWriterFunc: the records above as the contract's lines on stderr,
 * flushed per line; every other record to g_log_writer_default(). A
 * program with a writer of its own can pass our records to it. */
GLogWriterOutput north_mcp_log_writer  (GLogLevelFlags      log_level,
                                        const GLogField    *fields,
                                        gsize               n_fields,
                                        gpointer            user_data);
/* Makes north_mcp_log_writer() the process's GLib writer, once. Only for a
 * program's own entry point: it aborts if another writer was set. */
void      north_mcp_log_install_writer (void);

/* Which trace and span the calling thread's request is in (both NULL, or
 * FALSE, outside one). Auth knows no requests: the layer that does
 * (protocol/north-mcp-context.c) sets this once, so the log reaches up
 * only through this pointer. */
typedef gboolean (*NorthMcpLogTraceFunc) (const char **trace_id,
                                          const char **span_id);
void      north_mcp_log_set_trace_func (NorthMcpLogTraceFunc func);

/* TRUE when the environment variable DEBUG is true/1/yes/on
 * (case-insensitive, surrounding white space ignored). */
gboolean  north_mcp_log_debug_from_env (void);

/* Python-style representations, as the reference SDK prints them. */

/* 'text' with \\, \' and non-printable bytes escaped. */
char     *north_mcp_log_repr_string    (const char         *text);
/* ['a', 'b'], for @items (NULL-terminated; NULL gives []). */
char     *north_mcp_log_repr_strv      (const char * const *items);
/* ['a', 'b'] from the keys of a string-keyed table, sorted. */
char     *north_mcp_log_repr_keys      (GHashTable         *table);
/* ('127.0.0.1', 54321), or None for a NULL or non-inet address. */
char     *north_mcp_log_repr_peer      (GSocketAddress     *peer);
/* True / False */
const char *north_mcp_log_repr_bool    (gboolean            value);

/* TRUE for the headers whose values may carry a credential: by name
 * (authorization, proxy-authorization, cookie, set-cookie, x-api-key and
 * the contract's x-north-id-token, x-north-server-secret,
 * x-north-connector-tokens) and any whose name contains token, secret,
 * key, auth, password, passwd, session, cookie, credential or signature,
 * ignoring case. */
gboolean  north_mcp_log_is_secret_header (const char       *name);
/* A secret cut for logging, plus `...`: at most its first 10 characters
 * and never more than a quarter of it (bytes, not cutting a UTF-8
 * sequence); nothing of a value under 8 characters. */
char     *north_mcp_log_redact         (const char         *secret);
/* {'name': 'value', ...}: every header, names lower-cased, in libsoup's
 * order (well-known headers first, then the others as they arrived),
 * secret values redacted. */
char     *north_mcp_log_repr_headers   (SoupMessageHeaders *headers);

G_END_DECLS
