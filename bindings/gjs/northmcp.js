// northmcp.js: north-mcp-glib for GJS, with plain JavaScript values
//
// SPDX-License-Identifier: MIT
//
//     import {Server} from './northmcp.js';
//
//     const server = new Server({name: 'Demo', version: '1.0.0', port: 5222});
//     server.tool('add', {
//         description: 'Add two numbers',
//         input: {a: 'integer', b: 'integer'},
//     }, ({a, b}) => a + b);
//     System.exit(server.run());
//
// Tools are plain functions `(args, context) => value`: `args` is a plain
// object, the value may be a string, number, boolean, object, array,
// NorthMcp.ToolResult, or a Promise of one (async functions work: the GLib
// main loop keeps serving while they wait). A thrown error becomes a result
// with `isError` and "ErrorName: message", and a line on stderr (once a
// minute at most; every stack with --debug).
//
// The context has promise-returning requests to the client and the server
// (`await context.elicit(…)`, `sample`, `listRoots`, `readResource`; each
// given up by cancelling the Gio.Cancellable it may take last), log
// messages (`context.info(…)`, `debug`, `warning`, `error`) and progress
// (`context.progress(…)`). getAuthenticatedUser() finds the caller in the
// handler and after every `await` in it, without the context.
// `await server.shutdown()` stops gracefully, as SIGTERM does.

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Json from 'gi://Json?version=1.0';
import NorthMcp from 'gi://NorthMcp?version=1.0';
import Soup from 'gi://Soup?version=3.0';
import System from 'system';

export {NorthMcp};

/** Plain JavaScript value of a Json.Node, Json.Object or Json.Array. */
export function jsonToJs(value) {
    if (value === null || value === undefined)
        return null;
    let node = value;
    if (value instanceof Json.Object)
        node = Json.Node.alloc().init_object(value);
    else if (value instanceof Json.Array)
        node = Json.Node.alloc().init_array(value);
    return JSON.parse(Json.to_string(node, false));
}

/** A new Json.Node holding a JSON-serialisable JavaScript value. */
export function jsToJson(value) {
    const text = JSON.stringify(value === undefined ? null : value);
    return Json.from_string(text);
}

/** Thrown by getAuthenticatedUser() when a request has no North user. */
export class AuthenticationError extends Error {
    constructor(message = 'User not found in context') {
        super(message);
        this.name = 'AuthenticationError';
    }
}

/** A North user as a plain object. */
export function userToJs(user) {
    if (!user)
        return null;
    return {
        email: user.get_email(),
        connectorAccessTokens: {...user.get_connector_access_tokens() ?? {}},
        idToken: user.get_id_token(),
        claims: jsonToJs(user.get_claims()) ?? {},
        context: {...user.get_context() ?? {}},
    };
}

// --- the request running now ---------------------------------------------------
//
// GJS has no async context: after an `await`, code resumes from a GLib
// callback that knows nothing of the request. But SpiderMonkey keeps async
// stacks: a resumed async function's stack still shows the frames that
// first called it. Each handler is therefore called through a function
// compiled with a name unique to its request, `__northmcp_request_<n>`;
// currentContext() finds the innermost such frame in `new Error().stack`
// and looks the request up. Names are never reused, and a request leaves
// the table when answered: a continuation that outlives its request finds
// no context rather than someone else's; so does one of a request that
// was cancelled (see invoke()).

const REQUEST_FRAME = /__northmcp_request_(\d+)/;
const requestsInFlight = new Map();
let lastRequestNumber = 0;

// Calls func(args, context) through a frame named after a new request
// number; returns [number, value].
function callAsRequest(func, args, context) {
    const number = ++lastRequestNumber;
    requestsInFlight.set(number, context);
    // eslint-disable-next-line no-new-func
    const frame = new Function('f', 'a', 'c',
        `return (function __northmcp_request_${number}() { return f(a, c); })();`);
    try {
        return [number, frame(func, args, context)];
    } catch (error) {
        requestsInFlight.delete(number);
        throw error;
    }
}

function endRequest(number) {
    requestsInFlight.delete(number);
}

// endRequest(number) as a callback that holds nothing else (not the
// context: connected to the context's cancellable, a closure holding it
// would keep both alive).
function endRequestLater(number) {
    return () => endRequest(number);
}

/**
 * For the library's tests: how many requests the table above holds. Not
 * part of the API.
 */
export function _requestsInFlight() {
    return requestsInFlight.size;
}

