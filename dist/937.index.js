export const id = 937;
export const ids = [937];
export const modules = {

/***/ 70937:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  startServers: () => (/* binding */ startServers)
});

// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(83916);
// EXTERNAL MODULE: ./node_modules/@modelcontextprotocol/sdk/dist/esm/client/index.js + 31 modules
var esm_client = __webpack_require__(30063);
// EXTERNAL MODULE: ./node_modules/@modelcontextprotocol/sdk/dist/esm/types.js + 11 modules
var types = __webpack_require__(64322);
// EXTERNAL MODULE: ./src/report/format.ts
var format = __webpack_require__(12011);
// EXTERNAL MODULE: ./node_modules/@modelcontextprotocol/sdk/dist/esm/shared/stdio.js
var stdio = __webpack_require__(6224);
;// CONCATENATED MODULE: ./src/mcp/transport.ts

/** Largest message read from a server (a longer line is dropped and reported through `onerror`). */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
class SandboxedStdioTransport {
    proc;
    onclose;
    onerror;
    onmessage;
    buffer = new stdio/* ReadBuffer */.pt({ maxBufferSize: MAX_MESSAGE_BYTES });
    started = false;
    closed = false;
    constructor(proc) {
        this.proc = proc;
    }
    start() {
        if (this.started)
            throw new Error('SandboxedStdioTransport already started');
        this.started = true;
        this.proc.stdout.on('data', (chunk) => {
            try {
                this.buffer.append(chunk);
            }
            catch (err) {
                this.onerror?.(err instanceof Error ? err : new Error(String(err)));
                return;
            }
            this.drain();
        });
        this.proc.stdout.on('error', (err) => this.onerror?.(err));
        void this.proc.exited.then(() => this.ended());
        return Promise.resolve();
    }
    /** Hands over every whole message received; a line that is not JSON-RPC is reported and skipped. */
    drain() {
        for (;;) {
            let message;
            try {
                message = this.buffer.readMessage();
            }
            catch (err) {
                this.onerror?.(err instanceof Error ? err : new Error(String(err)));
                continue;
            }
            if (message === null)
                return;
            this.onmessage?.(message);
        }
    }
    send(message) {
        return new Promise((resolve, reject) => {
            if (this.closed || !this.proc.stdin.writable) {
                reject(new Error('The MCP server is no longer running'));
                return;
            }
            this.proc.stdin.write((0,stdio/* serializeMessage */.Ex)(message), (err) => (err ? reject(err) : resolve()));
        });
    }
    /** Stops the server (stdin closed, then SIGTERM, then SIGKILL) and reports the connection closed. */
    async close() {
        await this.proc.stop();
        this.ended();
    }
    ended() {
        if (this.closed)
            return;
        this.closed = true;
        this.buffer.clear();
        this.onclose?.();
    }
}

;// CONCATENATED MODULE: ./src/mcp/server.ts
/**
 * One MCP server of a run: started inside the sandbox, connected with the SDK's Client over the process's pipes,
 * its tools listed once; then calls until it is closed. A server that cannot start, exits, or does not answer the
 * handshake in time is stopped and its failure described in words a maintainer can act on.
 */




/** How long a server has to start and answer the handshake (and each page of its tool list). */
const MCP_START_TIMEOUT_MS = 30_000;
/** Characters of a server's stderr kept, for saying why it stopped. */
const STDERR_CHARS = 4_000;
/** Pages of `tools/list` read at most (a server that pages forever is cut there). */
const MAX_PAGES = 50;
const CLIENT_INFO = { name: 'implement-action', version: '1.0.0' };
/** Why a server could not start, in a few words (the server's name is the caller's to add). */
class McpStartError extends Error {
    constructor(message, options) {
        super(message, options);
        this.name = 'McpStartError';
    }
}
/**
 * Starts `server` inside the sandbox and connects to it.
 *
 * @throws McpStartError when the sandbox cannot start it, it exits, or the handshake or tool list fails or times out
 */
