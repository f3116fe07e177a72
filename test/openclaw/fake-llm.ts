import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * A deterministic OpenAI-compatible model server for running real OpenClaw agent turns with no network.
 * What it answers depends only on the last user message, so every figure a test checks is known:
 * - a message containing "please fail" gets HTTP 500 (OpenClaw retries, then fails the run);
 * - "please reject" gets HTTP 400 (the run fails at once);
 * - "use a tool" gets one tool call (the first tool the request offers), then text once the tool answered;
 * - "run the command: <command>" gets one `exec` tool call of that command (to the end of the line), then a
 *   text that quotes what the tool answered (its output, or OpenClaw's refusal);
 * - "answer slowly" streams its text in 40 pieces 500 ms apart (20 s; "answer slowly for N seconds" sets N),
 *   so that a run can be stopped or steered half-way;
 * - anything else gets text.
 * Usage: prompt_tokens = 1000 + the number of messages sent, completion_tokens = 7 + the call's round.
 */
export interface FakeLlmRequest {
  at: number;
  lastUser: string;
  status: number;
  /** Every user message of the request, oldest first (a steered message shows here). */
  users?: string[];
  /** The tool called, when the answer was a tool call. */
  tool?: string;
  /** What the tool answered, on the call after it. */
  toolResult?: string;
  /** A slow answer: when its last piece was written, or when the client went away before that. */
  endedAt?: number;
  aborted?: boolean;
}

export interface FakeLlm {
  url: string;
  port: number;
  requests: FakeLlmRequest[];
  close(): Promise<void>;
}

export async function startFakeLlm(port = 0): Promise<FakeLlm> {
  const requests: FakeLlm['requests'] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk));
    req.on('end', () => {
      try {
        answer(req, res, body, requests);
      } catch (error) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: (error as Error).message } }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}/v1`,
    port: actual,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** How OpenClaw's own context message (appended as a user message) begins. */
const INTERNAL_CONTEXT = '<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>';

type ChatMessage = { role: string; content?: unknown; tool_calls?: unknown[] };

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((part) => (typeof part?.text === 'string' ? part.text : '')).join(' ');
  return '';
}

function answer(req: IncomingMessage, res: ServerResponse, body: string, requests: FakeLlm['requests']): void {
  if (req.url?.endsWith('/models')) {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ object: 'list', data: [{ id: 'm1', object: 'model' }] }));
    return;
  }
  const request = body ? JSON.parse(body) : {};
  const messages: ChatMessage[] = Array.isArray(request.messages) ? request.messages : [];
  // OpenClaw appends its own context as a second user message, so the turn is every user message since
  // the model's last plain answer.
  let lastAnswer = messages.length - 1;
  while (lastAnswer >= 0 && !(messages[lastAnswer].role === 'assistant' && !messages[lastAnswer].tool_calls?.length))
    lastAnswer--;
  const turn = messages.slice(lastAnswer + 1);
  const lastUser = turn
    .filter((m) => m.role === 'user')
    .map((m) => textOf(m.content))
    .join('\n');
  const afterTool = turn.some((m) => m.role === 'tool');
  const toolResult = afterTool ? textOf([...turn].reverse().find((m) => m.role === 'tool')?.content) : undefined;
  const status = /please fail/i.test(lastUser) ? 500 : /please reject/i.test(lastUser) ? 400 : 200;
  const record: FakeLlmRequest = { at: Date.now(), lastUser, status, users: userTexts(messages) };
  if (toolResult !== undefined) record.toolResult = toolResult;
  requests.push(record);
  if (status !== 200) {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        error: {
          message: status === 500 ? 'fake model: internal error' : 'fake model: rejected',
          type: 'invalid_request_error',
        },
      }),
    );
    return;
  }
  const tools: { function?: { name?: string } }[] = Array.isArray(request.tools) ? request.tools : [];
  const names = tools.map((t) => t.function?.name).filter((name): name is string => typeof name === 'string');
  // Modes that must not carry over to later turns read the newest message of the person, not OpenClaw's context.
  const newest =
    turn
      .filter((m) => m.role === 'user')
      .map((m) => textOf(m.content))
      .filter((text) => !text.startsWith(INTERNAL_CONTEXT))
      .pop() ?? '';
  const command = /run the command:\s*(.+)/i.exec(newest)?.[1].trim();
  const toolName = command !== undefined ? 'exec' : names.includes('read') ? 'read' : names[0];
  const wantsTool =
    (/use a tool/i.test(lastUser) || command !== undefined) &&
    !afterTool &&
    toolName !== undefined &&
    names.includes(toolName);
  const usage = { prompt_tokens: 1000 + messages.length, completion_tokens: afterTool ? 9 : 7 };
  const text = afterTool
    ? command !== undefined
      ? `The tool answered: ${(toolResult ?? '').slice(0, 400)}`
      : 'The tool answered; done.'
    : `Hello from the fake model (${messages.length} messages).`;
  const toolCall = {
    index: 0,
    id: `call_${messages.length}`,
    type: 'function',
    function: {
      name: toolName,
      arguments: command !== undefined ? JSON.stringify({ command }) : toolArguments(toolName),
    },
  };
  if (wantsTool) record.tool = toolName;
  const id = `chatcmpl-${requests.length}`;
  const slow = /answer slowly/i.test(newest) && !afterTool;
  if (request.stream) {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const chunk = (delta: object, finish: string | null) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 0, model: 'm1', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const finish = () => {
      res.write(chunk({}, wantsTool ? 'tool_calls' : 'stop'));
      const total = { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
      res.write(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 0, model: 'm1', choices: [], usage: total })}\n\n`,
      );
      res.end('data: [DONE]\n\n');
    };
    res.write(chunk({ role: 'assistant', content: '' }, null));
    if (slow) {
      streamSlowly(res, record, newest, (piece) => chunk({ content: piece }, null), finish);
      return;
    }
    if (wantsTool) res.write(chunk({ tool_calls: [toolCall] }, null));
    else res.write(chunk({ content: text }, null));
    finish();
    return;
  }
  res.setHeader('content-type', 'application/json');
  const message = wantsTool
    ? { role: 'assistant', content: null, tool_calls: [toolCall] }
    : { role: 'assistant', content: text };
  res.end(
    JSON.stringify({
      id,
      object: 'chat.completion',
      model: 'm1',
      choices: [{ index: 0, message, finish_reason: wantsTool ? 'tool_calls' : 'stop' }],
      usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
    }),
  );
}