/**
 * The NorthMcp.Context of the request whose handler runs now, also after
 * an `await` in it (see above); null outside handlers, in callbacks that
 * are not part of the handler's async chain (a bare GLib.timeout_add
 * callback, a `.then()` callback registered after an `await`), and in
 * continuations that outlive their request.
 */
export function currentContext() {
    const match = REQUEST_FRAME.exec(new Error().stack ?? '');
    if (match)
        return requestsInFlight.get(Number(match[1])) ?? null;
    return NorthMcp.Context.get_current();
}

/**
 * The North user of a request: of @context (a NorthMcp.Context, as given
 * to handlers), or of the request running now (see currentContext()),
 * also after an `await`. Throws AuthenticationError when there is none.
 */
export function getAuthenticatedUser(context = null) {
    const user = (context ?? currentContext())?.get_user() ?? null;
    if (!user)
        throw new AuthenticationError();
    return userToJs(user);
}

/**
 * The North context of a request as a plain object: every
 * `X-North-Context-*` header, keyed by the rest of its name in lower case,
 * empty values kept, with or without credentials. Of @context, of the
 * request running now (see currentContext()), or, in a custom route
 * callback, of the route's request; {} elsewhere.
 */
export function getNorthContext(context = null) {
    const current = context ?? currentContext();
    return {...(current ? current.get_north_context() : NorthMcp.get_north_context()) ?? {}};
}

/**
 * A result item North (1.13 and later) shows as a cited document, as
 * NorthMcp.Citation builds it: `{text, title, url, _north_metadata:
 * {renderer: 'document', content, title, url, label, meta: {author_name,
 * last_updated, page_number}}}`, members not given left out.
 * @lastUpdated: a Date, or Unix seconds. Return an array of these from a
 * tool.
 */
export function citation(content, {title = null, url = null, label = null, authorName = null,
    lastUpdated = null, pageNumber = null} = {}) {
    const seconds = lastUpdated instanceof Date ? lastUpdated.getTime() / 1000 : lastUpdated;
    const properties = {title, url, label, author_name: authorName, page_number: pageNumber,
        last_updated: seconds === null ? null : GLib.DateTime.new_from_unix_utc(Math.floor(seconds))};
    const item = new NorthMcp.Citation({
        content,
        ...Object.fromEntries(Object.entries(properties).filter(([, value]) => value !== null)),
    });
    return jsonToJs(item.to_json());
}

/** A Promise resolved after @milliseconds, on the GLib main loop. */
export function sleep(milliseconds) {
    return new Promise(resolve => {
        GLib.timeout_add(GLib.PRIORITY_DEFAULT, Math.max(0, Math.round(milliseconds)), () => {
            resolve();
            return GLib.SOURCE_REMOVE;
        });
    });
}

// --- the context: promises, logging, progress -----------------------------------

// A Promise of finish(result) for an `_async` method started by start(callback).
function promised(start, finish) {
    return new Promise((resolve, reject) => {
        start((_source, result) => {
            try {
                resolve(finish(result));
            } catch (error) {
                reject(error);
            }
        });
    });
}

const LOG_LEVELS = {
    debug: NorthMcp.LogLevel.DEBUG,
    info: NorthMcp.LogLevel.INFO,
    notice: NorthMcp.LogLevel.NOTICE,
    warning: NorthMcp.LogLevel.WARNING,
    error: NorthMcp.LogLevel.ERROR,
};

// The sampling/createMessage parameters: a string is one user message.
function samplingParams(messages, options) {
    const list = (Array.isArray(messages) ? messages : [messages]).map(message =>
        typeof message === 'string'
            ? {role: 'user', content: {type: 'text', text: message}}
            : message);
    const {maxTokens = 512, systemPrompt, temperature, ...rest} = options;
    const params = {messages: list, maxTokens, ...rest};
    if (systemPrompt !== undefined)
        params.systemPrompt = systemPrompt;
    if (temperature !== undefined)
        params.temperature = temperature;
    return params;
}

// The cancellable of @context's request @method: the caller's, so that
// cancelling it gives the request up (the library ends it with the
// context's request too, whatever cancellable it is given), else the
// context's.
function requestCancellable(context, cancellable, method) {
    if (cancellable === null || cancellable === undefined)
        return context.get_cancellable();
    if (!(cancellable instanceof Gio.Cancellable))
        throw new TypeError(`context.${method}(): the last argument must be a Gio.Cancellable or null`);
    return cancellable;
}

