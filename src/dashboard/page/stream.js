// The event stream: one EventSource on the server's events, reconnected when it drops.
import { EVENTS, PATHS } from "./protocol.js";
import { $ } from "./state.js";

function setConn(state, text) {
  const c = $("conn");
  c.dataset.state = state;
  c.textContent = text;
}

/** Opens the event stream (and opens it again when the server refused it); `on` has a handler per event name. */
export function connect(on) {
  const source = new EventSource(PATHS.events.slice(1));
  source.addEventListener("open", () => setConn("live", "live"));
  source.addEventListener("error", () => {
    setConn("reconnecting", "reconnecting…");
    // The browser retries by itself unless the stream was refused outright; then start it again.
    if (source.readyState === EventSource.CLOSED) setTimeout(() => connect(on), 1000);
  });
  for (const name of Object.values(EVENTS))
    source.addEventListener(name, (e) => {
      const data = JSON.parse(e.data);
      on[name](data);
      // A page that stopped reading (a background tab) was disconnected by the server; it is whole again now.
      if (name === EVENTS.hello) setConn("live", data.dropped ? "live · redrawn after falling behind" : "live");
    });
}
