// Benchmark peer: the official MCP TypeScript SDK v2 (@modelcontextprotocol/server +
// @modelcontextprotocol/node) serving one tool, `echo`, over Streamable HTTP on
// 127.0.0.1, POST /mcp.
//
//   node ts-sdk-2.mjs --port N --mode stateless|session [--shapes] [--extra-tools N] [--stream]
//
// stateless: createMcpHandler(factory) mounted on node:http with toNodeHandler and the
//            localhost Host/Origin guards -- the SDK's documented "Serve over HTTP" setup.
//            Serves the 2026-07-28 revision (no initialize, no session; every request
//            carries its _meta envelope) and, by the SDK default, 2025-era requests
//            statelessly too.
// session:   the SDK's documented sessionful 2025-era wiring: one
//            NodeStreamableHTTPServerTransport per session (sessionIdGenerator =
//            randomUUID), kept in a map keyed by Mcp-Session-Id.
//
// Both modes answer with a single application/json body (stateless: responseMode 'json';
// session: enableJsonResponse true), never SSE.
//
// The payload shapes of the benchmark (all off by default, so the echo entries are unchanged):
// --shapes         also serve text_100k, text_1m (the request's text padded with a fixed
//                  pattern to 100 KiB / 1 MiB) and progress_100 (100 progress notifications,
//                  then the echo), the same tools as mcpx-bench-echo --shapes
// --extra-tools N  also serve tool_000 ... tool_{N-1}, each with the same input schema
// --stream         deliver notifications before a result: stateless responseMode 'auto' (JSON
//                  unless a notification comes first, the SDK's default), session
//                  enableJsonResponse false (every answer an SSE stream: the only way this
//                  transport sends them; with JSON on it drops them)
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

import {
    localhostHostValidation,
    localhostOriginValidation,
    NodeStreamableHTTPServerTransport,
    toNodeHandler
} from '@modelcontextprotocol/node';
import { createMcpHandler, fromJsonSchema, isInitializeRequest, McpServer } from '@modelcontextprotocol/server';

function parseArgs(argv) {
    const opts = { port: 0, mode: '', shapes: false, extraTools: 0, stream: false };
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === '--port') opts.port = Number(argv[++i]);
        else if (argv[i] === '--mode') opts.mode = argv[++i];
        else if (argv[i] === '--shapes') opts.shapes = true;
        else if (argv[i] === '--extra-tools') opts.extraTools = Number(argv[++i]);
        else if (argv[i] === '--stream') opts.stream = true;
        else usage(`unknown argument ${argv[i]}`);
    }
    if (!Number.isInteger(opts.port) || opts.port <= 0 || opts.port > 65535) usage('--port N is required');
    if (opts.mode !== 'stateless' && opts.mode !== 'session') usage('--mode stateless|session is required');
    if (!Number.isInteger(opts.extraTools) || opts.extraTools < 0) usage('--extra-tools N: a count');
    return opts;
}

function usage(msg) {
    console.error(`ts-sdk-2: ${msg}\nusage: node ts-sdk-2.mjs --port N --mode stateless|session [--shapes] [--extra-tools N] [--stream]`);
    process.exit(2);
}

const { port, mode, shapes, extraTools, stream } = parseArgs(process.argv.slice(2));

// Built once at module scope (the docs: keep the factory cheap); tools/list advertises
// this document unchanged.
const echoInput = fromJsonSchema({
    type: 'object',
    properties: { text: { type: 'string' } },
    required: ['text']
});

// The shapes' text: the request's text over the start of a fixed pattern (byte i is
// ALPHABET[i % 64]), exactly as bench/shapes/shape_text.hpp builds it for mcpx.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const fill = size => ALPHABET.repeat(size / ALPHABET.length);
const FILL_100K = fill(100 * 1024);
const FILL_1M = fill(1024 * 1024);
const padded = (text, pattern) => text.slice(0, pattern.length) + pattern.slice(Math.min(text.length, pattern.length));
const extraInput = fromJsonSchema({
    type: 'object',
    properties: {
        query: { type: 'string', description: 'What to look for' },
        limit: { type: 'integer', minimum: 1, maximum: 100, description: 'At most this many results' },
        tags: { type: 'array', items: { type: 'string' }, description: 'Only items with all of these tags' }
    },
    required: ['query']
});