const contextMethods = {
    /**
     * Asks the user (elicitation/create). @schema is a JSON Schema of an
     * object or the shorthand of tool inputs (`{name: 'string'}`). Resolves
     * with `{action: 'accept'|'decline'|'cancel', content}`. Cancelling
     * @cancellable (a Gio.Cancellable, optional, also in place of @schema)
     * gives the question up: the client is sent notifications/cancelled
     * and the Promise rejects with Gio.IOErrorEnum.CANCELLED.
     */
    elicit(message, schema = {}, cancellable = null) {
        if (schema instanceof Gio.Cancellable)
            [schema, cancellable] = [{}, schema];
        cancellable = requestCancellable(this, cancellable, 'elicit');
        const requested = jsToJson(inputSchema(schema, 'elicit')).get_object();
        return promised(
            callback => this.elicit_async(message, requested, cancellable, callback),
            result => jsonToJs(this.elicit_finish(result)));
    },

    /**
     * Asks the client's model (sampling/createMessage). @messages is a
     * string, or an array of strings and MCP sampling messages; @options
     * `maxTokens` (512), `systemPrompt`, `temperature` and any other
     * parameter. Resolves with the result: `{role, content, model, …}`.
     * @cancellable gives it up, as for elicit().
     */
    sample(messages, options = {}, cancellable = null) {
        if (options instanceof Gio.Cancellable)
            [options, cancellable] = [{}, options];
        cancellable = requestCancellable(this, cancellable, 'sample');
        const params = jsToJson(samplingParams(messages, options)).get_object();
        return promised(
            callback => this.sample_async(params, cancellable, callback),
            result => jsonToJs(this.sample_finish(result)));
    },

    /**
     * The client's roots (roots/list): a Promise of `[{uri, name}]`.
     * @cancellable gives it up, as for elicit().
     */
    listRoots(cancellable = null) {
        cancellable = requestCancellable(this, cancellable, 'listRoots');
        return promised(
            callback => this.list_roots_async(cancellable, callback),
            result => jsonToJs(this.list_roots_finish(result)) ?? []);
    },

    /**
     * Reads a resource of this server: a Promise of its contents,
     * `[{uri, mimeType, text}]` (or `blob`, base64). Cancelling
     * @cancellable gives the read up: the resource function's request is
     * cancelled (its context's cancellable), and the Promise rejects with
     * Gio.IOErrorEnum.CANCELLED once the function has ended.
     */
    readResource(uri, cancellable = null) {
        cancellable = requestCancellable(this, cancellable, 'readResource');
        return promised(
            callback => this.read_resource_async(uri, cancellable, callback),
            result => jsonToJs(this.read_resource_finish(result)) ?? []);
    },

    /**
     * Sends notifications/progress when the client asked for progress;
     * @total and @message are optional. Returns a resolved Promise, so
     * `await` works as in FastMCP.
     */
    progress(progress, total = -1, message = null) {
        this.report_progress(progress, total ?? -1, message);
        return Promise.resolve();
    },
};
contextMethods.reportProgress = contextMethods.progress;

/**
 * Runs @func(span) inside a child span of the request's span (an
 * OpenTelemetry span; see NorthMcp.Tracer) and ends the span when @func
 * returns or its Promise settles. A throw or rejection marks the span
 * failed with the error's class name (its message only when the tracer
 * records error details) and is passed on. @attributes: strings, numbers,
 * booleans. Returns what @func returns.
 */
contextMethods.span = function (name, func, attributes = {}) {
    const span = this.start_span(name);
    setSpanAttributes(span, attributes);
    const fail = error => {
        span.record_error(error?.constructor?.name ?? 'Error', String(error?.message ?? error));
        span.end();
        throw error;
    };
    let value;
    try {
        value = func(span);
    } catch (error) {
        fail(error);
    }
    if (value && typeof value.then === 'function') {
        return value.then(result => {
            span.end();
            return result;
        }, fail);
    }
    span.end();
    return value;
};

/** Sets attributes of a span from a plain object. */
export function setSpanAttributes(span, attributes = {}) {
    for (const [key, value] of Object.entries(attributes ?? {})) {
        if (typeof value === 'boolean')
            span.set_attribute_boolean(key, value);
        else if (Number.isInteger(value))
            span.set_attribute_int(key, value);
        else if (typeof value === 'number')
            span.set_attribute_double(key, value);
        else
            span.set_attribute_string(key, String(value));
    }
}

// context.debug/info/notice/warning/error(message or data, {logger}).
for (const [name, level] of Object.entries(LOG_LEVELS)) {
    contextMethods[name] = function (data, {logger = null} = {}) {
        if (typeof data === 'string')
            this.log_message(level, logger, data);
        else
            this.log(level, logger, jsToJson(data));
        return Promise.resolve();
    };
}

