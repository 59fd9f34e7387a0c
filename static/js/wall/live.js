// The live stream. EventSource reconnects by itself after a network drop and sends
// Last-Event-ID, so the server replays what was missed. What it cannot do alone: start again
// after the server answered with an error (a restart behind a proxy: EventSource gives up),
// and reload from scratch when the server says the client fell too far behind (resync).
export function connect({ onEvent, onState, onResync, onReconnected }) {
  let lastId = null;
  let retry = 1000;
  let everConnected = false;
  let source = null;

  function open() {
    const url = lastId ? `/api/v1/stream?last_event_id=${encodeURIComponent(lastId)}` : '/api/v1/stream';
    source = new EventSource(url);
    source.addEventListener('hello', (e) => {
      retry = 1000;
      if (e.lastEventId) lastId = e.lastEventId;
      onState('live');
      if (everConnected) onReconnected();
      everConnected = true;
    });
    source.addEventListener('incident', (e) => {
      if (e.lastEventId) lastId = e.lastEventId;
      onEvent(JSON.parse(e.data));
    });
    source.addEventListener('position', (e) => onEvent(JSON.parse(e.data)));
    source.addEventListener('resync', () => {
      source.close();
      lastId = null;
      Promise.resolve(onResync()).finally(open);
    });
    source.onerror = () => {
      onState('lost');
      if (source.readyState === EventSource.CLOSED) {
        setTimeout(open, retry);
        retry = Math.min(retry * 2, 30000);
      }
    };
  }
  open();
}
