/* north-mcp-citation.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-citation.h"
#include "north-mcp-json-writer-private.h"

/**
 * NorthMcpCitation:
 *
 * A document that the North UI shows as the source of a tool result.
 *
 * North (1.13 and later) renders a citation from the `_north_metadata`
 * member of each item a tool returns, in this shape:
 *
 * ```json
 * {"text": "…", "title": "…", "url": "…",
 *  "_north_metadata": {"renderer": "document", "content": "…",
 *                      "title": "…", "url": "…", "label": "…",
 *                      "meta": {"author_name": "…", "last_updated": "1705276800",
 *                               "page_number": 3}}}
 * ```
 *
 * `title` and `url` stand at the top level of the item too: North labels the
 * tool result with them while it thinks. Only the content is required;
 * members that were not set are left out.
 *
 * Build one with [ctor@NorthMcp.Citation.new] and the setters (or, from
 * Python and GJS, with construct properties), then add it to a result with
 * [method@NorthMcp.ToolResult.add_citation].
 *
 * Since: 0.2
 */
struct _NorthMcpCitation
{
  GObject    parent_instance;

  char      *content;
  char      *title;
  char      *url;
  char      *label;
  char      *author_name;
  GDateTime *last_updated;
  int        page_number;
};

G_DEFINE_FINAL_TYPE (NorthMcpCitation, north_mcp_citation, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CONTENT,
  PROP_TITLE,
  PROP_URL,
  PROP_LABEL,
  PROP_AUTHOR_NAME,
  PROP_LAST_UPDATED,
  PROP_PAGE_NUMBER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
north_mcp_citation_finalize (GObject *object)
{
  NorthMcpCitation *self = NORTH_MCP_CITATION (object);

  g_free (self->content);
  g_free (self->title);
  g_free (self->url);
  g_free (self->label);
  g_free (self->author_name);
  g_clear_pointer (&self->last_updated, g_date_time_unref);

  G_OBJECT_CLASS (north_mcp_citation_parent_class)->finalize (object);
}

static void
north_mcp_citation_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  NorthMcpCitation *self = NORTH_MCP_CITATION (object);

  switch (prop_id)
    {
    case PROP_CONTENT:
      g_value_set_string (value, self->content);
      break;
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_URL:
      g_value_set_string (value, self->url);
      break;
    case PROP_LABEL:
      g_value_set_string (value, self->label);
      break;
    case PROP_AUTHOR_NAME:
      g_value_set_string (value, self->author_name);
      break;
    case PROP_LAST_UPDATED:
      g_value_set_boxed (value, self->last_updated);
      break;
    case PROP_PAGE_NUMBER:
      g_value_set_int (value, self->page_number);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* Setting a string property to what it holds notifies nobody. */
static void
replace_string (NorthMcpCitation *self,
                char            **field,
                const char       *value,
                guint             prop_id)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
north_mcp_citation_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  NorthMcpCitation *self = NORTH_MCP_CITATION (object);

  switch (prop_id)
    {
    case PROP_CONTENT:
      g_free (self->content);
      self->content = g_strdup (g_value_get_string (value) ? g_value_get_string (value) : "");
      break;
    case PROP_TITLE:
      north_mcp_citation_set_title (self, g_value_get_string (value));
      break;
    case PROP_URL:
      north_mcp_citation_set_url (self, g_value_get_string (value));
      break;
    case PROP_LABEL:
      north_mcp_citation_set_label (self, g_value_get_string (value));
      break;
    case PROP_AUTHOR_NAME:
      north_mcp_citation_set_author_name (self, g_value_get_string (value));
      break;
    case PROP_LAST_UPDATED:
      north_mcp_citation_set_last_updated (self, g_value_get_boxed (value));
      break;
    case PROP_PAGE_NUMBER:
      north_mcp_citation_set_page_number (self, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
north_mcp_citation_class_init (NorthMcpCitationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = north_mcp_citation_finalize;
  object_class->get_property = north_mcp_citation_get_property;
  object_class->set_property = north_mcp_citation_set_property;

  /**
   * NorthMcpCitation:content:
   *
   * The text North shows in the citation (`_north_metadata.content`), also
   * the item's `text`.
   *
   * Since: 0.2
   */
  properties[PROP_CONTENT] =
    g_param_spec_string ("content", NULL, NULL, "",
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * NorthMcpCitation:title:
   *
   * The document's title, or %NULL.
   *
   * Since: 0.2
   */
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * NorthMcpCitation:url:
   *
   * Where the document can be opened, or %NULL.
   *
   * Since: 0.2
   */
  properties[PROP_URL] =
    g_param_spec_string ("url", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * NorthMcpCitation:label:
   *
   * A short label North shows instead of the title, or %NULL.
   *
   * Since: 0.2
   */
  properties[PROP_LABEL] =
    g_param_spec_string ("label", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * NorthMcpCitation:author-name:
   *
   * Who wrote the document (`meta.author_name`), or %NULL.
   *
   * Since: 0.2
   */
  properties[PROP_AUTHOR_NAME] =
    g_param_spec_string ("author-name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * NorthMcpCitation:last-updated:
   *
   * When the document last changed (`meta.last_updated`, sent as Unix
   * seconds in a string, as North expects), or %NULL.
   *
   * Since: 0.2
   */
  properties[PROP_LAST_UPDATED] =
    g_param_spec_boxed ("last-updated", NULL, NULL, G_TYPE_DATE_TIME,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * NorthMcpCitation:page-number:
   *
   * The page cited (`meta.page_number`), or 0 for none.
   *
   * Since: 0.2
   */
  properties[PROP_PAGE_NUMBER] =
    g_param_spec_int ("page-number", NULL, NULL, 0, G_MAXINT, 0,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
north_mcp_citation_init (NorthMcpCitation *self)
{
}

/**
 * north_mcp_citation_new:
 * @content: the text North shows in the citation
 *
 * Creates a document citation with @content and nothing else.
 *
 * Returns: (transfer full): a new citation
 *
 * Since: 0.2
 */
NorthMcpCitation *
north_mcp_citation_new (const char *content)
{
  g_return_val_if_fail (content != NULL, NULL);

  return g_object_new (NORTH_MCP_TYPE_CITATION, "content", content, NULL);
}

/**
 * north_mcp_citation_get_content:
 * @self: a citation
 *
 * Gets [property@NorthMcp.Citation:content].
 *
 * Returns: the text North shows in the citation
 *
 * Since: 0.2
 */
const char *
north_mcp_citation_get_content (NorthMcpCitation *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_CITATION (self), NULL);

  return self->content;
}

/**
 * north_mcp_citation_set_title:
 * @self: a citation
 * @title: (nullable): the document's title
 *
 * Sets [property@NorthMcp.Citation:title].
 *
 * Since: 0.2
 */
void
north_mcp_citation_set_title (NorthMcpCitation *self,
                              const char       *title)
{
  g_return_if_fail (NORTH_MCP_IS_CITATION (self));

  replace_string (self, &self->title, title, PROP_TITLE);
}

/**
 * north_mcp_citation_get_title:
 * @self: a citation
 *
 * Gets [property@NorthMcp.Citation:title].
 *
 * Returns: (nullable): the document's title
 *
 * Since: 0.2
 */
const char *
north_mcp_citation_get_title (NorthMcpCitation *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_CITATION (self), NULL);

  return self->title;
}

/**
 * north_mcp_citation_set_url:
 * @self: a citation
 * @url: (nullable): where the document can be opened
 *
 * Sets [property@NorthMcp.Citation:url].
 *
 * Since: 0.2
 */
void
north_mcp_citation_set_url (NorthMcpCitation *self,
                            const char       *url)
{
  g_return_if_fail (NORTH_MCP_IS_CITATION (self));

  replace_string (self, &self->url, url, PROP_URL);
}

/**
 * north_mcp_citation_get_url:
 * @self: a citation
 *
 * Gets [property@NorthMcp.Citation:url].
 *
 * Returns: (nullable): where the document can be opened
 *
 * Since: 0.2
 */
const char *
north_mcp_citation_get_url (NorthMcpCitation *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_CITATION (self), NULL);

  return self->url;
}

/**
 * north_mcp_citation_set_label:
 * @self: a citation
 * @label: (nullable): a short label
 *
 * Sets [property@NorthMcp.Citation:label].
 *
 * Since: 0.2
 */
void
north_mcp_citation_set_label (NorthMcpCitation *self,
                              const char       *label)
{
  g_return_if_fail (NORTH_MCP_IS_CITATION (self));

  replace_string (self, &self->label, label, PROP_LABEL);
}

/**
 * north_mcp_citation_get_label:
 * @self: a citation
 *
 * Gets [property@NorthMcp.Citation:label].
 *
 * Returns: (nullable): the short label
 *
 * Since: 0.2
 */
const char *
north_mcp_citation_get_label (NorthMcpCitation *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_CITATION (self), NULL);

  return self->label;
}

/**
 * north_mcp_citation_set_author_name:
 * @self: a citation
 * @author_name: (nullable): who wrote the document
 *
 * Sets [property@NorthMcp.Citation:author-name].
 *
 * Since: 0.2
 */
void
north_mcp_citation_set_author_name (NorthMcpCitation *self,
                                    const char       *author_name)
{
  g_return_if_fail (NORTH_MCP_IS_CITATION (self));

  replace_string (self, &self->author_name, author_name, PROP_AUTHOR_NAME);
}

/**
 * north_mcp_citation_get_author_name:
 * @self: a citation
 *
 * Gets [property@NorthMcp.Citation:author-name].
 *
 * Returns: (nullable): who wrote the document
 *
 * Since: 0.2
 */
const char *
north_mcp_citation_get_author_name (NorthMcpCitation *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_CITATION (self), NULL);

  return self->author_name;
}

/**
 * north_mcp_citation_set_last_updated:
 * @self: a citation
 * @last_updated: (nullable): when the document last changed
 *
 * Sets [property@NorthMcp.Citation:last-updated].
 *
 * Since: 0.2
 */
void
north_mcp_citation_set_last_updated (NorthMcpCitation *self,
                                     GDateTime        *last_updated)
{
  g_return_if_fail (NORTH_MCP_IS_CITATION (self));

  if (self->last_updated == last_updated)
    return;
  g_clear_pointer (&self->last_updated, g_date_time_unref);
  if (last_updated != NULL)
    self->last_updated = g_date_time_ref (last_updated);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_UPDATED]);
}

/**
 * north_mcp_citation_get_last_updated:
 * @self: a citation
 *
 * Gets [property@NorthMcp.Citation:last-updated].
 *
 * Returns: (nullable) (transfer none): when the document last changed
 *
 * Since: 0.2
 */
GDateTime *
north_mcp_citation_get_last_updated (NorthMcpCitation *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_CITATION (self), NULL);

  return self->last_updated;
}

/**
 * north_mcp_citation_set_page_number:
 * @self: a citation
 * @page_number: the page cited, or 0 for none
 *
 * Sets [property@NorthMcp.Citation:page-number].
 *
 * Since: 0.2
 */
void
north_mcp_citation_set_page_number (NorthMcpCitation *self,
                                    int               page_number)
{
  g_return_if_fail (NORTH_MCP_IS_CITATION (self));
  g_return_if_fail (page_number >= 0);

  if (self->page_number == page_number)
    return;
  self->page_number = page_number;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAGE_NUMBER]);
}

/**
 * north_mcp_citation_get_page_number:
 * @self: a citation
 *
 * Gets [property@NorthMcp.Citation:page-number].
 *
 * Returns: the page cited, or 0 for none
 *
 * Since: 0.2
 */
int
north_mcp_citation_get_page_number (NorthMcpCitation *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_CITATION (self), 0);

  return self->page_number;
}