for (const [name, method] of Object.entries(contextMethods)) {
    Object.defineProperty(NorthMcp.Context.prototype, name, {
        value: method, writable: true, configurable: true,
    });
}

// --- schemas -----------------------------------------------------------------

const SHORTHAND_TYPES = ['string', 'integer', 'number', 'boolean', 'array', 'object', 'null'];
// What people coming from other languages type.
const TYPE_ALIASES = {
    int: 'integer', long: 'integer', float: 'number', double: 'number', str: 'string',
    bool: 'boolean', list: 'array', dict: 'object', none: 'null', text: 'string',
};

function schemaError(owner, name, problem) {
    const where = owner ? `${owner}: ` : '';
    return new TypeError(`${where}argument '${name}': ${problem}`);
}

function propertySchema(name, spec, owner = null) {
    if (typeof spec === 'string') {
        if (!SHORTHAND_TYPES.includes(spec)) {
            const alias = TYPE_ALIASES[spec.toLowerCase()];
            const hint = alias ? ` (did you mean '${alias}'?)` : '';
            throw schemaError(owner, name,
                `unknown type '${spec}'${hint}; the type names are ${SHORTHAND_TYPES.join(', ')}`);
        }
        return {type: spec};
    }
    if (spec && typeof spec === 'object' && !Array.isArray(spec)) {
        const {optional: _optional, ...schema} = spec;
        return schema;
    }
    throw schemaError(owner, name,
        `give a type name (${SHORTHAND_TYPES.join(', ')}) or a JSON Schema object, not ${JSON.stringify(spec) ?? typeof spec}`);
}

/**
 * The input JSON Schema of a tool from @input: either a JSON Schema of
 * `type: 'object'`, or a shorthand mapping each argument to a type name
 * (`{a: 'integer'}`) or a property schema (`{n: {type: 'number',
 * default: 1}}`); a property with a `default` or `optional: true` is not
 * required.
 */
export function inputSchema(input = {}, owner = null) {
    if (input.type === 'object' && (input.properties === undefined ||
                                    typeof input.properties === 'object'))
        return input;
    const properties = {};
    const required = [];
    for (const [name, spec] of Object.entries(input)) {
        properties[name] = propertySchema(name, spec, owner);
        const optional = typeof spec === 'object' && (spec.optional || 'default' in spec);
        if (!optional)
            required.push(name);
    }
    const schema = {type: 'object', properties};
    if (required.length > 0)
        schema.required = required;
    return schema;
}

// --- results -------------------------------------------------------------------