async function connectServer(server, o) {
    const timeout = o.startTimeoutMs ?? MCP_START_TIMEOUT_MS;
    let proc;
    try {
        proc = await o.sandbox.start({
            argv: [server.command, ...server.args],
            cwd: o.workspace,
            env: server.env,
            maxStderr: STDERR_CHARS,
            signal: o.signal,
            display: `MCP server ${server.name}: ${[server.command, ...server.args].join(' ')}`,
        });
    }
    catch (err) {
        throw new McpStartError(message(err), { cause: err });
    }
    let exit;
    void proc.exited.then((e) => (exit = e));
    const transport = new SandboxedStdioTransport(proc);
    const client = new esm_client/* Client */.K(CLIENT_INFO, { capabilities: {} });
    let noise = 0;
    client.onerror = (err) => {
        // A server that writes logs on stdout: said a few times, not once per line.
        if (noise++ < 5)
            o.log?.(`MCP server ${server.name}: ${message(err)}`);
    };
    let tools;
    try {
        await client.connect(transport, { timeout, signal: o.signal });
        tools = await listTools(client, { timeout, signal: o.signal });
    }
    catch (err) {
        // How it ended, if it did on its own (stopping it below would end it too).
        const ended = exit ?? (exitedEarly(err) ? await proc.exited : undefined);
        await client.close().catch(() => undefined);
        await proc.stop(true);
        throw new McpStartError(whyNotStarted(err, ended, proc, timeout), { cause: err });
    }
    let closing;
    return {
        name: server.name,
        tools,
        async call(tool, args, c) {
            const r = await client.callTool({ name: tool, arguments: args }, undefined, {
                timeout: c.timeoutMs,
                signal: c.signal,
            });
            // A server of the 2024-10-07 protocol answers with `toolResult`.
            if (Array.isArray(r.content))
                return r;
            return { content: [{ type: 'text', text: JSON.stringify(r.toolResult ?? r, null, 2) }] };
        },
        ended: () => (exit ? exitText(exit, proc) : undefined),
        blocked: () => proc.blocked(),
        close: () => (closing ??= client.close().then(() => undefined, () => proc.stop(true).then(() => undefined))),
    };
}
async function listTools(client, opts) {
    if (!client.getServerCapabilities()?.tools)
        return [];
    const tools = [];
    let cursor;
    for (let page = 0; page < MAX_PAGES; page++) {
        const r = await client.listTools(cursor === undefined ? undefined : { cursor }, opts);
        tools.push(...r.tools);
        cursor = r.nextCursor;
        if (!cursor)
            break;
    }
    return tools;
}
/** True when the request failed because the connection closed (the process ended). */
function exitedEarly(err) {
    return err instanceof types/* McpError */.Nh && err.code === types/* ErrorCode */.O4.ConnectionClosed;
}
function whyNotStarted(err, exit, proc, timeoutMs) {
    if (exit)
        return exitText(exit, proc, ' before it answered the MCP handshake');
    if (err instanceof types/* McpError */.Nh && err.code === types/* ErrorCode */.O4.RequestTimeout)
        return `it did not answer the MCP handshake within ${Math.round(timeoutMs / 1000)} s${stderrTail(proc)}`;
    return `the MCP handshake failed: ${message(err)}${stderrTail(proc)}`;
}
/** How the process ended (`when`, such as " before …"), with the end of its stderr. */
function exitText(exit, proc, when = '') {
    if (exit.spawnError)
        return `it could not be started (${exit.spawnError.trim()})`;
    const how = exit.signal ? `it was killed by ${exit.signal}` : `it exited with code ${exit.code}`;
    // In the sandbox, bash runs the command: 127 is its "command not found".
    const notFound = exit.code === 127 ? ' (command not found)' : '';
    return `${how}${notFound}${when}${stderrTail(proc)}`;
}
/** The last lines of the server's stderr, on one line, as inline code: `; its stderr ends: …`. */
function stderrTail(proc) {
    const lines = proc
        .stderr()
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
    const tail = lines.slice(-3).join(' ⏎ ');
    if (!tail)
        return '';
    return `; its stderr ends: ${(0,format/* inlineCode */.ti)(tail.length > 500 ? `…${tail.slice(-499)}` : tail)}`;
}
function message(err) {
    return err instanceof Error ? err.message : String(err);
}

