// Benchmark peer: the official MCP TypeScript SDK v1 (@modelcontextprotocol/sdk) serving
// one tool, `echo`, over Streamable HTTP on 127.0.0.1, POST /mcp.
//
//   node ts-sdk-1.mjs --port N --mode stateless|session
//
// Both modes follow the v1 docs/examples: an Express app from createMcpExpressApp()
// (express.json() + localhost Host-header validation), McpServer + StreamableHTTPServerTransport.
//
// stateless: simpleStatelessStreamableHttp.ts -- a new McpServer and transport per POST,
//            sessionIdGenerator undefined, both closed when the response closes.
//            No initialize needed: a client may send tools/call directly.
// session:   jsonResponseStreamableHttp.ts -- one transport per session
//            (sessionIdGenerator = randomUUID) in a map keyed by Mcp-Session-Id.
//
// Both modes set enableJsonResponse: true, so replies are a single application/json body.
import { randomUUID } from 'node:crypto';

import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod/v4';

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
    console.error(`ts-sdk-1: ${msg}\nusage: node ts-sdk-1.mjs --port N --mode stateless|session`);
    process.exit(2);
}

const { port, mode } = parseArgs(process.argv.slice(2));

// Built once; v1 derives the advertised JSON Schema from it (type object, properties.text
// string, required [text], plus "$schema": draft-07; tools/list also adds execution.taskSupport).
const echoInput = { text: z.string() };

function buildServer() {
    const server = new McpServer({ name: 'ts-sdk-1-echo', version: '1.0.0' });
    server.registerTool('echo', { description: 'Echoes its text', inputSchema: echoInput }, async ({ text }) => ({
        content: [{ type: 'text', text }]
    }));
    return server;
}

const internalError = res => {
    if (!res.headersSent) {
        res.status(500).json({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: null });
    }
};

const methodNotAllowed = (_req, res) => {
    res.status(405).json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null });
};

const app = createMcpExpressApp();
let shutdown = async () => {};

if (mode === 'stateless') {
    app.post('/mcp', async (req, res) => {
        const server = buildServer();
        try {
            const transport = new StreamableHTTPServerTransport({
                sessionIdGenerator: undefined,
                enableJsonResponse: true
            });
            await server.connect(transport);
            await transport.handleRequest(req, res, req.body);
            res.on('close', () => {
                transport.close();
                server.close();
            });
        } catch (err) {
            console.error('ts-sdk-1: request failed:', err);
            internalError(res);
        }
    });
    app.get('/mcp', methodNotAllowed);
    app.delete('/mcp', methodNotAllowed);
} else {
    const transports = new Map();

    const route = async (req, res) => {
        try {
            const sessionId = req.headers['mcp-session-id'];
            if (sessionId && transports.has(sessionId)) {
                await transports.get(sessionId).handleRequest(req, res, req.body);
                return;
            }
            if (!sessionId && req.method === 'POST' && isInitializeRequest(req.body)) {
                const transport = new StreamableHTTPServerTransport({
                    sessionIdGenerator: () => randomUUID(),
                    enableJsonResponse: true,
                    onsessioninitialized: id => {
                        transports.set(id, transport);
                    }
                });
                transport.onclose = () => {
                    if (transport.sessionId) transports.delete(transport.sessionId);
                };
                await buildServer().connect(transport);
                await transport.handleRequest(req, res, req.body);
                return;
            }
            if (sessionId) {
                res.status(404).json({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null });
                return;
            }
            res.status(400).json({
                jsonrpc: '2.0',
                error: { code: -32000, message: 'Bad Request: No valid session ID provided' },
                id: null
            });
        } catch (err) {
            console.error('ts-sdk-1: request failed:', err);
            internalError(res);
        }
    };
    app.post('/mcp', route);
    app.get('/mcp', route);
    app.delete('/mcp', route);
    shutdown = async () => {
        for (const transport of transports.values()) await transport.close();
    };
}

const server = app.listen(port, '127.0.0.1', err => {
    if (err) {
        console.error('ts-sdk-1: listen failed:', err);
        process.exit(1);
    }
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
