/* north-mcp-task-quota-private.h: how many task records one server may
 * have created, per owner and in all, until they expire
 *
 * For records kept elsewhere (a state store shared by replicas, which
 * expires them by itself): the server still bounds what one user, or all
 * of them, can make the store keep through it.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _NorthMcpTaskQuota NorthMcpTaskQuota;

NorthMcpTaskQuota *north_mcp_task_quota_new       (guint               max_per_owner,
                                                   guint               max_total);
void               north_mcp_task_quota_free      (NorthMcpTaskQuota *self);

/* Counts record @task_id of @owner that expires at @expires_at (real
 * time, µs) unless @owner or all owners already have as many unexpired
 * records as allowed: then FALSE with a NORTH_MCP_ERROR_FAILED error that
 * says so. */
gboolean           north_mcp_task_quota_take      (NorthMcpTaskQuota  *self,
                                                   const char         *owner,
                                                   const char         *task_id,
                                                   gint64              expires_at,
                                                   GError            **error);
/* Forgets a record counted by north_mcp_task_quota_take() that was not
 * stored after all. */
void               north_mcp_task_quota_give_back (NorthMcpTaskQuota  *self,
                                                   const char         *owner,
                                                   const char         *task_id);
/* The record was written again and lives until @expires_at (if later
 * than it did): it counts until then. Records not counted here are
 * ignored. */
void               north_mcp_task_quota_renew     (NorthMcpTaskQuota  *self,
                                                   const char         *owner,
                                                   const char         *task_id,
                                                   gint64              expires_at);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NorthMcpTaskQuota, north_mcp_task_quota_free)

G_END_DECLS
