/* test-interim-output-stream.c: what reaches the connection when an
 * interim response is to be dropped (the HTTP side: tests/hostile/
 * test_http10.py), and how a chunked body cut anywhere is ended whole
 * (the HTTP side: tests/hostile/test_connections.py)
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "north-mcp-interim-output-stream-private.h"

#define CONTINUE_HEAD "HTTP/1.0 100 Continue\r\nDate: Thu, 03 Dec 2026 19:00:00 GMT\r\n\r\n"
#define FINAL "HTTP/1.0 200 OK\r\nContent-Length: 8\r\n\r\n\r\n\r\n\r\n\r\n"

typedef struct {
  GOutputStream *memory;
  GOutputStream *stream;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->memory = g_memory_output_stream_new_resizable ();
  f->stream = north_mcp_interim_output_stream_new (f->memory, NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->stream);
  g_clear_object (&f->memory);
}

/* Writes @text in pieces of @piece bytes (0: at once), without blocking,
 * each piece until all of it is taken, as libsoup writes a head. */
static void
write_in_pieces (Fixture    *f,
                 const char *text,
                 gsize       piece)
{
  gsize length = strlen (text);

  for (gsize done = 0; done < length;)
    {
      gsize count = piece == 0 ? length - done : MIN (piece, length - done);
      gsize end = done + count;

      while (done < end)
        {
          g_autoptr(GError) error = NULL;
          gssize n = g_pollable_stream_write (f->stream, text + done, end - done, FALSE, NULL, &error);

          g_assert_no_error (error);
          g_assert_cmpint (n, >, 0);
          done += n;
        }
    }
}

static char *
written (Fixture *f)
{
  GMemoryOutputStream *memory = G_MEMORY_OUTPUT_STREAM (f->memory);

  return g_strndup (g_memory_output_stream_get_data (memory), g_memory_output_stream_get_data_size (memory));
}

static void
test_passes_through (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *text = NULL;

  write_in_pieces (f, CONTINUE_HEAD FINAL, 0);
  text = written (f);
  g_assert_cmpstr (text, ==, CONTINUE_HEAD FINAL);
}

/* Whatever the pieces, the interim head goes and all the rest is sent:
 * the body's empty lines included. */
static void
test_drops_interim_head (Fixture       *f,
                         gconstpointer  data)
{
  static const gsize pieces[] = { 0, 1, 2, 3, 5, 13 };

  for (guint i = 0; i < G_N_ELEMENTS (pieces); i++)
    {
      g_autofree char *text = NULL;

      g_test_message ("pieces of %" G_GSIZE_FORMAT " bytes", pieces[i]);
      fixture_teardown (f, NULL);
      fixture_setup (f, NULL);
      north_mcp_interim_output_stream_drop_interim (NORTH_MCP_INTERIM_OUTPUT_STREAM (f->stream));
      /* The head is one write; pieces split what follows it. */
      write_in_pieces (f, CONTINUE_HEAD, 0);
      write_in_pieces (f, FINAL, pieces[i]);
      text = written (f);
      g_assert_cmpstr (text, ==, FINAL);
    }
}

/* libsoup writes what is left of a head after a short write: the rest of
 * an interim head goes too. */
static void
test_drops_rest_of_interim_head (Fixture       *f,
                                 gconstpointer  data)
{
  static const char head[] = "HTTP/1.0 100 Continue\r\n\r\r\n\r\n";
  g_autofree char *text = NULL;

  north_mcp_interim_output_stream_drop_interim (NORTH_MCP_INTERIM_OUTPUT_STREAM (f->stream));
  write_in_pieces (f, head, 11);
  write_in_pieces (f, FINAL, 0);
  text = written (f);
  g_assert_cmpstr (text, ==, FINAL);
}

/* A final head (a refusal written at once) is sent, and ends the wait:
 * a later 1xx head goes out as it is. */
static void
test_final_head_is_sent (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *text = NULL;

  north_mcp_interim_output_stream_drop_interim (NORTH_MCP_INTERIM_OUTPUT_STREAM (f->stream));
  write_in_pieces (f, FINAL CONTINUE_HEAD, 0);
  text = written (f);
  g_assert_cmpstr (text, ==, FINAL CONTINUE_HEAD);
}

#define STREAM_HEAD "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
static const char *const events[] = { "data: {}\n\n", ": keep-alive\n\n", "data: [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]\n\n" };

/* Wherever the writes stop, the end given completes the chunk under way
 * (from the body, which still holds it) and adds the last chunk; in the
 * head, there is none. */