function textOf(value) {
    return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A NorthMcp.ToolResult from what a tool function returned. */
export function toolResult(value, {structured = false} = {}) {
    if (value instanceof NorthMcp.ToolResult)
        return value;
    // A tool with an output schema: a single value is `{result: value}`,
    // as FastMCP wraps primitives.
    if (structured && value !== null && value !== undefined &&
        ['string', 'number', 'boolean'].includes(typeof value)) {
        const result = NorthMcp.ToolResult.new_text(String(value));
        result.set_structured_content(jsToJson({result: value}));
        return result;
    }
    if (value === null || value === undefined)
        return NorthMcp.ToolResult.new();
    if (typeof value === 'string')
        return NorthMcp.ToolResult.new_text(value);
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
        return NorthMcp.ToolResult.new_text(String(value));
    if (Array.isArray(value)) {
        // One text block per item, and the list as structured content.
        const result = NorthMcp.ToolResult.new();
        for (const item of value)
            result.add_text(textOf(item));
        result.set_structured_content(jsToJson({result: value}));
        return result;
    }
    if (typeof value === 'object')
        return NorthMcp.ToolResult.new_structured(jsToJson(value));
    throw new TypeError(`a tool cannot return a ${typeof value}`);
}

function messageOf(error) {
    if (error instanceof GLib.Error || error instanceof Error)
        return error.message || String(error);
    return String(error);
}

// "RangeError: division by zero" for a tool's isError result; a GLib.Error
// gives its message alone (no quark).
function toolErrorText(error) {
    if (error instanceof Error)
        return `${error.name || 'Error'}: ${error.message}`;
    return messageOf(error);
}

function returnError(context, error) {
    if (error instanceof GLib.Error && error.domain === NorthMcp.jsonrpc_error_quark())
        context.return_error_literal(error.domain, error.code, error.message);
    else
        context.return_error_literal(NorthMcp.error_quark(), NorthMcp.Error.FAILED, messageOf(error));
}

// How often one kind of line is written at most, in microseconds: a
// minute, or NORTH_MCP_LOG_INTERVAL_MS (tests), as the library's own log
// throttle (util/north-mcp-log-throttle.c) reads them.
function readLogInterval() {
    const value = GLib.getenv('NORTH_MCP_LOG_INTERVAL_MS') ?? '';
    if (/^[0-9]{1,10}$/.test(value) && Number(value) <= 0x7fffffff)
        return Number(value) * 1000;
    return 60 * 1000 * 1000;
}

let logIntervalUs = readLogInterval();

/**
 * For the library's tests, as north_mcp_log_throttle_set_interval(): how
 * often a failure line is written at most, in @milliseconds; null for the
 * default (a minute, or NORTH_MCP_LOG_INTERVAL_MS). Not part of the API.
 */
export function _setLogInterval(milliseconds) {
    logIntervalUs = milliseconds === null ? readLogInterval() : milliseconds * 1000;
}

// Where one kind of line was last written, as the library's
// NorthMcpLogThrottle: what any client can cause at will (a tool that
// throws, called in a loop) would otherwise write a line per request,
// disk spent for the sender and real warnings buried.
class LogThrottle {
    constructor() {
        this._last = null;      // monotonic µs of the last line; null: none yet
        this._unlogged = 0;
    }

    // The end of a line that may be written now: '' or ' (N more since
    // the last line)'; null for a line left out (and counted).
    passes() {
        const now = GLib.get_monotonic_time();
        if (this._last !== null && now - this._last < logIntervalUs) {
            this._unlogged++;
            return null;
        }
        const skipped = this._unlogged;
        this._last = now;
        this._unlogged = 0;
        return skipped ? ` (${skipped} more since the last line)` : '';
    }
}

const handlerFailures = new LogThrottle();
const routeFailures = new LogThrottle();

// The C0 controls but tab, DEL, the C1 controls and the line and paragraph
// separators, as the library's own log lines escape them
// (auth/north-mcp-log.c).
const CONTROLS = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]/g;

// @text with its control characters escaped as Python's repr() would: an
// error's message often quotes what the client sent, which must not end
// the line, write one of its own or send a terminal escape.
function escapeControls(text) {
    return text.replace(CONTROLS, c => {
        if (c === '\n')
            return '\\n';
        if (c === '\r')
            return '\\r';
        const code = c.charCodeAt(0);
        return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
    });
}

// A line on stderr for a failure of @owner, through @throttle: the first
// time, then once a minute at most, ending with the count of those left
// out; every one, with its stack, with --debug (the operator asked for
// each). The line is escaped (escapeControls()): the URI of a template's
// resource is the client's, as is what an error's message quotes.
function logFailure(owner, error, debug, throttle) {
    const more = debug ? '' : throttle.passes();
    if (more === null)
        return;
    const text = error instanceof Error ? toolErrorText(error) : messageOf(error);
    printerr(`NorthMcp: ${escapeControls(`${owner} failed: ${text}`)}${more}`);
    if (debug && error?.stack)
        printerr(error.stack);
}

// logFailure() of a failed handler.
function logError(context, error) {
    const what = context.get_method();
    const name = context.get_params()?.get_string_member_with_default?.('name', '') ||
        context.get_params()?.get_string_member_with_default?.('uri', '') || '';
    logFailure(`${what}${name ? ` ${name}` : ''}`, error,
        Boolean(context.get_server()?.get_debug()), handlerFailures);
}

// Completes a tools/call: an error is a result with isError.
function finishTool(context, value, error, structured = false) {
    if (context.is_completed())
        return;
    let result = null;
    if (error === undefined) {
        try {
            result = toolResult(value, {structured});
        } catch (e) {
            error = e;
        }
    }
    if (error !== undefined) {
        logError(context, error);
        if (error instanceof GLib.Error && error.domain === NorthMcp.jsonrpc_error_quark()) {
            returnError(context, error);
            return;
        }
        result = NorthMcp.ToolResult.new_error(toolErrorText(error));
    }
    context.return_tool_result(result);
}

// Completes a request other than tools/call: an error is a JSON-RPC error.
function finisher(convert, returnIt) {
    return (context, value, error) => {
        if (context.is_completed())
            return;
        let converted = null;
        if (error === undefined) {
            try {
                converted = convert(value);
            } catch (e) {
                error = e;
            }
        }
        if (error !== undefined) {
            logError(context, error);
            returnError(context, error);
            return;
        }
        returnIt(context, converted);
    };
}

