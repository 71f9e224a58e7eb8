/* north-mcp-event-store-private.h: SSE event ids and replay for one
 * session (Streamable HTTP resumability, revision 2025-11-25)
 *
 * Every event of a resumable POST stream gets an id `S-N`: S numbers the
 * stream within the session, N the event within the session, so ids are
 * unique across the session's streams and name the stream they belong
 * to. The store keeps the latest events of the session (bounded) so that
 * a client that lost a stream (or was told to poll, SEP-1699) gets what
 * it missed with GET and `Last-Event-ID`, and never another stream's
 * events.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-channel-private.h"
#include "north-mcp-session.h"

G_BEGIN_DECLS

/* How many events, and how many bytes of them, a session keeps for
 * replay. */
#define NORTH_MCP_EVENT_STORE_CAPACITY 256
#define NORTH_MCP_EVENT_STORE_MAX_BYTES (4 * 1024 * 1024)
/* How many bytes of events the stores of all sessions of the process keep
 * together: past it, the oldest events go, whichever session they are
 * in. */
#define NORTH_MCP_EVENT_STORE_TOTAL_MAX_BYTES (64 * 1024 * 1024)

/* With a state store shared by replicas every event of a session is also
 * appended, as "STREAM NUMBER DATA", to one store stream per session,
 * NORTH_MCP_EVENT_STORE_KEY_PREFIX "<session>" (its last
 * NORTH_MCP_EVENT_STORE_CAPACITY events, at most
 * NORTH_MCP_EVENT_STORE_SHARED_MAX_BYTES of them, for an hour after the
 * last one),
 * so that another replica can replay them after the one that sent them is
 * gone. One key per session, not per stream: a client that opens many
 * streams cannot make the store keep more than that. A replay reads at
 * most NORTH_MCP_EVENT_STORE_SHARED_MAX_BYTES too, of the resumed
 * stream's events only (the store skips the others). */
#define NORTH_MCP_EVENT_STORE_KEY_PREFIX "north-mcp:events:"
#define NORTH_MCP_EVENT_STORE_SHARED_TTL_MS (60 * 60 * 1000)
#define NORTH_MCP_EVENT_STORE_SHARED_MAX_BYTES (4 * NORTH_MCP_EVENT_STORE_MAX_BYTES)
/* The events of all sessions together, in a group of the store (each
 * stream counted with some bytes per event and per stream: see
 * north_mcp_state_store_append_async()): a session's stream lives on for
 * the hour after its last event, however its session ended, so without
 * it a client opening session after session grew Redis by
 * NORTH_MCP_EVENT_STORE_SHARED_MAX_BYTES each, up to maxmemory, where
 * Redis refuses every replica's writes. Past it, the streams of the
 * sessions that sent an event least recently go whole (a client that
 * resumes one is answered 400, its events gone), as the oldest events
 * go past NORTH_MCP_EVENT_STORE_TOTAL_MAX_BYTES in a process. */
#define NORTH_MCP_EVENT_STORE_SHARED_GROUP "north-mcp:event-streams"
#define NORTH_MCP_EVENT_STORE_SHARED_TOTAL_MAX_BYTES (256 * 1024 * 1024)

typedef struct _NorthMcpEventStore NorthMcpEventStore;

/* The store key of a session's events. */
char               *north_mcp_event_store_session_key  (const char         *session_id);

/* The store of @session, created on first use; owned by the session. */
NorthMcpEventStore *north_mcp_event_store_get          (NorthMcpSession    *session);
/* A new stream number, remembering @channel (weakly) as its live end.
 * After G_MAXUINT streams (one per POST: a session of months) the
 * numbers wrap, never to 0 nor to a stream the store still knows. */
guint               north_mcp_event_store_open_stream  (NorthMcpEventStore *self,
                                                        NorthMcpChannel    *channel);
/* Where stream numbers go on from (for tests of their wrap). */
void                north_mcp_event_store_set_next_stream (NorthMcpEventStore *self,
                                                           guint               stream);
/* Records one event of @stream; returns its id (transfer full). With
 * @data NULL, only numbers an event (a priming event). */
char               *north_mcp_event_store_add          (NorthMcpEventStore *self,
                                                        guint               stream,
                                                        const char         *data,
                                                        gsize               length);
/* Parses a `Last-Event-ID` of this store into its stream and event
 * number. */
gboolean            north_mcp_event_store_parse_id     (const char         *id,
                                                        guint              *stream,
                                                        guint64            *number);
/* Parses a record of the state store, "STREAM NUMBER DATA" (what this
 * store shares, but read back from a store anyone with access may have
 * written): FALSE unless both numbers are decimal, in range and not 0;
 * else @head is where DATA starts. */
gboolean            north_mcp_event_store_parse_record (const char         *data,
                                                        gsize               length,
                                                        guint              *stream,
                                                        guint64            *number,
                                                        gsize              *head);
/* Adds to @events (GBytes*, each an SSE event with its id, shared with
 * the store: not copied) the events of @stream after event @after that
 * the store still has. Returns FALSE when events after @after were
 * already dropped (the client cannot catch up). */
gboolean            north_mcp_event_store_replay       (NorthMcpEventStore *self,
                                                        guint               stream,
                                                        guint64             after,
                                                        GPtrArray          *events);
/* The live channel of @stream, or NULL once it is gone. */
NorthMcpChannel    *north_mcp_event_store_lookup_stream (NorthMcpEventStore *self,
                                                         guint               stream);

G_END_DECLS