function userTexts(messages: ChatMessage[]): string[] {
  return messages.filter((m) => m.role === 'user').map((m) => textOf(m.content));
}

/** Writes a slow answer's 40 pieces at even intervals, stopping (and noting it) if the client goes away. */
function streamSlowly(
  res: ServerResponse,
  record: FakeLlmRequest,
  message: string,
  piece: (text: string) => string,
  finish: () => void,
): void {
  const seconds = Number(/answer slowly for (\d+(?:\.\d+)?) seconds?/i.exec(message)?.[1] ?? 20);
  const pieces = 40;
  let sent = 0;
  const timer = setInterval(
    () => {
      if (res.destroyed || res.writableEnded) return;
      res.write(piece(`slow piece ${++sent} of ${pieces}. `));
      if (sent < pieces) return;
      clearInterval(timer);
      record.endedAt = Date.now();
      finish();
    },
    (seconds * 1000) / pieces,
  );
  res.once('close', () => {
    clearInterval(timer);
    if (sent < pieces) {
      record.aborted = true;
      record.endedAt = Date.now();
    }
  });
}

/** Arguments that the usual read-only tools accept. */
function toolArguments(name: string | undefined): string {
  if (name === 'read') return JSON.stringify({ path: 'SOUL.md' });
  if (name === 'exec') return JSON.stringify({ command: 'echo hi' });
  return '{}';
}

if (require.main === module) {
  void startFakeLlm(Number(process.env.PORT ?? 19999)).then((llm) => console.log(`fake model on ${llm.url}`));
}
