// The baseline for `npm run bench:realtime`: a bare `ws` server that takes the same POST
// /api/events as Mission Control and broadcasts the same envelope to every client, with nothing else.
const http = require('node:http');
const { WebSocketServer } = require('ws');

let seq = 0;
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const event = JSON.parse(body);
    const text = JSON.stringify({
      type: 'agent_activity',
      timestamp: new Date().toISOString(),
      data: { agent: event.agent_id, activity: { ...event.data, action: event.event_type, event_id: ++seq } },
      source: 'mission-control',
      seq,
    });
    for (const client of wss.clients) client.send(text);
    res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: seq }));
  });
});
const wss = new WebSocketServer({ server });
server.listen(0, '127.0.0.1', () => console.log(`BARE ${server.address().port}`));
process.on('SIGTERM', () => process.exit(0));
