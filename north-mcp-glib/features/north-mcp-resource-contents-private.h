/* north-mcp-resource-contents-private.h: the items of resource contents,
 * for the content blocks that embed one
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* A `TextResourceContents` or `BlobResourceContents` object: @uri,
 * @mime_type (may be NULL) and @member (`text`, or `blob` for base64) set
 * to @value. */
JsonObject *north_mcp_resource_item_new (const char *uri,
                                         const char *mime_type,
                                         const char *member,
                                         const char *value);

G_END_DECLS
