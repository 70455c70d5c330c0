// Browser-side helpers for the room view: scroll pinning, loading older history, and the composer's keys.

const pinnedDistance = 120;

export function watchScroller(scroller, content, dotnet) {
  const state = { pinned: true, savedFromBottom: null };
  scroller.__chat = state;

  scroller.addEventListener("scroll", () => {
    const wasPinned = state.pinned;
    state.pinned = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < pinnedDistance;
    if (state.pinned && !wasPinned) {
      dotnet.invokeMethodAsync("ReachedBottom");
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
  }
  scroller.scrollTop = scroller.scrollHeight;
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
export function attachComposer(textarea, dotnet) {
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