// Calls func(args, context), then finish(context, value, error), now or
// when the Promise it returned settles.
function invoke(func, context, args, finish) {
    let number, value;
    try {
        [number, value] = callAsRequest(func, args, context);
    } catch (error) {
        finish(context, undefined, error);
        return;
    }
    if (value && typeof value.then === 'function') {
        // A cancelled request leaves the table at once: a Promise that
        // never settles would otherwise keep its context for good, and
        // any client can cancel (or hang up) as often as it likes.
        const cancellable = context.get_cancellable();
        const cancelled = cancellable?.connect(endRequestLater(number)) ?? 0;
        const settled = () => {
            if (cancelled)
                cancellable.disconnect(cancelled);
            endRequest(number);
        };
        value.then(v => {
            settled();
            finish(context, v, undefined);
        }, e => {
            settled();
            finish(context, undefined, e === undefined ? new Error('rejected') : e);
        });
    } else {
        endRequest(number);
        finish(context, value, undefined);
    }
}

const TASK_SUPPORT = {
    forbidden: NorthMcp.TaskSupport.FORBIDDEN,
    optional: NorthMcp.TaskSupport.OPTIONAL,
    required: NorthMcp.TaskSupport.REQUIRED,
};

const HINTS = {
    readOnly: NorthMcp.ToolHint.READ_ONLY,
    destructive: NorthMcp.ToolHint.DESTRUCTIVE,
    idempotent: NorthMcp.ToolHint.IDEMPOTENT,
    openWorld: NorthMcp.ToolHint.OPEN_WORLD,
};

/**
 * A NorthMcp.Tool running @func. @options: `description`, `title`,
 * `input` (see inputSchema()), `output` (an output JSON Schema),
 * `readOnly`, `destructive`, `idempotent`, `openWorld` (hints),
 * `annotations` (MCP annotations object), `meta`, `taskSupport`
 * (`'optional'` or `'required'`: an async @func may run as a task of the
 * tasks extension, protocol revision 2026-07-28).
 */
export function createTool(name, options, func) {
    if (typeof options === 'function')
        [options, func] = [{}, options];
    const tool = NorthMcp.Tool.new(name, options.description ?? null);
    tool.set_input_schema_json(JSON.stringify(inputSchema(options.input ?? {}, `tool '${name}'`)));
    if (options.output)
        tool.set_output_schema_json(JSON.stringify(inputSchema(options.output, `tool '${name}' output`)));
    if (options.title)
        tool.set_title(options.title);
    if (options.annotations)
        tool.set_annotations(jsToJson(options.annotations).get_object());
    for (const [key, hint] of Object.entries(HINTS)) {
        if (options[key] !== undefined)
            tool.set_hint(hint, Boolean(options[key]));
    }
    if (options.meta)
        tool.set_meta(jsToJson(options.meta).get_object());
    if (options.taskSupport !== undefined) {
        const support = TASK_SUPPORT[options.taskSupport];
        if (support === undefined)
            throw new TypeError(`tool '${name}': taskSupport must be 'forbidden', 'optional' or 'required'`);
        tool.set_task_support(support);
    }
    tool.set_async_func((_tool, context, args) =>
        invoke(func, context, jsonToJs(args) ?? {},
            (c, value, error) => finishTool(c, value, error, Boolean(options.output))));
    return tool;
}

// --- resources and prompts ----------------------------------------------------

/**
 * A NorthMcp.ResourceContents from what a resource function returned: a
 * string is text (`text/plain` unless @mimeType says otherwise), a
 * Uint8Array a blob, an object or array JSON text.
 */
export function resourceContents(value, uri, mimeType = null) {
    if (value instanceof NorthMcp.ResourceContents)
        return value;
    if (typeof value === 'string')
        return NorthMcp.ResourceContents.new_text(uri, mimeType ?? 'text/plain', value);
    if (value instanceof Uint8Array) {
        return NorthMcp.ResourceContents.new_blob(uri, mimeType ?? 'application/octet-stream',
            new GLib.Bytes(value));
    }
    if (value !== null && typeof value === 'object')
        return NorthMcp.ResourceContents.new_text(uri, mimeType ?? 'application/json', JSON.stringify(value));
    throw new TypeError(`a resource cannot return a ${typeof value}`);
}

const ROLES = {user: NorthMcp.Role.USER, assistant: NorthMcp.Role.ASSISTANT};

