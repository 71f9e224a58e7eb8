/* test-channel.h: an in-memory NorthMcpChannel for tests
 *
 * Records every message the server sends into it, so that tests can drive
 * north_mcp_dispatch_message() without a transport.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-channel-private.h"

G_BEGIN_DECLS

#define TEST_TYPE_CHANNEL (test_channel_get_type ())
G_DECLARE_FINAL_TYPE (TestChannel, test_channel, TEST, CHANNEL, NorthMcpChannel)

TestChannel *test_channel_new              (gboolean     can_stream);
/* The messages sent so far (JsonNode), oldest first. */
GPtrArray   *test_channel_get_messages     (TestChannel *self);
void         test_channel_clear            (TestChannel *self);
/* Iterates the default main context until @count messages arrived or
 * about 10 s of idle passed; returns whether they arrived. */
gboolean     test_channel_wait_for         (TestChannel *self,
                                            guint        count);
/* Runs what the default main context has due now (the list_changed
 * notifications that follow changes to the lists, for one), without
 * waiting for anything new. */
void         test_run_pending              (void);
/* The last message whose "id" equals @id (an integer id). */
JsonObject  *test_channel_find_response    (TestChannel *self,
                                            gint64       id);
/* The "result" of the response to @id; aborts the test, showing the
 * response, when there is none. */
JsonObject  *test_channel_result_of        (TestChannel *self,
                                            gint64       id);
/* The "error" of the response to @id, which must have code @code. */
JsonObject  *test_channel_error_of         (TestChannel *self,
                                            gint64       id,
                                            int          code);

/* The text of the first content block of a tool result (must be text). */
const char  *test_first_text               (JsonObject  *result);

/* Parses @json into a node; aborts the test on invalid JSON. */
JsonNode    *test_parse_json               (const char  *json);

/* {"x":{"x":…}}, @depth objects deep, the innermost with @members integer
 * members "m0"…: a tool result deeper and wider than a client may send. */
JsonNode    *test_deep_object              (guint        depth,
                                            guint        members);
/* Asserts that @object is what test_deep_object (@depth, @members) made. */
void         test_assert_deep_object       (JsonObject  *object,
                                            guint        depth,
                                            guint        members);

G_END_DECLS
