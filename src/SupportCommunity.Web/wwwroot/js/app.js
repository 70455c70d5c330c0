// Starts Blazor with reconnection tuned for chat: retry every second at first, then every 3 s, for about 5 minutes,
// and at once when the browser says the network is back. A circuit the server no longer has means a fresh page.
Blazor.start({
  circuit: {
    reconnectionOptions: {
      maxRetries: 100,
      retryIntervalMilliseconds: attempt => (attempt < 10 ? 1000 : 3000),
    },
  },
});

window.addEventListener("online", () => {
  if (document.getElementById("components-reconnect-modal")?.classList.contains("components-reconnect-show")
      || document.getElementById("components-reconnect-modal")?.classList.contains("components-reconnect-retrying")) {
    Blazor.reconnect();
  }
});

document.getElementById("components-reconnect-modal")?.addEventListener("components-reconnect-state-changed", event => {
  if (event.detail?.state === "rejected") {
    location.reload();
  }
});

// The banner's Reload links. A listener here, not an onclick attribute: the Content-Security-Policy runs no inline script.
document.addEventListener("click", event => {
  if (event.target instanceof Element && event.target.closest("[data-reload]")) {
    event.preventDefault();
    location.reload();
  }
});