/**
 * A NorthMcp.PromptResult from what a prompt function returned: a string
 * is one user message; an array holds messages, each a string (user) or
 * `{role: 'user'|'assistant', content: string or an MCP content block}`.
 */
export function promptResult(value, description = null) {
    if (value instanceof NorthMcp.PromptResult)
        return value;
    const result = NorthMcp.PromptResult.new(description);
    const messages = Array.isArray(value) ? value : [value];
    for (const message of messages) {
        if (typeof message === 'string') {
            result.add_text(NorthMcp.Role.USER, message);
            continue;
        }
        if (!message || typeof message !== 'object' || !('content' in message))
            throw new TypeError('a prompt message is a string or {role, content}');
        const role = ROLES[message.role ?? 'user'];
        if (role === undefined)
            throw new TypeError(`a prompt message's role is 'user' or 'assistant', not '${message.role}'`);
        if (typeof message.content === 'string')
            result.add_text(role, message.content);
        else
            result.add_message(role, jsToJson(message.content));
    }
    return result;
}

/**
 * A NorthMcp.Resource at @uri, or a NorthMcp.ResourceTemplate when @uri
 * has RFC 6570 `{variables}`; `func(variables, context)` returns what
 * resourceContents() converts, or a Promise of it. @options: `name`,
 * `description`, `mimeType`, `title`.
 */
export function createResource(uri, options, func) {
    if (typeof options === 'function')
        [options, func] = [{}, options];
    const name = options.name ?? uri;
    const mimeType = options.mimeType ?? null;
    let made;
    if (uri.includes('{')) {
        made = NorthMcp.ResourceTemplate.new(uri, name);
        made.set_async_func((_template, context, readUri, variables) =>
            invoke(func, context, {...variables ?? {}},
                finisher(v => resourceContents(v, readUri, mimeType),
                    (c, contents) => c.return_resource_contents(contents))));
    } else {
        made = NorthMcp.Resource.new(uri, name);
        made.set_async_func((_resource, context) =>
            invoke(func, context, {},
                finisher(v => resourceContents(v, uri, mimeType),
                    (c, contents) => c.return_resource_contents(contents))));
    }
    if (options.description)
        made.set_description(options.description);
    if (mimeType)
        made.set_mime_type(mimeType);
    if (options.title)
        made.set_title(options.title);
    return made;
}

/**
 * A NorthMcp.Prompt; `func(args, context)` returns what promptResult()
 * converts, or a Promise of it. @options: `description`, `title`,
 * `arguments`: `{name: {description, required}}` (required by default).
 */
export function createPrompt(name, options, func) {
    if (typeof options === 'function')
        [options, func] = [{}, options];
    const prompt = NorthMcp.Prompt.new(name, options.description ?? null);
    for (const [argument, spec] of Object.entries(options.arguments ?? {}))
        prompt.add_argument(argument, spec?.description ?? null, spec?.required ?? true);
    if (options.title)
        prompt.set_title(options.title);
    prompt.set_async_func((_prompt, context, args) =>
        invoke(func, context, {...args ?? {}},
            finisher(v => promptResult(v, options.description ?? null),
                (c, result) => c.return_prompt_result(result))));
    return prompt;
}

/** An MCP server for North. */
export class Server {
    /**
     * @param {object} options - `name`, `version`, `port`, `host`,
     *   `serverSecret`, `trustedIssuers`, `requireAuth`, `audience`,
     *   `debug`, `stateless`, `instructions`, `title`
     */
    constructor(options = {}) {
        const server = NorthMcp.Server.new(options.name ?? 'north-mcp-server',
            options.version ?? '0.1.0');
        const auth = server.get_auth();
        if (options.port !== undefined)
            server.set_port(options.port);
        if (options.host !== undefined)
            server.set_host(options.host);
        if (options.debug !== undefined)
            server.set_debug(options.debug);
        if (options.stateless !== undefined)
            server.set_stateless(options.stateless);
        if (options.instructions !== undefined)
            server.set_instructions(options.instructions);
        if (options.title !== undefined)
            server.set_title(options.title);
        if (options.serverSecret !== undefined)
            auth.set_server_secret(options.serverSecret);
        if (options.trustedIssuers !== undefined)
            auth.set_trusted_issuers(options.trustedIssuers);
        if (options.requireAuth !== undefined)
            auth.set_require_auth(options.requireAuth);
        if (options.audience !== undefined)
            auth.set_audience(options.audience);
        /** The NorthMcp.Server underneath. */
        this.server = server;
        this._shutdowns = 0;  // shutdown() Promises not settled yet
    }

