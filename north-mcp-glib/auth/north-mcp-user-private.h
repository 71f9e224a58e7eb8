/* north-mcp-user-private.h: what the auth sets on a user
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-user.h"

G_BEGIN_DECLS

/* Sets the e-mail the request claimed without proof; only while the user
 * is being made (a user is immutable once handed out). */
void north_mcp_user_set_unverified_email (NorthMcpUser *self,
                                          const char   *email);

G_END_DECLS