static void
set_optional_string (JsonObject *object,
                     const char *name,
                     const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, name, value);
}

static JsonObject *
meta_to_json (NorthMcpCitation *self)
{
  JsonObject *meta = json_object_new ();

  set_optional_string (meta, "author_name", self->author_name);
  if (self->last_updated != NULL)
    {
      g_autofree char *seconds = g_strdup_printf ("%" G_GINT64_FORMAT,
                                                  g_date_time_to_unix (self->last_updated));
      json_object_set_string_member (meta, "last_updated", seconds);
    }
  if (self->page_number > 0)
    json_object_set_int_member (meta, "page_number", self->page_number);
  return meta;
}

/**
 * north_mcp_citation_to_json:
 * @self: a citation
 *
 * Writes the citation as one result item: `text`, `title` and `url` at the
 * top level and `_north_metadata` as North 1.13 reads it (see
 * [class@NorthMcp.Citation]).
 *
 * Returns: (transfer full): a JSON object node
 *
 * Since: 0.2
 */
JsonNode *
north_mcp_citation_to_json (NorthMcpCitation *self)
{
  g_autoptr(JsonObject) item = json_object_new ();
  JsonObject *metadata = json_object_new ();
  JsonObject *meta;

  g_return_val_if_fail (NORTH_MCP_IS_CITATION (self), NULL);

  json_object_set_string_member (item, "text", self->content);
  set_optional_string (item, "title", self->title);
  set_optional_string (item, "url", self->url);

  json_object_set_string_member (metadata, "renderer", "document");
  json_object_set_string_member (metadata, "content", self->content);
  set_optional_string (metadata, "title", self->title);
  set_optional_string (metadata, "url", self->url);
  set_optional_string (metadata, "label", self->label);
  meta = meta_to_json (self);
  if (json_object_get_size (meta) > 0)
    json_object_set_object_member (metadata, "meta", meta);
  else
    json_object_unref (meta);
  json_object_set_object_member (item, "_north_metadata", metadata);

  return json_node_init_object (json_node_alloc (), item);
}