    /** Adds a tool (see createTool()); returns the NorthMcp.Tool. */
    tool(name, options, func) {
        const tool = createTool(name, options, func);
        this.server.add_tool(tool);
        return tool;
    }

    /** Adds a resource or resource template (see createResource()). */
    resource(uri, options, func) {
        const made = createResource(uri, options, func);
        if (made instanceof NorthMcp.ResourceTemplate)
            this.server.add_resource_template(made);
        else
            this.server.add_resource(made);
        return made;
    }

    /** Adds a prompt (see createPrompt()). */
    prompt(name, options, func) {
        const prompt = createPrompt(name, options, func);
        this.server.add_prompt(prompt);
        return prompt;
    }

    /**
     * Serves a custom HTTP route (NorthMcp.Server.add_route()):
     * `func(server, message, path, user)` answers the SoupServerMessage
     * (`user` is the North user only when valid credentials came along;
     * routes are public). It may return a Promise (an async function): the
     * message is paused until it settles. A throw or a rejection answers
     * `500 Internal Server Error` and is written to stderr as a handler's
     * failure is (once a minute at most; every one, with its stack, with
     * `--debug`). `this.server.add_route()` is the same (the module wraps
     * the introspected method).
     */
    route(path, func) {
        this.server.add_route(path, func);
    }

    /**
     * Serves until SIGINT/SIGTERM (or the end of standard input on stdio),
     * parsing `--transport` and the other shared options from @argv
     * (default: the script's arguments). Returns the exit status.
     */
    run(argv = System.programArgs) {
        const status = this.server.run([System.programInvocationName ?? 'gjs', ...argv]);
        // GJS settles promises from the main context, which stopped with
        // the server: let shutdown()'s settle before the caller exits.
        const context = GLib.MainContext.default();
        while (this._shutdowns > 0 && context.iteration(false))
            ;
        return status;
    }

    /**
     * Stops the server gracefully (NorthMcp.Server.shutdown_async()): new
     * connections are refused, the requests that run finish, then the
     * server stops and run() returns. Resolves with `true` once every
     * request ended; rejects with a GLib.Error, Gio.IOErrorEnum.TIMED_OUT
     * when the `shutdown-timeout` property (seconds) cut some, CANCELLED
     * when stop() came first, PENDING when a shutdown is under way
     * already. SIGTERM and SIGINT do the same in run(). A tool that
     * awaits it waits for its own request too: start it and return.
     */
    shutdown() {
        const promise = promised(
            callback => this.server.shutdown_async(null, callback),
            result => this.server.shutdown_finish(result));
        const settled = () => this._shutdowns--;
        this._shutdowns++;
        promise.then(settled, settled);
        return promise;
    }
}

// --- custom routes ------------------------------------------------------------

// Answers a route whose callback threw or whose Promise rejected: a 500 to
// that client, and a throttled line; GJS would otherwise write a critical
// with the stack for every request any client sends.
function routeFailed(server, message, path, error) {
    logFailure(`route ${path}`, error, Boolean(server?.get_debug()), routeFailures);
    message.set_status(500, null);
    message.set_response('text/plain; charset=utf-8', Soup.MemoryUse.COPY,
        new TextEncoder().encode('Internal Server Error'));
}

// A NorthMcpRouteFunc calling func(server, message, path, user), pausing
// @message while the Promise it returns (if any) is pending.
function routeFunc(path, func) {
    return (server, message, ...rest) => {
        let value;
        try {
            value = func(server, message, ...rest);
        } catch (error) {
            routeFailed(server, message, path, error);
            return;
        }
        if (value && typeof value.then === 'function') {
            message.pause();
            value.then(() => message.unpause(), error => {
                routeFailed(server, message, path, error);
                message.unpause();
            });
        }
    };
}

// The introspected NorthMcp.Server.add_route() calls routeFunc()'s
// wrapper: unwrapped, a callback that throws gets GJS's critical with the
// stack for every request any client sends (and a rejected Promise an
// unhandled-rejection warning, its message answered before it settled).
// (GJS makes introspected methods writable but not configurable: assigned,
// not defined.)
const introspectedAddRoute = NorthMcp.Server.prototype.add_route;
NorthMcp.Server.prototype.add_route = function (path, func) {
    introspectedAddRoute.call(this, path, routeFunc(path, func));
};

// GObject is imported for users' convenience (subclassing NorthMcp.Tool).
export {GLib, GObject, Json};
