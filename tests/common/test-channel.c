/* test-channel.c: an in-memory NorthMcpChannel for tests
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "test-channel.h"

struct _TestChannel
{
  NorthMcpChannel  parent_instance;

  GPtrArray       *messages;
  gboolean         can_stream;
};

G_DEFINE_FINAL_TYPE (TestChannel, test_channel, NORTH_MCP_TYPE_CHANNEL)

static void
test_channel_send (NorthMcpChannel *channel,
                   JsonNode        *message)
{
  TestChannel *self = TEST_CHANNEL (channel);

  g_ptr_array_add (self->messages, json_node_copy (message));
}

static gboolean
test_channel_can_stream (NorthMcpChannel *channel)
{
  return TEST_CHANNEL (channel)->can_stream;
}

static void
test_channel_finalize (GObject *object)
{
  TestChannel *self = TEST_CHANNEL (object);

  g_clear_pointer (&self->messages, g_ptr_array_unref);

  G_OBJECT_CLASS (test_channel_parent_class)->finalize (object);
}

static void
test_channel_class_init (TestChannelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  NorthMcpChannelClass *channel_class = NORTH_MCP_CHANNEL_CLASS (klass);

  object_class->finalize = test_channel_finalize;
  channel_class->send = test_channel_send;
  channel_class->can_stream = test_channel_can_stream;
}

static void
test_channel_init (TestChannel *self)
{
  self->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
}

TestChannel *
test_channel_new (gboolean can_stream)
{
  TestChannel *self = g_object_new (TEST_TYPE_CHANNEL, NULL);

  self->can_stream = can_stream;
  return self;
}

GPtrArray *
test_channel_get_messages (TestChannel *self)
{
  return self->messages;
}

void
test_channel_clear (TestChannel *self)
{
  g_ptr_array_set_size (self->messages, 0);
}

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
test_channel_wait_for (TestChannel *self,
                       guint        count)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (10, timeout_cb, &timed_out);

  while (self->messages->len < count && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!timed_out)
    g_source_remove (id);

  return self->messages->len >= count;
}

JsonObject *
test_channel_find_response (TestChannel *self,
                            gint64       id)
{
  for (guint i = self->messages->len; i > 0; i--)
    {
      JsonObject *object = json_node_get_object (g_ptr_array_index (self->messages, i - 1));
      JsonNode *node = json_object_get_member (object, "id");

      if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
          json_node_get_value_type (node) == G_TYPE_INT64 &&
          json_node_get_int (node) == id &&
          !json_object_has_member (object, "method"))
        return object;
    }

  return NULL;
}

JsonObject *
test_channel_result_of (TestChannel *self,
                        gint64       id)
{
  JsonObject *response = test_channel_find_response (self, id);

  g_assert_nonnull (response);
  if (!json_object_has_member (response, "result"))
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), response);
      g_autofree char *text = json_to_string (node, FALSE);

      g_error ("response %" G_GINT64_FORMAT " is not a result: %s", id, text);
    }
  return json_object_get_object_member (response, "result");
}

JsonObject *
test_channel_error_of (TestChannel *self,
                       gint64       id,
                       int          code)
{
  JsonObject *response = test_channel_find_response (self, id);
  JsonObject *error;

  g_assert_nonnull (response);
  g_assert_true (json_object_has_member (response, "error"));
  error = json_object_get_object_member (response, "error");
  g_assert_cmpint (json_object_get_int_member (error, "code"), ==, code);
  return error;
}

const char *
test_first_text (JsonObject *result)
{
  JsonArray *content = json_object_get_array_member (result, "content");
  JsonObject *block = json_array_get_object_element (content, 0);

  g_assert_cmpstr (json_object_get_string_member (block, "type"), ==, "text");
  return json_object_get_string_member (block, "text");
}

JsonNode *
test_parse_json (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  return json_node_ref (json_parser_get_root (parser));
}

JsonNode *
test_deep_object (guint depth,
                  guint members)
{
  g_autoptr(JsonObject) inner = json_object_new ();
  JsonNode *node;

  for (guint i = 0; i < members; i++)
    {
      g_autofree char *name = g_strdup_printf ("m%u", i);

      json_object_set_int_member (inner, name, i);
    }
  node = json_node_init_object (json_node_alloc (), inner);
  for (guint i = 1; i < depth; i++)
    {
      g_autoptr(JsonObject) outer = json_object_new ();

      json_object_set_member (outer, "x", node);
      node = json_node_init_object (json_node_alloc (), outer);
    }
  return node;
}

void
test_assert_deep_object (JsonObject *object,
                         guint       depth,
                         guint       members)
{
  for (guint i = 1; i < depth; i++)
    {
      g_assert_nonnull (object);
      g_assert_cmpuint (json_object_get_size (object), ==, 1);
      object = json_object_get_object_member (object, "x");
    }
  g_assert_nonnull (object);
  g_assert_cmpuint (json_object_get_size (object), ==, members);
  for (guint i = 0; i < members; i++)
    {
      g_autofree char *name = g_strdup_printf ("m%u", i);

      g_assert_cmpint (json_object_get_int_member_with_default (object, name, -1), ==, i);
    }
}

void
test_run_pending (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}
