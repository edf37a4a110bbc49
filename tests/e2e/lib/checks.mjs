// Shared end-to-end checks run through an official MCP TypeScript SDK client
// against a server exposing the conformance "everything server" surface
// (the same tools/resources/prompts as the suite's everything-server.ts).
//
// The client object only needs the method names both SDK lines share:
// listTools, callTool, listResources, readResource, listPrompts, getPrompt.

export const SIMPLE_TEXT = 'This is a simple text response for testing.';
export const STATIC_TEXT = 'This is the content of the static text resource.';
export const SIMPLE_PROMPT = 'This is a simple prompt for testing.';
const SCHEMA_TOOL_PREFIX = 'JSON Schema 2020-12 tool called with: ';

/** Collects named pass/fail results and prints them as they happen. */
export class Checker {
  constructor(label) {
    this.label = label;
    this.passed = 0;
    this.failed = 0;
    this.failures = [];
  }

  ok(name, cond, detail) {
    if (cond) {
      this.passed++;
      console.log(`  ok   ${name}`);
    } else {
      this.failed++;
      const msg = detail === undefined ? '' : `: ${detail}`;
      this.failures.push(`${name}${msg}`);
      console.log(`  FAIL ${name}${msg}`);
    }
    return !!cond;
  }

  /** Runs fn; a throw is a failed check carrying the error message. */
  async step(name, fn) {
    try {
      await fn();
    } catch (e) {
      this.ok(name, false, `threw ${errText(e)}`);
    }
  }

  summary() {
    console.log(`[${this.label}] ${this.passed} checks passed, ${this.failed} failed`);
    for (const f of this.failures) console.log(`[${this.label}]   wrong: ${f}`);
    return this.failed === 0 && this.passed > 0;
  }
}

export function errText(e) {
  if (e instanceof Error) {
    const code = e.code !== undefined ? ` (code ${e.code})` : '';
    return `${e.name}: ${e.message}${code}`;
  }
  return String(e);
}

const show = (v) => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 400 ? `${s.slice(0, 400)}...` : s;
};

function deepEqual(a, b) {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
}

const onlyText = (content) =>
  Array.isArray(content) && content.length === 1 && content[0].type === 'text'
    ? content[0].text
    : undefined;

/**
 * Runs every check through `client`. Each check is independent: one wrong
 * answer does not stop the others, so a run reports everything that is wrong.
 */
