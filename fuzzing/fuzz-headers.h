/* fuzz-headers.h: request headers from fuzzed `Name: value` lines
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <string.h>

#include <libsoup/soup.h>

/* Appends to @headers one header per `Name: value` line of @text (up to
 * 32), skipping what libsoup's own parser never produces: empty names,
 * names with blanks or colons, CR in values. Modifies @text. */
static inline void
fuzz_add_headers (SoupMessageHeaders *headers,
                  char               *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL && i < 32; i++)
    {
      char *colon = strchr (lines[i], ':');
      char *name, *value;

      if (colon == NULL)
        continue;
      *colon = '\0';
      name = g_strstrip (lines[i]);
      value = colon + 1;
      while (*value == ' ')
        value++;
      g_strdelimit (value, "\r", ' ');
      if (*name == '\0' || strpbrk (name, " \t\r\n:") != NULL)
        continue;
      soup_message_headers_append (headers, name, value);
    }
}

/* Splits @text, `Name: value` lines, an empty line, a line of body, then
 * the rest, in place into those three (@rest empty when there is none).
 * FALSE when there is no empty line. */
static inline gboolean
fuzz_split_request (char  *text,
                    char **headers,
                    char **body,
                    char **rest)
{
  char *blank = strstr (text, "\n\n");
  char *newline;

  if (blank == NULL)
    return FALSE;
  *blank = '\0';
  *headers = text;
  *body = blank + 2;
  newline = strchr (*body, '\n');
  if (newline != NULL)
    {
      *newline = '\0';
      *rest = newline + 1;
    }
  else
    *rest = *body + strlen (*body);
  return TRUE;
}