function addShapes(server) {
    for (const [name, pattern] of [
        ['text_100k', FILL_100K],
        ['text_1m', FILL_1M]
    ]) {
        server.registerTool(
            name,
            { description: 'Returns its text padded to a fixed size', inputSchema: echoInput },
            async ({ text }) => ({ content: [{ type: 'text', text: padded(text, pattern) }] })
        );
    }
    server.registerTool(
        'progress_100',
        { description: 'Reports progress 100 times, then echoes its text', inputSchema: echoInput },
        async ({ text }, ctx) => {
            const progressToken = ctx.mcpReq._meta?.progressToken;
            if (progressToken !== undefined)
                for (let i = 1; i <= 100; i++)
                    await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress: i, total: 100 } });
            return { content: [{ type: 'text', text }] };
        }
    );
}

function buildServer() {
    const server = new McpServer({ name: 'ts-sdk-2-echo', version: '1.0.0' });
    server.registerTool('echo', { description: 'Echoes its text', inputSchema: echoInput }, async ({ text }) => ({
        content: [{ type: 'text', text }]
    }));
    if (shapes) addShapes(server);
    for (let i = 0; i < extraTools; i++) {
        const name = `tool_${String(i).padStart(3, '0')}`;
        server.registerTool(name, { description: `Synthetic tool ${name} of the tools/list shape`, inputSchema: extraInput }, async () => ({
            content: [{ type: 'text', text: 'ok' }]
        }));
    }
    return server;
}

const validateHost = localhostHostValidation();
const validateOrigin = localhostOriginValidation();

function sendJson(res, status, body) {
    const data = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) });
    res.end(data);
}

function notFound(res) {
    res.writeHead(404, { 'Content-Type': 'text/plain', 'Content-Length': 10 });
    res.end('Not Found\n');
}

let shutdown;
let server;

if (mode === 'stateless') {
    const handler = createMcpHandler(buildServer, { responseMode: stream ? 'auto' : 'json' });
    const nodeHandler = toNodeHandler(handler);
    server = createServer((req, res) => {
        if (!validateHost(req, res) || !validateOrigin(req, res)) return;
        if (req.url !== '/mcp') return notFound(res);
        void nodeHandler(req, res);
    });
    shutdown = () => handler.close();
} else {
    const sessions = new Map();

    const readJson = async req => {
        const chunks = [];
        for await (const chunk of req) chunks.push(chunk);
        return JSON.parse(Buffer.concat(chunks).toString('utf8'));
    };

    const route = async (req, res) => {
        let body;
        if (req.method === 'POST') {
            try {
                body = await readJson(req);
            } catch {
                return sendJson(res, 400, { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null });
            }
        }
        const sessionId = req.headers['mcp-session-id'];
        if (sessionId && sessions.has(sessionId)) {
            await sessions.get(sessionId).handleRequest(req, res, body);
            return;
        }
        if (!sessionId && req.method === 'POST' && isInitializeRequest(body)) {
            const transport = new NodeStreamableHTTPServerTransport({
                sessionIdGenerator: () => randomUUID(),
                enableJsonResponse: !stream,
                onsessioninitialized: id => {
                    sessions.set(id, transport);
                }
            });
            transport.onclose = () => {
                if (transport.sessionId) sessions.delete(transport.sessionId);
            };
            await buildServer().connect(transport);
            await transport.handleRequest(req, res, body);
            return;
        }
        if (sessionId) {
            // Unknown session id: the client should start a new session.
            return sendJson(res, 404, { jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null });
        }
        return sendJson(res, 400, {
            jsonrpc: '2.0',
            error: { code: -32000, message: 'Bad Request: Session ID required' },
            id: null
        });
    };

    server = createServer((req, res) => {
        if (!validateHost(req, res) || !validateOrigin(req, res)) return;
        if (req.url !== '/mcp') return notFound(res);
        route(req, res).catch(err => {
            if (!res.headersSent) {
                sendJson(res, 500, { jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: null });
            }
            console.error('ts-sdk-2: request failed:', err);
        });
    });
    shutdown = async () => {
        for (const transport of sessions.values()) await transport.close();
    };
}

server.listen(port, '127.0.0.1', () => {
    console.log(`listening ${server.address().port}`);
});

let stopping = false;
const stop = async () => {
    if (stopping) return;
    stopping = true;
    server.close();
    server.closeAllConnections();
    try {
        await shutdown();
    } finally {
        process.exit(0);
    }
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
