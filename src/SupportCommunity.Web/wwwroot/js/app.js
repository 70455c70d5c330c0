// Over a cap on open tabs (circuits), the server answers Blazor's negotiate request with 429 and says why in the
// problem details. Blazor itself would only log it and leave the page blank, so show the sentence, with a Reload link.
const pageFetch = window.fetch.bind(window);
window.fetch = async (input, init) => {
  const response = await pageFetch(input, init);
  const url = typeof input === "string" ? input : input?.url ?? "";
  if (response.status === 429 && url.includes("_blazor/negotiate")) {
    const problem = await response.clone().json().catch(() => null);
    showCircuitRefusal(problem?.detail ?? "Too many tabs of the community are open. Close one, then reload this page.");
  }
  return response;
};

function showCircuitRefusal(text) {
  let notice = document.getElementById("circuit-refused");
  if (!notice) {
    notice = document.createElement("div");
    notice.id = "circuit-refused";
    notice.className = "circuit-refused";
    notice.setAttribute("role", "alert");
    notice.setAttribute("data-testid", "circuit-refused");
    const message = document.createElement("p");
    const reload = document.createElement("a");
    reload.href = "";
    reload.setAttribute("data-reload", "");
    reload.textContent = "Reload";
    notice.append(message, reload);
    document.body.prepend(notice);
  }
  notice.querySelector("p").textContent = text;
}

// Starts Blazor with reconnection tuned for chat: retry every second at first, then every 3 s, for about 5 minutes,
// and at once when the browser says the network is back. A circuit the server no longer has means a fresh page.
// A dead link is noticed within 15 s rather than SignalR's 30 s (pings every 5 s; the server's side is in UiSetup).
Blazor.start({
  circuit: {
    configureSignalR: builder => builder.withKeepAliveInterval(5000).withServerTimeout(15000),
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