// EXTERNAL MODULE: ./src/sandbox/output.ts
var output = __webpack_require__(94406);
// EXTERNAL MODULE: ./src/tools/bash.ts + 1 modules
var bash = __webpack_require__(20012);
// EXTERNAL MODULE: ./src/tools/errors.ts
var tools_errors = __webpack_require__(24784);
// EXTERNAL MODULE: ./src/mcp/names.ts
var mcp_names = __webpack_require__(61896);
;// CONCATENATED MODULE: ./src/mcp/tools.ts





/** Longest result sent back; head and tail are kept. */
const MAX_MCP_OUTPUT = 30_000;
/** How long one call may take. */
const MCP_CALL_TIMEOUT_MS = 120_000;
/** A tool name the Messages API accepts. */
const API_TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** Largest input schema passed on (as JSON). */
const MAX_SCHEMA_CHARS = 64_000;
const MAX_DESCRIPTION_CHARS = 4_000;
/** The tools of one connected server; those whose name or schema the API would refuse are left out, with a warning. */
function mcpTools(conn, opts) {
    const out = [];
    const names = new Set();
    for (const info of conn.tools) {
        const name = (0,mcp_names/* mcpToolName */.Q)(conn.name, info.name);
        const schema = inputSchema(info);
        const problem = !API_TOOL_NAME.test(name)
            ? `its name ${name} is longer than 64 characters`
            : names.has(name)
                ? `another of its tools is also called ${name}`
                : typeof schema === 'string'
                    ? schema
                    : undefined;
        if (problem !== undefined || typeof schema === 'string') {
            opts.warn(`MCP server ${conn.name}: tool "${info.name}" left out: ${problem}.`);
            continue;
        }
        names.add(name);
        out.push(adapt(conn, info, name, schema, opts));
    }
    return out;
}
function adapt(conn, info, name, schema, opts) {
    const timeoutMs = opts.callTimeoutMs ?? MCP_CALL_TIMEOUT_MS;
    const description = [info.title, info.description].filter(Boolean).join(': ');
    return {
        name,
        definition: {
            name,
            ...(description ? { description: cut(description, MAX_DESCRIPTION_CHARS) } : {}),
            input_schema: schema,
        },
        parse(input) {
            if (input === undefined || input === null)
                return {};
            if (typeof input !== 'object' || Array.isArray(input))
                throw new tools_errors/* ToolError */.v(`The input of ${name} must be a JSON object.`);
            return input;
        },
        isReadOnly: () => info.annotations?.readOnlyHint === true,
        summarize: (input) => `${conn.name} ${info.name} ${JSON.stringify(input)}`,
        async run(input, ctx) {
            const gone = conn.ended();
            if (gone)
                return { content: notRunning(conn.name, gone), isError: true };
            const before = conn.blocked().length;
            let result;
            try {
                result = await conn.call(info.name, input, { timeoutMs, signal: ctx.signal });
            }
            catch (err) {
                return { content: callFailure(conn, info.name, err, timeoutMs, ctx.signal), isError: true };
            }
            const notes = conn.blocked().slice(before).map(bash/* networkNote */.nF);
            const text = [resultText(result, opts.maxOutput ?? MAX_MCP_OUTPUT), ...notes].join('\n');
            return result.isError ? { content: text, isError: true } : { content: text };
        },
        close: () => conn.close(),
    };
}
/**
 * The schema as the Messages API takes it (`type: "object"` at the root, JSON only, not too large), or why not.
 * The SDK has already checked the root's `type`, `properties` and `required`; this checks again, as data.
 */
