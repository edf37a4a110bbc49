// Benchmark peer: the official MCP TypeScript SDK v2 (@modelcontextprotocol/server +
// @modelcontextprotocol/node) serving one tool, `echo`, over Streamable HTTP on
// 127.0.0.1, POST /mcp.
//
//   node ts-sdk-2.mjs --port N --mode stateless|session
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
    const opts = { port: 0, mode: '' };
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === '--port') opts.port = Number(argv[++i]);
        else if (argv[i] === '--mode') opts.mode = argv[++i];
        else usage(`unknown argument ${argv[i]}`);
    }
    if (!Number.isInteger(opts.port) || opts.port <= 0 || opts.port > 65535) usage('--port N is required');
    if (opts.mode !== 'stateless' && opts.mode !== 'session') usage('--mode stateless|session is required');
    return opts;
}

function usage(msg) {
    console.error(`ts-sdk-2: ${msg}\nusage: node ts-sdk-2.mjs --port N --mode stateless|session`);
    process.exit(2);
}

const { port, mode } = parseArgs(process.argv.slice(2));

// Built once at module scope (the docs: keep the factory cheap); tools/list advertises
// this document unchanged.
const echoInput = fromJsonSchema({
    type: 'object',
    properties: { text: { type: 'string' } },
    required: ['text']
});

function buildServer() {
    const server = new McpServer({ name: 'ts-sdk-2-echo', version: '1.0.0' });
    server.registerTool('echo', { description: 'Echoes its text', inputSchema: echoInput }, async ({ text }) => ({
        content: [{ type: 'text', text }]
    }));
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
    const handler = createMcpHandler(buildServer, { responseMode: 'json' });
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
                enableJsonResponse: true,
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