static void
test_ends_cut_body_whole (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GString) wire = g_string_new (STREAM_HEAD);
  g_autoptr(GArray) ends = g_array_new (FALSE, FALSE, sizeof (gsize));
  SoupMessageBody *body = soup_message_body_new ();

  for (guint i = 0; i < G_N_ELEMENTS (events); i++)
    {
      gsize end;

      g_string_append_printf (wire, "%zx\r\n%s\r\n", strlen (events[i]), events[i]);
      end = wire->len;
      g_array_append_val (ends, end);
      soup_message_body_append (body, SOUP_MEMORY_STATIC, events[i], strlen (events[i]));
    }

  for (gsize cut = 0; cut <= wire->len; cut++)
    {
      g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
      g_autoptr(GOutputStream) stream = north_mcp_interim_output_stream_new (memory, NULL);
      g_autoptr(GBytes) end = NULL;
      g_autoptr(GString) expected = NULL;
      GMemoryOutputStream *out = G_MEMORY_OUTPUT_STREAM (memory);
      gsize complete = cut;

      north_mcp_interim_output_stream_track_body (NORTH_MCP_INTERIM_OUTPUT_STREAM (stream), TRUE);
      /* In pieces of 3 bytes, as partial writes come. */
      for (gsize done = 0; done < cut; done += MIN (3, cut - done))
        g_assert_cmpint (g_output_stream_write (stream, wire->str + done, MIN (3, cut - done), NULL, NULL), ==,
                         MIN (3, cut - done));
      end = north_mcp_interim_output_stream_end_body (NORTH_MCP_INTERIM_OUTPUT_STREAM (stream), body);
      if (cut < strlen (STREAM_HEAD))
        {
          g_assert_null (end);
          continue;
        }
      g_assert_nonnull (end);

      for (guint i = 0; i < ends->len; i++)
        if (cut > (i == 0 ? strlen (STREAM_HEAD) : g_array_index (ends, gsize, i - 1)) &&
            cut <= g_array_index (ends, gsize, i))
          complete = g_array_index (ends, gsize, i);
      expected = g_string_new_len (wire->str, complete);
      g_string_append (expected, "0\r\n\r\n");

      g_assert_cmpmem (g_memory_output_stream_get_data (out), g_memory_output_stream_get_data_size (out),
                       wire->str, cut);
      g_assert_cmpmem (g_bytes_get_data (end, NULL), g_bytes_get_size (end),
                       expected->str + cut, expected->len - cut);
    }

  soup_message_body_unref (body);
}

#define EOF_HEAD "HTTP/1.0 200 OK\r\nConnection: close\r\n\r\n"

/* A body that ends with the connection (HTTP/1.0): wherever the writes
 * stop, the end given is the rest of the event under way (the next one
 * whole, between two), nothing once all is written; in the head, none. */
static void
test_ends_cut_eof_body_whole (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GString) wire = g_string_new (EOF_HEAD);
  SoupMessageBody *body = soup_message_body_new ();

  for (guint i = 0; i < G_N_ELEMENTS (events); i++)
    {
      g_string_append (wire, events[i]);
      soup_message_body_append (body, SOUP_MEMORY_STATIC, events[i], strlen (events[i]));
    }

  for (gsize cut = 0; cut <= wire->len; cut++)
    {
      g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
      g_autoptr(GOutputStream) stream = north_mcp_interim_output_stream_new (memory, NULL);
      g_autoptr(GBytes) end = NULL;
      gsize complete = strlen (EOF_HEAD);

      north_mcp_interim_output_stream_track_body (NORTH_MCP_INTERIM_OUTPUT_STREAM (stream), FALSE);
      for (gsize done = 0; done < cut; done += MIN (3, cut - done))
        g_assert_cmpint (g_output_stream_write (stream, wire->str + done, MIN (3, cut - done), NULL, NULL), ==,
                         MIN (3, cut - done));
      end = north_mcp_interim_output_stream_end_body (NORTH_MCP_INTERIM_OUTPUT_STREAM (stream), body);
      if (cut < strlen (EOF_HEAD) || cut == wire->len)
        {
          g_assert_null (end);
          continue;
        }
      for (guint i = 0; complete <= cut; i++)
        complete += strlen (events[i]);
      g_assert_nonnull (end);
      g_assert_cmpmem (g_bytes_get_data (end, NULL), g_bytes_get_size (end),
                       wire->str + cut, complete - cut);
    }

  soup_message_body_unref (body);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/interim-output-stream/passes-through", test_passes_through);
  ADD ("/interim-output-stream/drops-interim-head", test_drops_interim_head);
  ADD ("/interim-output-stream/drops-rest-of-interim-head", test_drops_rest_of_interim_head);
  ADD ("/interim-output-stream/final-head-is-sent", test_final_head_is_sent);
  ADD ("/interim-output-stream/ends-cut-body-whole", test_ends_cut_body_whole);
  ADD ("/interim-output-stream/ends-cut-eof-body-whole", test_ends_cut_eof_body_whole);

#undef ADD

  return g_test_run ();
}