function inputSchema(info) {
    let json;
    try {
        json = JSON.stringify(info.inputSchema);
    }
    catch {
        return 'its input schema is not JSON';
    }
    if (json.length > MAX_SCHEMA_CHARS)
        return `its input schema is over ${MAX_SCHEMA_CHARS} characters`;
    const schema = JSON.parse(json);
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema) || schema.type !== 'object')
        return 'its input schema is not a JSON Schema object with `type: "object"`';
    const { properties, required } = schema;
    if (properties !== undefined && !isSchemaMap(properties))
        return 'its input schema has `properties` that are not schemas';
    if (required !== undefined && !(Array.isArray(required) && required.every((r) => typeof r === 'string')))
        return 'its input schema has `required` that is not a list of names';
    return schema;
}
function isSchemaMap(v) {
    return (typeof v === 'object' &&
        v !== null &&
        !Array.isArray(v) &&
        Object.values(v).every((s) => typeof s === 'boolean' || (typeof s === 'object' && s !== null && !Array.isArray(s))));
}
/** A call's result as text: its text content, a placeholder for what is not text, else its structured content. */
function resultText(result, max) {
    const parts = [];
    for (const c of result.content ?? []) {
        if (c.type === 'text')
            parts.push(c.text);
        else if (c.type === 'image' || c.type === 'audio')
            parts.push(`[${c.type} (${c.mimeType}, ${Math.round((c.data.length * 3) / 4)} bytes) not shown]`);
        else if (c.type === 'resource_link')
            parts.push(`[resource link: ${c.uri}${c.name ? ` (${c.name})` : ''}]`);
        else if (c.type === 'resource')
            parts.push('text' in c.resource
                ? `[resource ${c.resource.uri}]\n${c.resource.text}`
                : `[resource ${c.resource.uri}: binary, not shown]`);
    }
    if (parts.length === 0 && result.structuredContent !== undefined)
        parts.push(JSON.stringify(result.structuredContent, null, 2));
    const out = new output/* CappedOutput */.nd(max);
    out.push(parts.join('\n'));
    return out.text();
}
/** What the model is told when a call did not come back with a result. */
function callFailure(conn, tool, err, timeoutMs, signal) {
    if (signal?.aborted)
        return `[call stopped: the run is stopping]`;
    const gone = conn.ended();
    if (gone || (err instanceof types/* McpError */.Nh && err.code === types/* ErrorCode */.O4.ConnectionClosed))
        return notRunning(conn.name, gone ?? 'the connection closed');
    if (err instanceof types/* McpError */.Nh && err.code === types/* ErrorCode */.O4.RequestTimeout)
        return `The MCP tool ${tool} of server ${conn.name} did not answer within ${Math.round(timeoutMs / 1000)} s; the call was cancelled.`;
    return `The MCP tool ${tool} of server ${conn.name} failed: ${err instanceof Error ? err.message : String(err)}`;
}
function notRunning(server, why) {
    return `The MCP server ${server} is no longer running (${why}); its tools cannot be called for the rest of this run.`;
}
function cut(s, max) {
    return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

;// CONCATENATED MODULE: ./src/mcp/start.ts
/** Starting a run's MCP servers together and handing over their tools (see index.ts). */



/** See {@link startMcpTools} in index.ts. */
async function startServers(servers, o) {
    const started = await Promise.allSettled(servers.map((s) => connectServer(s, o)));
    const connections = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failures = started.flatMap((s, i) => s.status === 'rejected' ? [{ name: `\`${servers[i].name}\``, why: reason(s.reason) }] : []);
    if (failures.length) {
        await Promise.all(connections.map((c) => c.close()));
        const [first] = failures;
        throw new errors/* UserError */.yo((0,errors/* sentence */.em)(failures.length === 1
            ? `The MCP server ${first.name} could not start, so the model was not run: ${first.why}`
            : `The MCP servers ${failures.map((f) => f.name).join(', ')} could not start, so the model was not run: ` +
                failures.map((f) => `${f.name}: ${f.why}`).join('; ')), 'Each server runs inside the sandbox, in the checkout, with the allowlisted environment plus its own `env` and ' +
            'no network but `allowed-domains`: install its program in a step before the action, check its `command` and ' +
            '`args` in `mcp-config`, or remove it.');
    }
    const tools = [];
    for (const conn of connections)
        tools.push(...(await serverTools(conn, o)));
    return tools;
}
/** One server's tools, logged; a server with none is stopped. */
async function serverTools(conn, o) {
    const tools = mcpTools(conn, { callTimeoutMs: o.callTimeoutMs, warn: o.warn });
    if (tools.length === 0) {
        o.log(`MCP server ${conn.name} started, but offers no tools: stopped again.`);
        await conn.close();
        return [];
    }
    o.log(`MCP server ${conn.name} started in the sandbox: ${tools.map((t) => t.name).join(', ')}.`);
    return tools;
}
function reason(err) {
    return err instanceof Error ? err.message : String(err);
}


/***/ })

};
