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
 * caller checks whether debug is on. Thread-safe; a line is written whole. */
void      north_mcp_log_debug          (const char         *logger,
                                        const char         *format,
                                        ...) G_GNUC_PRINTF (2, 3);
void      north_mcp_log_warning        (const char         *logger,
                                        const char         *format,
                                        ...) G_GNUC_PRINTF (2, 3);
void      north_mcp_log_message        (const char         *logger,
                                        const char         *level,
                                        const char         *format,
                                        va_list             args) G_GNUC_PRINTF (3, 0);

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