export async function runSurfaceChecks(client, c) {
  // ---- tools/list
  await c.step('tools/list', async () => {
    const { tools } = await client.listTools();
    const names = new Set((tools ?? []).map((t) => t.name));
    for (const want of ['test_simple_text', 'json_schema_2020_12_tool', 'test_error_handling', 'test_image_content']) {
      c.ok(`tools/list has ${want}`, names.has(want), `got [${[...names].join(', ')}]`);
    }
    const simple = (tools ?? []).find((t) => t.name === 'test_simple_text');
    c.ok('test_simple_text has an object inputSchema', simple?.inputSchema?.type === 'object', show(simple?.inputSchema));
    const schemaTool = (tools ?? []).find((t) => t.name === 'json_schema_2020_12_tool');
    const props = schemaTool?.inputSchema?.properties ?? {};
    c.ok('json_schema_2020_12_tool schema declares name and address', 'name' in props && 'address' in props, show(schemaTool?.inputSchema));
  });

  // ---- tools/call without arguments
  await c.step('tools/call test_simple_text', async () => {
    const r = await client.callTool({ name: 'test_simple_text', arguments: {} });
    c.ok('test_simple_text is not an error', r.isError !== true, show(r));
    c.ok('test_simple_text returns the expected text', onlyText(r.content) === SIMPLE_TEXT, show(r.content));
  });

  // ---- tools/call with arguments (nested object)
  await c.step('tools/call json_schema_2020_12_tool', async () => {
    // Valid against the tool's advertised JSON Schema 2020-12 inputSchema
    // (anyOf phone/email, if contactMethod=phone then phone else email).
    const args = {
      name: 'mcpx-e2e',
      address: { street: '1 Main St', city: 'Springfield' },
      contactMethod: 'email',
      email: 'e2e@example.invalid'
    };
    const r = await client.callTool({ name: 'json_schema_2020_12_tool', arguments: args });
    c.ok('json_schema_2020_12_tool is not an error', r.isError !== true, show(r));
    const text = onlyText(r.content);
    const good = typeof text === 'string' && text.startsWith(SCHEMA_TOOL_PREFIX);
    c.ok('json_schema_2020_12_tool text has the expected prefix', good, show(r.content));
    if (good) {
      let echoed;
      try {
        echoed = JSON.parse(text.slice(SCHEMA_TOOL_PREFIX.length));
      } catch (e) {
        echoed = `unparsable: ${errText(e)}`;
      }
      // The echo must carry name and address; other keys are optional (the
      // reference fixture's Zod schema drops them), but must be what was sent.
      const faithful = typeof echoed === 'object' && echoed !== null &&
        deepEqual(echoed.name, args.name) && deepEqual(echoed.address, args.address) &&
        Object.keys(echoed).every((k) => k in args && deepEqual(echoed[k], args[k]));
      c.ok('json_schema_2020_12_tool echoes its arguments', faithful, `echoed ${show(echoed)}`);
    }
  });

  // ---- tools/call returning a tool error (isError), not a protocol error
  await c.step('tools/call test_error_handling', async () => {
    const r = await client.callTool({ name: 'test_error_handling', arguments: {} });
    c.ok('test_error_handling sets isError', r.isError === true, show(r));
    const text = Array.isArray(r.content) ? r.content.find((b) => b.type === 'text')?.text : undefined;
    c.ok('test_error_handling explains the error', typeof text === 'string' && text.length > 0, show(r.content));
  });

  // ---- tools/call returning image content
  await c.step('tools/call test_image_content', async () => {
    const r = await client.callTool({ name: 'test_image_content', arguments: {} });
    const img = Array.isArray(r.content) ? r.content[0] : undefined;
    c.ok('test_image_content returns a base64 PNG',
      img?.type === 'image' && img.mimeType === 'image/png' && typeof img.data === 'string' &&
        Buffer.from(img.data, 'base64').subarray(0, 4).toString('latin1') === '\x89PNG',
      show(r.content));
  });

  // ---- resources
  await c.step('resources/list', async () => {
    const { resources } = await client.listResources();
    const uris = new Set((resources ?? []).map((r) => r.uri));
    for (const want of ['test://static-text', 'test://static-binary']) {
      c.ok(`resources/list has ${want}`, uris.has(want), `got [${[...uris].join(', ')}]`);
    }
  });
  await c.step('resources/read test://static-text', async () => {
    const r = await client.readResource({ uri: 'test://static-text' });
    const item = r.contents?.[0];
    c.ok('static-text has one text content', r.contents?.length === 1 && typeof item?.text === 'string', show(r));
    c.ok('static-text content is right',
      item?.uri === 'test://static-text' && item?.mimeType === 'text/plain' && item?.text === STATIC_TEXT, show(item));
  });
  await c.step('resources/read test://template/42/data', async () => {
    const r = await client.readResource({ uri: 'test://template/42/data' });
    const item = r.contents?.[0];
    let body;
    try {
      body = JSON.parse(item?.text);
    } catch {
      body = undefined;
    }
    c.ok('template resource substitutes {id}',
      item?.uri === 'test://template/42/data' && body?.id === '42' && body?.templateTest === true, show(item));
  });

  // ---- prompts
  await c.step('prompts/list', async () => {
    const { prompts } = await client.listPrompts();
    const byName = new Map((prompts ?? []).map((p) => [p.name, p]));
    for (const want of ['test_simple_prompt', 'test_prompt_with_arguments']) {
      c.ok(`prompts/list has ${want}`, byName.has(want), `got [${[...byName.keys()].join(', ')}]`);
    }
    const argNames = (byName.get('test_prompt_with_arguments')?.arguments ?? []).map((a) => a.name).sort();
    c.ok('test_prompt_with_arguments declares arg1, arg2', deepEqual(argNames, ['arg1', 'arg2']), show(argNames));
  });
  await c.step('prompts/get test_simple_prompt', async () => {
    const r = await client.getPrompt({ name: 'test_simple_prompt' });
    const m = r.messages?.[0];
    c.ok('test_simple_prompt returns its message',
      r.messages?.length === 1 && m.role === 'user' && m.content?.type === 'text' && m.content.text === SIMPLE_PROMPT,
      show(r));
  });
  await c.step('prompts/get test_prompt_with_arguments', async () => {
    const r = await client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'alpha', arg2: 'beta' } });
    const text = r.messages?.[0]?.content?.text;
    c.ok('test_prompt_with_arguments substitutes its arguments',
      text === "Prompt with arguments: arg1='alpha', arg2='beta'", show(r));
  });

  // ---- an unknown tool must fail (protocol error or isError), never succeed
  await c.step('tools/call unknown tool', async () => {
    let outcome;
    try {
      const r = await client.callTool({ name: 'mcpx_e2e_no_such_tool', arguments: {} });
      outcome = r.isError === true ? 'isError' : `success ${show(r)}`;
    } catch (e) {
      outcome = `error ${errText(e)}`;
    }
    c.ok('unknown tool is rejected', !outcome.startsWith('success'), outcome);
  });
}

/** Parses argv: URL [--mode M] [--timeout-ms N]. */
export function parseArgs(argv, usage) {
  const out = { url: undefined, mode: undefined, timeoutMs: 60000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--mode') out.mode = argv[++i];
    else if (a === '--timeout-ms') out.timeoutMs = Number(argv[++i]);
    else if (a === '-h' || a === '--help') {
      console.log(usage);
      process.exit(0);
    } else if (!out.url) out.url = a;
    else {
      console.error(`unexpected argument: ${a}\n${usage}`);
      process.exit(2);
    }
  }
  if (!out.url) {
    console.error(usage);
    process.exit(2);
  }
  return out;
}

/** Exits the process non-zero if the whole run has not finished in time. */
export function watchdog(ms, label) {
  const t = setTimeout(() => {
    console.log(`[${label}] FAIL: timed out after ${ms} ms`);
    process.exit(1);
  }, ms);
  t.unref();
}