/* The `{"result": [...]}` array of @result's structured content, made when
 * there is none; NULL when the structured content is something else. */
static JsonArray *
structured_result_array (NorthMcpToolResult *result)
{
  JsonNode *structured = north_mcp_tool_result_get_structured_content (result);
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (structured != NULL)
    {
      JsonObject *existing = JSON_NODE_HOLDS_OBJECT (structured) ? json_node_get_object (structured) : NULL;
      JsonNode *array = existing != NULL ? json_object_get_member (existing, "result") : NULL;

      return array != NULL && JSON_NODE_HOLDS_ARRAY (array) ? json_node_get_array (array) : NULL;
    }

  object = json_object_new ();
  json_object_set_array_member (object, "result", json_array_new ());
  node = json_node_init_object (json_node_alloc (), object);
  north_mcp_tool_result_set_structured_content (result, node);
  structured = north_mcp_tool_result_get_structured_content (result);
  return json_object_get_array_member (json_node_get_object (structured), "result");
}

/**
 * north_mcp_tool_result_add_citation:
 * @result: a tool result
 * @citation: the document to cite
 *
 * Adds @citation to @result as the North Python SDK's FastMCP sends one
 * item of a returned list: a text block holding the item's JSON (see
 * [method@NorthMcp.Citation.to_json]), and the item appended to the
 * structured content `{"result": [...]}`, which is created when @result has
 * no structured content yet.
 *
 * @result's structured content, if set, must be such an object.
 *
 * Since: 0.2
 */
void
north_mcp_tool_result_add_citation (NorthMcpToolResult *result,
                                    NorthMcpCitation   *citation)
{
  g_autoptr(JsonNode) item = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  JsonArray *items;

  g_return_if_fail (NORTH_MCP_IS_TOOL_RESULT (result));
  g_return_if_fail (NORTH_MCP_IS_CITATION (citation));

  items = structured_result_array (result);
  g_return_if_fail (items != NULL);

  item = north_mcp_citation_to_json (citation);
  /* Not json_to_string(): json-glib 1.6 copies U+001F raw, and FastMCP
   * reads the block with a strict parser. */
  north_mcp_json_write (text, item);
  north_mcp_tool_result_add_text (result, text->str);
  json_array_add_element (items, g_steal_pointer (&item));
}
