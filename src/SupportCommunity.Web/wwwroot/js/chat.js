// Browser-side helpers for the room view: scroll pinning, loading older history, and the composer's keys.

const pinnedDistance = 120;

export function watchScroller(scroller, content, jump, dotnet) {
  const state = { pinned: true, savedFromBottom: null, jump };
  scroller.__chat = state;
  jump.addEventListener("click", () => scrollToBottom(scroller));

  scroller.addEventListener("scroll", () => {
    state.pinned = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < pinnedDistance;
    if (state.pinned) {
      jump.classList.remove("visible");
    }
    if (scroller.scrollTop < 200) {
      dotnet.invokeMethodAsync("LoadOlderFromScroll");
    }
  }, { passive: true });

  // Content grows as messages arrive and as the virtualized list measures real rows: stay at the bottom if we were.
  new ResizeObserver(() => {
    if (state.savedFromBottom !== null) {
      scroller.scrollTop = scroller.scrollHeight - state.savedFromBottom;
      state.savedFromBottom = null;
    } else if (state.pinned) {
      scroller.scrollTop = scroller.scrollHeight;
    }
  }).observe(content);
}

export function scrollToBottom(scroller) {
  if (scroller.__chat) {
    scroller.__chat.pinned = true;
    scroller.__chat.jump.classList.remove("visible");
  }
  scroller.scrollTop = scroller.scrollHeight;
}

// New messages were rendered at the end: follow them if the reader is at the bottom, else offer a jump.
export function messagesAppended(scroller) {
  const state = scroller.__chat;
  if (!state) {
    return;
  }
  if (state.pinned) {
    scroller.scrollTop = scroller.scrollHeight;
  } else {
    state.jump.classList.add("visible");
  }
}

// Before older messages are added above, remember the distance from the bottom so the view does not jump.
export function keepPositionOnPrepend(scroller) {
  if (scroller.__chat) {
    scroller.__chat.savedFromBottom = scroller.scrollHeight - scroller.scrollTop;
  }
}

export function isPinned(scroller) {
  return !scroller.__chat || scroller.__chat.pinned;
}

// Enter sends, Shift+Enter adds a line, ArrowUp in an empty box edits your last message, Escape cancels.
// The data-keys mark tells scripts and tests that Enter now sends (it sits on the element only, no render).
export function attachComposer(textarea, dotnet) {
  textarea.dataset.keys = "on";
  textarea.addEventListener("keydown", event => {
    if (event.isComposing) {
      return;
    }
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      dotnet.invokeMethodAsync("SubmitFromKeyboard");
    } else if (event.key === "ArrowUp" && textarea.value === "") {
      event.preventDefault();
      dotnet.invokeMethodAsync("EditLastFromKeyboard");
    }
  });
}

export function attachEditor(textarea, dotnet) {
  textarea.focus();
  textarea.setSelectionRange(textarea.value.length, textarea.value.length);
  textarea.addEventListener("keydown", event => {
    if (event.isComposing) {
      return;
    }
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      dotnet.invokeMethodAsync("SaveFromKeyboard");
    } else if (event.key === "Escape") {
      event.preventDefault();
      dotnet.invokeMethodAsync("CancelFromKeyboard");
    }
  });
}

export function focus(element) {
  element?.focus();
}

export function timeZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

// Alt+ArrowUp / Alt+ArrowDown move to the previous or next room, as in most chat apps.
export function registerRoomShortcuts(dotnet) {
  const handler = event => {
    if (event.altKey && !event.ctrlKey && !event.metaKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
      event.preventDefault();
      dotnet.invokeMethodAsync("MoveRoom", event.key === "ArrowUp" ? -1 : 1);
    }
  };
  document.addEventListener("keydown", handler);
  return { dispose: () => document.removeEventListener("keydown", handler) };
}
